"""Streaming the output: each file goes to the writer as it is made, and the output folder changes
only when the whole new site is in place (issue 17: 100,000 documents within 4 GB)."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any, Callable

import jinja2
import pytest

from sitegen import pages, write
from sitegen.build import build
from sitegen.write import OutputError, SiteWriter, default_record
from tests.helpers import make_config, site_files, write_docs

RENDER_SITE = pages.render_site  # as imported: each measurement wraps this one, never another's wrapper
PARAGRAPH = "The pool ran dry because sessions were never closed after the retry loop gave up. " * 12


def doc(n: int, paragraphs: int = 2) -> str:
    body = "\n\n".join(PARAGRAPH for _ in range(paragraphs))
    return (f"---\ntitle: Problem {n}\ncomponent: [c{n % 3}]\nproblem_type: runtime_error\n"
            f"symptoms: ['Error {n}: pool exhausted']\n---\n# Problem {n}\n\n## Solution\n{body}\n")


def kb(tmp_path: Path, count: int, paragraphs: int = 2) -> Path:
    return write_docs(tmp_path / "kb", {f"doc-{n:02d}.md": doc(n, paragraphs) for n in range(count)})


def test_each_page_is_in_the_staging_tree_before_the_next_is_rendered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, str]] = []
    render = jinja2.Template.render
    write_new = write.write_new

    def rendering(self: jinja2.Template, *args: Any, **context: Any) -> str:
        url = context.get("page_url", "\0")
        if not url.startswith("\0") and ("render", url) not in events:  # a page's first template, not a fragment
            events.append(("render", url))
        return render(self, *args, **context)

    def writing(path: Path, data: bytes, make_parent: bool = True) -> None:
        events.append(("write", path.relative_to(path.parents[len(path.parents) - 1]).as_posix()))
        write_new(path, data, make_parent)

    monkeypatch.setattr(jinja2.Template, "render", rendering)
    monkeypatch.setattr(write, "write_new", writing)
    content = kb(tmp_path, 6)
    build(make_config(content, tmp_path / "site"))
    rendered = [url for kind, url in events if kind == "render"]
    assert len(rendered) > 10
    for page, following in zip(rendered, rendered[1:]):
        written = next(i for i, (kind, path) in enumerate(events) if kind == "write" and path.endswith("/new/" + page))
        assert written < events.index(("render", following)), f"{page} was not written before {following} was rendered"


def pages_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> tuple[int, int]:
    """The most memory making the pages of `count` fat documents ever held at once, and the output's size."""
    peaks: list[int] = []

    def measured(*args: Any, **kwargs: Any) -> Any:
        tracemalloc.start()  # only what is allocated while the pages are made and written
        try:
            made = RENDER_SITE(*args, **kwargs)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        return made

    monkeypatch.setattr(pages, "render_site", measured)
    result = build(make_config(kb(tmp_path / str(count), count, paragraphs=40), tmp_path / f"site-{count}"))
    return peaks[0], sum(len(data) for data in site_files(result.output_dir).values())


def test_the_output_is_not_held_whole_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages of some 47 KB each. Templates, styles and the like cost the same for any number of
    # pages: what twice the documents add is what grows with the site.
    small_peak, small_output = pages_memory(tmp_path, monkeypatch, 20)
    large_peak, large_output = pages_memory(tmp_path, monkeypatch, 40)
    assert large_output - small_output > 20 * 40 * len(PARAGRAPH) and small_peak > 0
    # Held whole, the extra pages alone would add their bytes to the peak.
    assert large_peak - small_peak < (large_output - small_output) / 3, (small_peak, large_peak, large_output - small_output)


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.sitegen-staging"))


def writer_of(out: Path, files: dict[str, bytes], **kwargs: Any) -> SiteWriter:
    writer = SiteWriter(out, **kwargs)
    for rel, data in files.items():
        writer.add(rel, data)
    return writer


SITE = {"index.html": b"home", "docs/a.html": b"a", "docs/b.html": b"b"}


def test_the_output_changes_only_when_the_writer_finishes(tmp_path: Path) -> None:
    out = tmp_path / "site"
    writer_of(out, SITE).finish()
    changed: list[dict[str, bytes]] = []
    writer = writer_of(out, {"index.html": b"home 2", "docs/a.html": b"a", "docs/c.html": b"c"},
                       before_change=lambda: changed.append(site_files(out)))
    assert site_files(out) == SITE and not changed
    report = writer.finish(["docs/b.html"])
    assert changed == [SITE]  # called once, just before the output changes
    assert site_files(out) == {"index.html": b"home 2", "docs/a.html": b"a", "docs/b.html": b"b", "docs/c.html": b"c"}
    assert (report.written, report.unchanged, report.reused, report.removed) == (2, 1, 1, 0)


def test_a_build_failing_while_pages_are_made_leaves_the_site_and_no_staging_folder(tmp_path: Path) -> None:
    out = tmp_path / "site"
    writer_of(out, SITE).finish()
    changed: list[bool] = []
    with pytest.raises(RuntimeError):
        with writer_of(out, {"index.html": b"new home", "docs/a.html": b"new a"}, before_change=lambda: changed.append(True)):
            raise RuntimeError("a template failed half-way")
    assert site_files(out) == SITE and not changed
    assert leftovers(out) == []
    assert sorted(json.loads(default_record(out).read_text())["files"]) == sorted(SITE)


def test_a_user_file_met_half_way_stops_the_build_with_the_site_untouched(tmp_path: Path) -> None:
    out = tmp_path / "site"
    writer_of(out, SITE).finish()
    (out / "about.html").write_text("mine")
    with pytest.raises(OutputError, match="about.html was not written by sitegen"):
        with writer_of(out, {"index.html": b"new home", "about.html": b"generated"}):
            pass
    assert site_files(out) == {**SITE, "about.html": b"mine"}
    assert leftovers(out) == []


@pytest.mark.parametrize("first_changed", [False, True])
def test_a_path_handed_twice_keeps_the_later_bytes(tmp_path: Path, first_changed: bool) -> None:
    # A theme's file overriding the built-in one: the later wins, as in a mapping.
    out = tmp_path / "site"
    writer_of(out, SITE).finish()
    writer = SiteWriter(out)
    writer.add("index.html", b"home" if not first_changed else b"other")
    writer.add("docs/a.html", b"a")
    writer.add("index.html", b"home 3")
    writer.add("docs/a.html", b"a 3")
    writer.finish(["docs/b.html"])
    assert site_files(out) == {"index.html": b"home 3", "docs/a.html": b"a 3", "docs/b.html": b"b"}


def test_a_build_that_changes_nothing_makes_no_staging_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    writer_of(out, SITE).finish()
    inode = (out / "index.html").stat().st_ino
    made: list[str] = []
    mkdtemp: Callable[..., str] = write.tempfile.mkdtemp
    monkeypatch.setattr(write.tempfile, "mkdtemp", lambda **kw: made.append("box") or mkdtemp(**kw))
    report = writer_of(out, {"index.html": b"home", "docs/a.html": b"a"}).finish(["docs/b.html"])
    assert made == [] and (report.written, report.unchanged, report.reused) == (0, 2, 1)
    assert (out / "index.html").stat().st_ino == inode
    writer_of(out, {"index.html": b"home", "docs/a.html": b"a 2"}).finish(["docs/b.html"])
    assert made == ["box"] and (out / "index.html").stat().st_ino == inode  # linked into the new tree
    assert site_files(out) == {**SITE, "docs/a.html": b"a 2"}


def test_a_reused_path_that_became_a_symlink_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "site"
    writer_of(out, SITE).finish()
    (tmp_path / "elsewhere.html").write_text("not the site's")
    (out / "docs/b.html").unlink()
    (out / "docs/b.html").symlink_to(tmp_path / "elsewhere.html")
    with pytest.raises(OutputError, match="docs/b.html should be reused .* missing"):
        writer_of(out, {"index.html": b"home 2"}).finish(["docs/a.html", "docs/b.html"])
    assert (out / "index.html").read_bytes() == b"home" and leftovers(out) == []


def test_a_small_edit_does_not_stat_or_join_a_path_for_each_reused_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a one-document edit of a big site does: a few files new, thousands carried over by links.
    out = tmp_path / "site"
    many = {f"docs/{n // 100}/page-{n}.html": b"p%d" % n for n in range(600)}
    writer_of(out, {**SITE, **many}).finish()
    calls: list[str] = []
    for name in ("stat", "lstat"):
        real = getattr(write.os, name)
        monkeypatch.setattr(write.os, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    report = writer_of(out, {"index.html": b"home 2"}).finish([*many, "docs/a.html", "docs/b.html"])
    stats = len(calls)
    assert report.reused == 602 and site_files(out) == {**SITE, **many, "index.html": b"home 2"}
    assert stats < 200, f"{stats} stat calls for 602 reused files"
