"""One-document edits redo only what the edit touches, and still equal a clean build byte for byte."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from sitegen import browse, stamp
from sitegen.build import build, gather
from sitegen.fingerprint import _plain_deep
from sitegen.pages import page_specs
from tests.helpers import make_config, page, write_docs
from tests.test_incremental import assert_same_as_clean, doc, kb_docs


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "kb", {**kb_docs(), "ops/d.md": doc("Delta", component="cache", tags="[redis]")})


def _counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(browse, name)

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(browse, name, counted)
    return calls


def test_kb_json_and_feed_are_made_again_only_when_what_they_show_changes(kb: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    settings = {"base_url": "https://example.org/kb/"}
    build(make_config(kb, out, **settings))
    kb_calls, feed_calls = _counting(monkeypatch, "kb_json"), _counting(monkeypatch, "atom_feed")
    # A sentence added to the body, after the solution: no field kb.json or the feed shows.
    (kb / "b.md").write_text((kb / "b.md").read_text() + "\nChecked again.\n")
    build(make_config(kb, out, **settings))
    assert (kb_calls, feed_calls) == ([], [])
    assert (out / "kb.json").is_file() and (out / "feed.xml").is_file()
    (kb / "b.md").write_text((kb / "b.md").read_text().replace("title: Beta", "title: Beta renamed"))
    build(make_config(kb, out, **settings))
    assert (kb_calls, feed_calls) == ([1], [1])
    assert "Beta renamed" in (out / "kb.json").read_text()
    assert_same_as_clean(kb, out, tmp_path, **settings)


def test_a_title_change_shows_on_every_group_page_that_lists_the_document(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_config(kb, out))
    (kb / "c.md").write_text((kb / "c.md").read_text().replace("title: Gamma", "title: Gamma renamed"))
    result = build(make_config(kb, out))
    for rel in ("component/cache.html", "tags/redis.html", "index.html", "documents.html"):
        assert "Gamma renamed" in page(out, rel).link_texts(), rel
    assert "component/database.html" not in result.rendered_pages  # lists no Gamma: left as it was
    assert_same_as_clean(kb, out, tmp_path)


def test_moving_a_document_to_another_folder_and_group_equals_a_clean_build(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_config(kb, out))
    (kb / "ops/d.md").unlink()
    write_docs(kb, {"db/d.md": doc("Delta", component="database")})
    build(make_config(kb, out))
    assert "Delta" not in page(out, "component/cache.html").link_texts()
    assert "Delta" in page(out, "component/database.html").link_texts()
    assert_same_as_clean(kb, out, tmp_path)


def test_context_values_a_page_declares_plain_are_plain(kb: Path, tmp_path: Path) -> None:
    """Plain names are fingerprinted by repr, unchecked: a Term or Entry among them would make
    pages that list other documents miss those documents' edits."""
    site = gather(make_config(kb, tmp_path / "out"))
    declared = [(spec.url, name, spec.context[name]) for spec in page_specs(site) for name in spec.plain]
    assert declared
    assert [(url, name) for url, name, value in declared if not _plain_deep((value,), depth=6)] == []


def test_an_edit_fetches_the_body_and_html_of_only_the_pages_it_renders(kb: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import cache

    write_docs(kb, {f"other{n}.md": doc(f"Other {n}", component=f"area{n}", tags=f"[t{n}]").replace(
        "database_issue", f"kind{n}") for n in range(6)})
    out = tmp_path / "out"
    build(make_config(kb, out))
    asked: list[tuple[bytes, tuple[str, ...]]] = []
    real = cache._Reader.fetch

    def fetch(self: Any, key: bytes, columns: tuple[str, ...]) -> dict[str, Any]:
        asked.append((key, columns))
        return real(self, key, columns)

    monkeypatch.setattr(cache._Reader, "fetch", fetch)
    (kb / "c.md").write_text((kb / "c.md").read_text().replace("Fix Gamma.", "Flush the Gamma cache."))
    result = build(make_config(kb, out))
    assert result.site.counts == {"reread": 1, "rerendered": 1}
    # c.md was read afresh. The pages rendered again for it (those listing it) fetch their own
    # HTML; no body is fetched, and nothing of the six unrelated documents but their search text.
    html = {key.decode() for key, columns in asked if columns == ("html",)}
    assert html and html <= {"a.md", "b.md", "ops/d.md"}
    assert html == {rel for rel in ("a.md", "b.md", "ops/d.md") if f"docs/{rel[:-3]}.html" in result.rendered_pages}
    assert not [key for key, columns in asked if columns == ("body",)]
    assert_same_as_clean(kb, out, tmp_path)
    # A link target renamed: a.md is rendered again from the state, so its body is fetched, once.
    (kb / "b.md").rename(kb / "b2.md")
    asked.clear()
    again = build(make_config(kb, out))
    assert again.site.counts["rerendered"] == 2  # b2.md, new, and a.md, whose link broke
    assert [key for key, columns in asked if columns == ("body",)] == [b"a.md"]
    assert_same_as_clean(kb, out, tmp_path)


def _quick_build(kb: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """`sitegen build` in this process (so a test can watch it), run from beside the content."""
    from sitegen.cli import main

    cwd = os.getcwd()
    os.chdir(kb.parent)
    try:
        main(["build", str(kb), "-o", str(out)])
    finally:
        os.chdir(cwd)
    return capsys.readouterr().err


def _age(kb: Path, seconds: int) -> None:
    for path in kb.rglob("*.md"):
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


def test_the_quick_check_reads_no_unchanged_file_yet_sees_an_edit_that_keeps_size_and_time(
        kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _age(kb, 86400)
    # Files changed within RACY_NS of a snapshot are read again; the change times of these were
    # just set, and waiting out the real three seconds would slow the suite.
    monkeypatch.setattr(stamp, "RACY_NS", 300_000_000)
    time.sleep(0.4)
    _quick_build(kb, out, capsys)
    read: list[Path] = []
    real = stamp.file_hash
    monkeypatch.setattr(stamp, "file_hash", lambda path, limit: read.append(path) or real(path, limit))
    assert "nothing changed" in _quick_build(kb, out, capsys)
    assert read == []  # every document's size, times and inode vouched for its recorded hash
    # Same size, modification time set back (as `cp -p` does): only the change time shows it.
    path = kb / "c.md"
    before = path.stat()
    path.write_text(path.read_text().replace("Fix Gamma.", "Fix Gemma."))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert "nothing changed" not in _quick_build(kb, out, capsys)
    assert [Path(p) for p in read] == [path]
    assert "Fix Gemma." in page(out, "docs/c.html").text


def test_a_same_size_edit_in_the_clock_tick_of_the_last_build_is_seen(
        kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Racily clean, as git calls it: on a file system whose timestamps are coarse, an edit made in
    the same tick as the hashing leaves size and times as recorded; only reading the file shows it."""
    out = tmp_path / "out"
    tick = time.time_ns()  # every file "changed" in this tick, whatever is done to it

    def coarse(path: str) -> tuple[int, int, int, int] | None:
        st = os.stat(path)
        return (st.st_size, tick, tick, st.st_ino)

    monkeypatch.setattr(stamp, "file_seen", coarse)
    _quick_build(kb, out, capsys)
    path = kb / "c.md"
    path.write_text(path.read_text().replace("Fix Gamma.", "Fix Gemma."))
    assert "nothing changed" not in _quick_build(kb, out, capsys)
    assert "Fix Gemma." in page(out, "docs/c.html").text


def test_a_state_of_an_older_format_is_replaced_not_mixed(kb: Path, tmp_path: Path) -> None:
    import sqlite3

    from sitegen.folders import state_folder_for

    out = tmp_path / "out"
    build(make_config(kb, out))
    db_path = state_folder_for(out, None) / "state.sqlite"
    assert db_path.is_file()
    db_path.unlink()
    old = sqlite3.connect(db_path)  # format 3: one JSON column per document
    old.executescript("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
                      "CREATE TABLE docs (rel BLOB PRIMARY KEY, data TEXT NOT NULL);"
                      "INSERT INTO meta VALUES ('format', '3');")
    old.commit()
    old.close()
    (kb / "c.md").write_text((kb / "c.md").read_text().replace("Fix Gamma.", "Flush the Gamma cache."))
    build(make_config(kb, out))
    again = build(make_config(kb, out))
    assert again.site.counts == {"reread": 0, "rerendered": 0}  # the new state was saved and is used
    assert_same_as_clean(kb, out, tmp_path)


def test_related_lists_are_reused_after_a_body_edit_and_made_again_after_a_tag_change(
        kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import related

    out = tmp_path / "out"
    build(make_config(kb, out))
    made: list[str] = []
    real = related.related_entries
    monkeypatch.setattr(related, "related_entries", lambda entry, *rest: made.append(entry.url) or real(entry, *rest))
    (kb / "b.md").write_text((kb / "b.md").read_text() + "\nChecked again.\n")
    build(make_config(kb, out))
    assert made == []  # nothing related_entries reads changed
    assert_same_as_clean(kb, out, tmp_path)
    made.clear()
    # Gamma now shares a tag with Alpha and Beta: every list is worked out again, and shows it.
    (kb / "c.md").write_text((kb / "c.md").read_text().replace("tags: [redis]", "tags: [redis, postgres]"))
    build(make_config(kb, out))
    assert len(made) == 4
    assert "Gamma" in page(out, "docs/b.html").link_texts()
    assert_same_as_clean(kb, out, tmp_path)


def test_a_state_kept_in_memory_is_used_only_while_the_file_still_holds_it(
        kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sitegen serve` hands each build the state its last build saved, instead of loading it."""
    from sitegen import cache

    out = tmp_path / "out"
    first = build(make_config(kb, out))
    assert first.kept is not None
    decoded: list[int] = []
    real = cache._deferring
    monkeypatch.setattr(cache, "_deferring", lambda *args: decoded.append(1) or real(*args))
    (kb / "b.md").write_text((kb / "b.md").read_text() + "\nChecked again.\n")
    second = build(make_config(kb, out), kept=first.kept)
    assert decoded == [] and second.site.counts["reread"] == 1
    assert_same_as_clean(kb, out, tmp_path)
    # Another build (a `sitegen build` beside the preview) changes the file: the kept state is stale.
    title = (kb / "c.md").read_text()
    (kb / "c.md").write_text(title.replace("title: Gamma", "title: Gamma two"))
    build(make_config(kb, out))
    (kb / "c.md").write_text(title)
    decoded.clear()
    build(make_config(kb, out), kept=second.kept)
    assert decoded  # loaded from the file, not taken from memory
    assert "Gamma two" not in page(out, "component/cache.html").text
    assert_same_as_clean(kb, out, tmp_path)


def test_page_contexts_and_fingerprints_are_made_with_the_collector_paused(kb: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """At 10,000 documents the collector walked every page's context again and again while they
    were made: a fifth of the time of that stage."""
    import gc

    from sitegen import pages
    from sitegen.fingerprint import Fingerprinter

    enabled: list[bool] = []
    real_specs, real_page = pages._page_specs, Fingerprinter.page
    monkeypatch.setattr(pages, "_page_specs", lambda *a: enabled.append(gc.isenabled()) or real_specs(*a))
    monkeypatch.setattr(Fingerprinter, "page", lambda self, *a: enabled.append(gc.isenabled()) or real_page(self, *a))
    build(make_config(kb, tmp_path / "out"))
    assert enabled and not any(enabled)
    assert gc.isenabled()  # and on again once the build is over
