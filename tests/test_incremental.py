"""Repeated builds redo only what changed, and always equal a clean build byte for byte."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bench.generate import write_docs as write_generated
from sitegen.build import BuildResult, build
from sitegen.folders import state_folder_for
from sitegen.parallel import run_chunks, split
from tests.helpers import front_matter, ROOT, make_config, page, site_files, write_docs


def doc(title: str, component: str = "database", tags: str = "[postgres]", body: str = "") -> str:
    return front_matter(title, component, tags) + textwrap.dedent(f"""\
        ## Solution
        Fix {title}. {body}
        """)


def kb_docs() -> dict[str, str]:
    """Three documents: a link between two, and one with its own component and tag."""
    return {
        "a.md": doc("Alpha", body="See [beta](b.md)."),
        "b.md": doc("Beta"),
        "c.md": doc("Gamma", component="cache", tags="[redis]"),
    }


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "kb", kb_docs())


def rebuild(kb: Path, out: Path, **settings: object) -> BuildResult:
    return build(make_config(kb, out, **settings))


def assert_same_as_clean(kb: Path, out: Path, tmp_path: Path, **settings: object) -> None:
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    build(make_config(kb, clean, **settings))
    assert site_files(out) == site_files(clean)


def test_nothing_changed_redoes_nothing(kb: Path, tmp_path: Path) -> None:
    rebuild(kb, tmp_path / "out")
    again = rebuild(kb, tmp_path / "out")
    assert again.site.counts == {"reread": 0, "rerendered": 0}
    assert again.rebuilt.startswith("0 read, 0 rendered, 0 of ")
    assert again.written == 0


def test_output_files_a_person_edited_or_removed_are_made_again(kb: Path, tmp_path: Path) -> None:
    # Their inputs did not change, so the build would keep them; what the last build's stamp
    # recorded of each file says they are not as it left them.
    out = tmp_path / "out"
    rebuild(kb, out)
    pages = sorted(rel for rel in site_files(out) if rel.endswith(".html"))
    document = next(rel for rel in pages if rel.startswith("docs/"))
    listing = next(rel for rel in pages if rel.startswith("component/"))
    for rel in (document, listing, "search-index.js"):
        with open(out / rel, "a", encoding="utf-8") as file:
            file.write("<!-- edited by hand -->")
    (out / "index.html").unlink()
    again = rebuild(kb, out)
    assert again.written == 4
    assert_same_as_clean(kb, out, tmp_path)


def test_an_edit_digests_only_the_edited_document_and_pages_match_a_clean_build(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = rebuild(kb, out)
    assert first.rebuilt.endswith(", 3 documents digested")
    (kb / "c.md").write_text((kb / "c.md").read_text().replace("Fix Gamma.", "Flush the Gamma cache."))
    second = rebuild(kb, out)
    assert second.rebuilt.endswith(", 1 document digested"), second.rebuilt
    # A front-matter edit that changes what other pages show (b's title, listed beside a's)
    (kb / "b.md").write_text((kb / "b.md").read_text().replace("title: Beta", "title: Beta renamed"))
    third = rebuild(kb, out)
    assert third.rebuilt.endswith(", 1 document digested"), third.rebuilt
    assert "database/index.html" in third.rendered_pages or any("database" in p for p in third.rendered_pages)
    assert_same_as_clean(kb, out, tmp_path)


def test_editing_a_body_rerenders_only_that_document(kb: Path, tmp_path: Path) -> None:
    # Unrelated documents: no shared component, type, tag, severity or root cause with c.md.
    for n in range(8):
        write_docs(kb, {f"other{n}.md": doc(f"Other {n}", component=f"area{n}", tags=f"[t{n}]").replace(
            "database_issue", f"kind{n}").replace("severity: high", "severity: low")})
    out = tmp_path / "out"
    first = rebuild(kb, out)
    (kb / "c.md").write_text((kb / "c.md").read_text().replace("Fix Gamma.", "Flush the Gamma cache."))
    second = rebuild(kb, out)
    assert second.site.counts == {"reread": 1, "rerendered": 1}
    pages_rendered = int(second.rebuilt.split(", ")[2].split(" of ")[0])
    assert 1 <= pages_rendered < first.pages // 3
    assert "docs/c.html" in second.rendered_pages
    assert not any(name.startswith("docs/other") for name in second.rendered_pages)
    assert "component/area1.html" not in second.rendered_pages
    assert "Flush the Gamma cache." in page(out, "docs/c.html").text
    assert "Flush the Gamma cache." in page(out, "errors.html").text
    assert_same_as_clean(kb, out, tmp_path)


def test_changing_metadata_moves_the_document_between_group_pages(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    write_docs(kb, {"c.md": doc("Gamma", component="database", tags="[redis]")})
    rebuild(kb, out)
    assert not (out / "component/cache.html").exists()
    assert "Gamma" in page(out, "component/database.html").link_texts()
    assert_same_as_clean(kb, out, tmp_path)


def test_deleting_a_document_removes_it_everywhere(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    (kb / "b.md").unlink()
    result = rebuild(kb, out)
    assert not (out / "docs/b.html").exists()
    for rel in ("index.html", "errors.html", "component/database.html", "tags/postgres.html"):
        assert "Beta" not in page(out, rel).link_texts(), rel
    # a.md links to b.md: its page was re-rendered and the broken link is reported
    assert result.site.counts["rerendered"] == 1
    assert [p.path for p in result.site.problems if p.kind == "link"] == ["a.md"]
    assert_same_as_clean(kb, out, tmp_path)


def test_renaming_a_document_moves_its_page(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    (kb / "c.md").rename(kb / "gamma.md")
    rebuild(kb, out)
    assert not (out / "docs/c.html").exists() and (out / "docs/gamma.html").is_file()
    assert_same_as_clean(kb, out, tmp_path)


def test_adding_a_link_target_rerenders_the_document_that_links_to_it(tmp_path: Path) -> None:
    kb = write_docs(tmp_path / "kb", {"a.md": doc("Alpha", body="See [later](later.md).")})
    out = tmp_path / "out"
    first = rebuild(kb, out)
    assert [p.kind for p in first.site.problems if p.kind == "link"] == ["link"]
    write_docs(kb, {"later.md": doc("Later")})
    second = rebuild(kb, out)
    assert second.site.counts == {"reread": 1, "rerendered": 2}
    assert [p for p in second.site.problems if p.kind == "link"] == []
    assert "later.html" in [href for href, _ in page(out, "docs/a.html").links]
    assert_same_as_clean(kb, out, tmp_path)


def test_template_change_rerenders_every_page_using_it(kb: Path, tmp_path: Path) -> None:
    theme = tmp_path / "theme" / "templates"
    theme.mkdir(parents=True)
    shutil.copy(ROOT / "themes/default/templates/term.html", theme / "term.html")
    out = tmp_path / "out"
    rebuild(kb, out, theme_dir=tmp_path / "theme")
    (theme / "term.html").write_text((theme / "term.html").read_text().replace("{% block content %}", "{% block content %}<p>Custom term page</p>"))
    result = rebuild(kb, out, theme_dir=tmp_path / "theme")
    assert result.site.counts["rerendered"] == 0  # Markdown does not depend on templates
    assert "Custom term page" in page(out, "component/database.html").text
    assert_same_as_clean(kb, out, tmp_path, theme_dir=tmp_path / "theme")


def test_config_change_invalidates_the_cache(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    result = rebuild(kb, out, raw_html="escape")
    assert result.site.counts["rerendered"] == 3


def test_a_page_deleted_from_the_output_is_written_again(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    (out / "docs/b.html").unlink()
    rebuild(kb, out)
    assert (out / "docs/b.html").is_file()


def test_parallel_and_serial_builds_are_identical(tmp_path: Path) -> None:
    """Enough documents to pass every stage's threshold for worker processes (read, render, search
    analysis, pages). The command line runs in a fresh process, where workers are forked; the third
    build runs here with another thread alive, as under `serve`, where workers come from a
    forkserver and pages render in this process."""
    kb = tmp_path / "kb"
    write_generated(kb, 260)
    for name, jobs in (("serial", "1"), ("parallel", "2")):
        subprocess.run([sys.executable, "-m", "sitegen", "build", str(kb), "-o", str(tmp_path / name), "-j", jobs, "-q"],
                       cwd=tmp_path, check=True, capture_output=True)  # no sitegen.yml there: defaults, as make_config
    assert len(site_files(tmp_path / "serial")) > 300
    assert site_files(tmp_path / "serial") == site_files(tmp_path / "parallel")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        threaded = build(make_config(kb, tmp_path / "threaded", jobs=2))
    finally:
        stop.set()
    assert threaded.site.counts["rerendered"] == 260
    assert site_files(tmp_path / "serial") == site_files(tmp_path / "threaded")


def _pid_and_sum(offset: int, chunk: list[int]) -> tuple[int, int]:
    return os.getpid(), sum(chunk) + offset


FORKED_RUN = """
import json, os
from sitegen.parallel import run_chunks, split
from tests.test_incremental import _pid_and_sum
results = run_chunks(_pid_and_sum, 5, split(list(range(100)), 2), 2, picklable=False)
print(json.dumps({"parent": os.getpid(), "results": results}))
"""


def test_run_chunks_uses_workers_and_keeps_order() -> None:
    chunks = split(list(range(100)), 2)
    expected = [sum(c) + 5 for c in chunks]
    # Forked workers, in a fresh process: this one may run other tests' server threads.
    run = subprocess.run([sys.executable, "-c", FORKED_RUN], cwd=ROOT, check=True, capture_output=True, text=True)
    forked = json.loads(run.stdout)
    assert [total for _, total in forked["results"]] == expected
    assert forked["parent"] not in {pid for pid, _ in forked["results"]}
    serial = run_chunks(_pid_and_sum, 5, chunks, 1)
    assert {pid for pid, _ in serial} == {os.getpid()} and [t for _, t in serial] == expected
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        pickled = run_chunks(_pid_and_sum, 5, chunks, 2)  # a thread is alive: a forkserver's workers
        unpicklable = run_chunks(_pid_and_sum, 5, chunks, 2, picklable=False)  # ... or none at all
    finally:
        stop.set()
    assert [t for _, t in pickled] == expected and os.getpid() not in {pid for pid, _ in pickled}
    assert {pid for pid, _ in unpicklable} == {os.getpid()}


def cli_build(kb: Path, out: Path, *extra: str) -> str:
    run = subprocess.run([sys.executable, "-m", "sitegen", "build", str(kb), "-o", str(out), *extra],
                         cwd=kb.parent, capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr
    return run.stderr


def test_a_build_with_nothing_changed_stops_at_once_and_reports_the_same_problems(kb: Path, tmp_path: Path) -> None:
    write_docs(kb, {"broken.md": "---\ntitle: [unclosed\n---\n# Broken\n\nSee [gone](gone.md).\n"})
    out = tmp_path / "out"
    first = cli_build(kb, out)
    assert "nothing changed" not in first
    again = cli_build(kb, out)
    assert "nothing changed since the last build" in again
    problem_lines = lambda text: [line for line in text.splitlines() if "broken.md" in line]  # noqa: E731
    assert problem_lines(again) == problem_lines(first) != []
    assert "(0 written" in again
    assert "nothing changed" not in cli_build(kb, out, "--force")


@pytest.mark.parametrize("change", ["edit_keeping_size_and_time", "add", "delete_output", "theme", "setting"])
def test_any_change_is_seen_by_the_quick_check(kb: Path, tmp_path: Path, change: str) -> None:
    out = tmp_path / "out"
    theme = tmp_path / "theme"
    (theme / "assets").mkdir(parents=True)
    (theme / "assets" / "extra.css").write_text("a { color: red }")
    args = ["--theme-dir", str(theme)]
    cli_build(kb, out, *args)
    if change == "edit_keeping_size_and_time":
        # As `cp -p` or `rsync -t` can leave it: only the content tells.
        path = kb / "c.md"
        before = path.stat()
        path.write_text(path.read_text().replace("Fix Gamma.", "Fix Gemma."))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    elif change == "add":
        write_docs(kb, {"d.md": doc("Delta")})
    elif change == "delete_output":
        (out / "docs/c.html").unlink()
    elif change == "theme":
        (theme / "assets" / "extra.css").write_text("a { color: blue }")
    elif change == "setting":
        args += ["--title", "Another"]
    assert "nothing changed" not in cli_build(kb, out, *args)
    assert "nothing changed" in cli_build(kb, out, *args)
    assert_same_as_clean(kb, out, tmp_path, theme_dir=theme, **({"title": "Another"} if change == "setting" else {}))


def test_another_number_of_workers_rerenders_nothing(kb: Path, tmp_path: Path) -> None:
    rebuild(kb, tmp_path / "out", jobs=1)
    again = rebuild(kb, tmp_path / "out", jobs=2)
    assert again.rebuilt.startswith("0 read, 0 rendered, 0 of "), again.rebuilt


@pytest.mark.parametrize("damage", [b"", b"not json", b"\x80\x05garbage", b'{"c": "Stamp", "v": [1]}'])
def test_a_damaged_stamp_means_a_full_check_not_a_failure(kb: Path, tmp_path: Path, damage: bytes) -> None:
    out = tmp_path / "out"
    cli_build(kb, out)
    (state_folder_for(out, None) / "stamp.json").write_bytes(damage)
    text = cli_build(kb, out)
    assert "nothing changed" not in text and "built " in text
    assert "nothing changed" in cli_build(kb, out)  # and the next build has a good stamp again
