"""An edit's fast path (sitegen/fastedit.py): taken only when no other page shows what changed, and
then the very bytes, problems and next builds of a clean build."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from sitegen.build import BuildResult, build
from tests.helpers import front_matter, make_config, site_files, write_docs

FAST = "fast path"


def doc(title: str, body: str = "", component: str = "database", tags: str = "[postgres]") -> str:
    return front_matter(title, component, tags) + textwrap.dedent(f"""\
        ## Context
        {title} runs nightly.

        ## Details
        Nothing unusual about {title}.
        {body}
        ## Solution
        Fix {title}.
        """)


def guide() -> str:
    return """\
        ---
        title: Cache guide
        date: 2025-04-01
        component: cache
        problem_type: performance_issue
        ---
        ## Problems

        ### Evictions spike
        **Symptoms:** `evicted keys` climbs
        **Solution:** Raise maxmemory.

        ## Notes
        Some notes.
        """


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_docs(tmp_path / "kb", {
        "a.md": doc("Alpha", "See [beta's details](b.md#details) and [gamma](c.md).\n"),
        "b.md": doc("Beta"),
        "c.md": doc("Gamma", component="cache", tags="[redis]"),
        "guides/cache.md": guide(),
    })


def rebuild(kb: Path, out: Path) -> BuildResult:
    return build(make_config(kb, out))


def clean_build(kb: Path, tmp_path: Path) -> tuple[dict[str, bytes], BuildResult]:
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    result = build(make_config(kb, clean))
    return site_files(clean), result


def assert_as_clean(kb: Path, out: Path, tmp_path: Path, result: BuildResult) -> None:
    files, clean = clean_build(kb, tmp_path)
    assert site_files(out) == files
    assert result.site.problems == clean.site.problems


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_body_edit_takes_the_fast_path_and_equals_a_clean_build(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    # The first words of the body (the search result's snippet) and a word only this edit indexes.
    edit(kb / "b.md", "Beta runs nightly.", "Beta runs hourly, zanzibar included.")
    result = rebuild(kb, out)
    assert FAST in result.rebuilt, result.rebuilt
    assert result.written >= 3  # the page, its store chunk, shards and the manifest
    assert_as_clean(kb, out, tmp_path, result)
    # The state it left: a second fast edit, then an edit that needs the full path, stay exact.
    edit(kb / "a.md", "Nothing unusual about Alpha.", "Nothing unusual about Alpha, save [a broken link](b.md#nowhere).")
    second = rebuild(kb, out)
    assert FAST in second.rebuilt
    assert any("nowhere" in p.message for p in second.site.problems)
    assert_as_clean(kb, out, tmp_path, second)
    edit(kb / "b.md", "title: Beta", "title: Beta renamed")
    third = rebuild(kb, out)
    assert FAST not in third.rebuilt
    assert_as_clean(kb, out, tmp_path, third)
    # Alpha's page shows Beta's new title (its pager, its related box): the context the full path
    # kept for it must be the new one, or this fast edit of Alpha would show the old title.
    edit(kb / "a.md", "Alpha runs nightly.", "Alpha runs nightly, now.")
    fourth = rebuild(kb, out)
    assert FAST in fourth.rebuilt
    assert_as_clean(kb, out, tmp_path, fourth)


def test_a_guide_body_edit_takes_the_fast_path(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    edit(kb / "guides/cache.md", "Some notes.", "Some notes on quokka eviction.")
    result = rebuild(kb, out)
    assert FAST in result.rebuilt
    assert_as_clean(kb, out, tmp_path, result)


def test_the_cli_edit_then_no_change_says_nothing_changed(kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen.cli import main

    monkeypatch.chdir(tmp_path)  # no sitegen.yml here: the settings clean_build uses
    out = tmp_path / "out"
    main(["build", str(kb), "-o", str(out)])
    edit(kb / "c.md", "Gamma runs nightly.", "Gamma runs weekly.")
    capsys.readouterr()
    main(["build", str(kb), "-o", str(out)])
    assert "written" in capsys.readouterr().err
    main(["build", str(kb), "-o", str(out)])
    assert "nothing changed" in capsys.readouterr().err  # the fast path's stamp vouches for its output
    files, _ = clean_build(kb, tmp_path)
    assert site_files(out) == files


def test_warm_edits_as_serve_builds_them(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    config = make_config(kb, out)
    kept = build(config).kept
    for n in range(3):
        edit(kb / "c.md", "Nothing unusual about Gamma" + "!" * n, "Nothing unusual about Gamma" + "!" * (n + 1))
        result = build(config, kept=kept)
        kept = result.kept
        assert FAST in result.rebuilt
    edit(kb / "c.md", "tags: [redis]", "tags: [redis, memcached]")
    result = build(config, kept=kept)
    assert FAST not in result.rebuilt
    assert_as_clean(kb, out, tmp_path, result)


NOT_FAST = {
    "title": ("b.md", "title: Beta", "title: Beta again"),
    "metadata": ("b.md", "severity: high", "severity: low"),
    "solution line": ("b.md", "Fix Beta.", "Fix Beta at once."),
    "anchor added": ("c.md", "## Details", "## Details\n\n### More details"),
    "link target's anchor removed": ("b.md", "## Details", "## Particulars"),
    "symptom": ("c.md", "['Gamma failed']", "['Gamma failed again']"),
}


@pytest.mark.parametrize("change", sorted(NOT_FAST))
def test_an_edit_other_pages_show_takes_the_full_path(kb: Path, tmp_path: Path, change: str) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    rel, old, new = NOT_FAST[change]
    edit(kb / rel, old, new)
    result = rebuild(kb, out)
    assert FAST not in result.rebuilt
    assert_as_clean(kb, out, tmp_path, result)
    if change == "link target's anchor removed":
        assert any(p.path == "a.md" and "details" in p.message for p in result.site.problems)


def test_the_solution_heading_the_error_table_links_to_takes_the_full_path(kb: Path, tmp_path: Path) -> None:
    """A row with no brief fix links to the page's first Solution heading: the same headings in
    another order change that link, not the set of anchors."""
    first, second = "## Solution: restart\n", "## Solution: resize\n"  # no text: no brief fix
    write_docs(kb, {"e.md": f"---\ntitle: Epsilon\nsymptoms: ['Epsilon broke']\n---\n{first}\n{second}\n## Notes\nNone.\n"})
    out = tmp_path / "out"
    rebuild(kb, out)
    assert "docs/e.html#solution-restart" in (out / "errors.html").read_text()
    edit(kb / "e.md", f"{first}\n{second}", f"{second}\n{first}")
    result = rebuild(kb, out)
    assert FAST not in result.rebuilt
    assert_as_clean(kb, out, tmp_path, result)


@pytest.mark.parametrize("change", ["added", "removed"])
def test_a_document_added_or_removed_takes_the_full_path(kb: Path, tmp_path: Path, change: str) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    # With a body edit beside it, which alone would take the fast path.
    edit(kb / "b.md", "Beta runs nightly.", "Beta runs hourly.")
    if change == "added":
        write_docs(kb, {"d.md": doc("Delta")})
    else:
        (kb / "c.md").unlink()
    result = rebuild(kb, out)
    assert FAST not in result.rebuilt
    assert_as_clean(kb, out, tmp_path, result)


def test_a_removed_output_takes_the_full_path(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    (out / "index.html").unlink()  # not this edit's page: only the full path would make it again
    edit(kb / "b.md", "Beta runs nightly.", "Beta runs hourly.")
    result = rebuild(kb, out)
    assert FAST not in result.rebuilt
    assert_as_clean(kb, out, tmp_path, result)


@pytest.mark.parametrize("table", ["contexts", "docs"])
def test_a_damaged_state_row_takes_the_full_path(kb: Path, tmp_path: Path, table: str) -> None:
    """The edited document's row in the state, garbled (a disk error, a hand edit): the fast path
    gives up before writing anything, and the full path rebuilds what it must."""
    import sqlite3

    from sitegen.cache import STATE_DB
    from sitegen.folders import state_folder_for

    out = tmp_path / "out"
    rebuild(kb, out)
    db = sqlite3.connect(state_folder_for(out, None) / STATE_DB)
    with db:
        changed = db.execute(f"UPDATE {table} SET data = '[1, {{not json' WHERE CAST(rel AS TEXT) LIKE '%b.md'").rowcount
    db.close()
    assert changed == 1
    edit(kb / "b.md", "Beta runs nightly.", "Beta runs hourly.")
    result = rebuild(kb, out)
    assert FAST not in result.rebuilt
    assert_as_clean(kb, out, tmp_path, result)


def test_files_written_just_before_a_build_are_read_once_by_the_no_change_check_not_every_time(
        kb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents written moments before a clean build are "racily clean" for its stamp: the next
    check must read them. It then records them as seen, or every later check reads them all again
    (the bench's 10k no-change figure, 0.56 s CPU against 0.3, right after generating the set)."""
    import time

    from sitegen import stamp
    from sitegen.cli import main

    monkeypatch.chdir(tmp_path)
    later = [0]
    real = time.time_ns
    monkeypatch.setattr(stamp.time, "time_ns", lambda: real() + later[0])
    read: list[str] = []
    hashed = stamp.file_hash
    monkeypatch.setattr(stamp, "file_hash", lambda path, limit: read.append(str(path)) or hashed(path, limit))
    out = tmp_path / "out"
    main(["build", str(kb), "-o", str(out)])  # the documents were written well within 3 s of this
    later[0] = 10 * stamp.RACY_NS  # the next checks come long after
    for expected in (4, 0, 0):
        read.clear()
        capsys.readouterr()
        main(["build", str(kb), "-o", str(out)])
        assert "nothing changed" in capsys.readouterr().err
        assert len([p for p in read if p.endswith(".md")]) == expected
    # An edit after that is still seen.
    edit(kb / "b.md", "Beta runs nightly.", "Beta runs at noon.")
    main(["build", str(kb), "-o", str(out)])
    assert "nothing changed" not in capsys.readouterr().err
    assert "at noon" in (out / "docs/b.html").read_text()


def test_two_body_edits_at_once_take_the_fast_path(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rebuild(kb, out)
    edit(kb / "a.md", "Alpha runs nightly.", "Alpha runs nightly, now.")
    edit(kb / "c.md", "Nothing unusual about Gamma.", "Nothing unusual about Gamma, nor about [Alpha](a.md).")
    result = rebuild(kb, out)
    assert FAST in result.rebuilt and result.rebuilt.startswith("2 read")
    assert_as_clean(kb, out, tmp_path, result)


def test_a_fast_edit_that_fails_before_its_state_is_saved_is_followed_by_a_full_build(
        kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import fastedit

    out = tmp_path / "out"
    rebuild(kb, out)
    edit(kb / "b.md", "Beta runs nightly.", "Beta runs hourly.")

    def killed(*args: object) -> None:
        raise KeyboardInterrupt  # after the files are written, before the rows are saved

    monkeypatch.setattr(fastedit, "_save_rows", killed)
    with pytest.raises(KeyboardInterrupt):
        rebuild(kb, out)
    monkeypatch.undo()
    # Back to the text the saved state knows: only a state that vouches for nothing stops the
    # killed build's page of b from being kept as if it were this text's.
    edit(kb / "b.md", "Beta runs hourly.", "Beta runs nightly.")
    result = rebuild(kb, out)
    assert FAST not in result.rebuilt  # the state vouches for nothing the killed build wrote
    assert_as_clean(kb, out, tmp_path, result)
