"""The writer: a whole new site or the old one, never a mix; never a user's file lost; one build at a time."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest

from sitegen import folders, write
from sitegen.cli import main
from sitegen.write import STAGING_MARK, OutputError, OutputLock, default_record, write_output
from tests.helpers import write_docs

SITE = {"index.html": b"<h1>home</h1>", "docs/a.html": b"a", "docs/b.html": b"b", "assets/x.css": b"css"}


FULL_DOC = """\
    ---
    component: database
    problem_type: database_issue
    root_cause: connection_pool
    tags: [postgres]
    symptoms: ["QueuePool limit reached"]
    ---
    # A

    ## Why the pool ran dry
    Sessions were never closed.

    ## Solution
    Raise the pool size.
    """


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def recorded(out: Path) -> list[str]:
    """The files sitegen's record (outside the output) says it wrote."""
    return json.loads(default_record(out).read_text())["files"]


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def test_first_build_writes_every_file_and_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "site"
    report = write_output(out, SITE)
    assert (report.written, report.unchanged, report.removed) == (4, 0, 0)
    assert tree(out) == SITE  # the site and nothing else: no manifest, no cache
    assert recorded(out) == sorted(SITE) and out not in default_record(out).parents
    assert leftovers(out) == []  # no staging folder, no lock file left beside the output


def test_rebuild_links_unchanged_files_rewrites_changed_and_removes_stale(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    inode = (out / "docs/a.html").stat().st_ino
    report = write_output(out, {**{k: v for k, v in SITE.items() if k != "docs/b.html"}, "index.html": b"new"})
    assert (report.written, report.unchanged, report.removed) == (1, 2, 1)
    assert (out / "docs/a.html").stat().st_ino == inode  # hard-linked, not rewritten
    assert (out / "index.html").read_bytes() == b"new"
    assert not (out / "docs/b.html").exists()


def test_files_sitegen_did_not_write_are_carried_over(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    (out / "CNAME").write_text("kb.example.com")
    (out / "docs/notes.txt").write_text("mine")
    (out / "empty").mkdir()
    (out / "link").symlink_to("docs/notes.txt")
    (out / "docs/old.html").write_text("looks like sitegen's, is not in the manifest")
    report = write_output(out, {"index.html": b"only"})
    assert report.removed == 3
    assert (out / "CNAME").read_text() == "kb.example.com"
    assert (out / "docs/notes.txt").read_text() == "mine"
    assert (out / "docs/old.html").is_file() and (out / "empty").is_dir()
    assert os.readlink(out / "link") == "docs/notes.txt"
    assert not (out / "docs/a.html").exists()


def test_a_user_file_where_the_site_needs_a_page_stops_the_build_untouched(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    (out / "about.html").write_text("hand-written")
    before = tree(out)
    with pytest.raises(OutputError, match=r"about.html was not written by sitegen.*move the file"):
        write_output(out, {**SITE, "about.html": b"generated"})
    assert tree(out) == before and leftovers(out) == []


def test_reuse_carries_previous_files(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    report = write_output(out, {"index.html": b"<h1>home</h1>"}, reuse=["docs/a.html", "assets/x.css"])
    assert (report.written, report.unchanged, report.removed, report.reused) == (0, 1, 1, 2)
    assert tree(out)["docs/a.html"] == b"a" and tree(out)["assets/x.css"] == b"css"
    assert not (out / "docs/b.html").exists()
    assert recorded(out) == ["assets/x.css", "docs/a.html", "index.html"]


def test_reusing_a_missing_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    (out / "docs/a.html").unlink()
    with pytest.raises(OutputError, match="docs/a.html should be reused .* missing"):
        write_output(out, {"index.html": b"x"}, reuse=["docs/a.html"])
    assert (out / "docs/b.html").is_file() and leftovers(out) == []


@pytest.mark.parametrize("rel", ["../escape.html", "/etc/x", "a/../../b", "a\\b", "", "a//b", "./a", "nul\x00.html"])
def test_paths_leaving_the_output_are_refused_before_anything_is_written(tmp_path: Path, rel: str) -> None:
    out = tmp_path / "site"
    with pytest.raises(OutputError, match="outside the output folder"):
        write_output(out, {"index.html": b"x", rel: b"evil"})
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_second_lock_is_refused_while_one_is_held(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    with OutputLock(out.resolve()):
        with pytest.raises(OutputError, match=rf"another sitegen build or server is using .*site/ \(pid {os.getpid()}: .*\); wait for it"):
            with OutputLock(out.resolve()):
                pass
    with OutputLock(out.resolve()):  # released: the next build goes ahead
        pass


def test_the_cli_exits_2_with_the_message_when_locked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    content = write_docs(tmp_path / "docs", {"a.md": FULL_DOC, "b.md": FULL_DOC.replace("# A", "# B")})
    out = tmp_path / "site"
    lock = tmp_path / ".site.sitegen-lock"
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write("pid 4242: sitegen serve\n")
        handle.flush()
        assert main(["build", str(content), "-o", str(out), "-q"]) == 2
    assert f"another sitegen build or server is using {out}/ (pid 4242: sitegen serve)" in capsys.readouterr().err
    assert main(["build", str(content), "-o", str(out), "-q"]) == 0


def test_leftovers_of_a_killed_build_are_removed_only_if_sitegen_made_them(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    ours = tmp_path / ".site.sitegen-staging-abc"
    (ours / "new/docs").mkdir(parents=True)
    (ours / "new/docs/a.html").write_text("half")
    (ours / STAGING_MARK).write_text(json.dumps({"output": str(out.resolve())}))
    empty = tmp_path / ".site.sitegen-staging-empty"
    empty.mkdir()
    foreign = tmp_path / ".site.sitegen-staging-user"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("not sitegen's")
    write_output(out, SITE)
    assert not ours.exists() and not empty.exists()
    assert (foreign / "keep.txt").read_text() == "not sitegen's"


def test_a_build_killed_between_the_two_fallback_renames_is_repaired(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    box = tmp_path / ".site.sitegen-staging-xyz"
    box.mkdir()
    (box / STAGING_MARK).write_text(json.dumps({"output": str(out.resolve())}))
    (out / "CNAME").write_text("kb.example.com")
    os.rename(out, box / "old")  # the state a kill after the first rename leaves
    report = write_output(out, {**SITE, "index.html": b"next"})
    assert report.unchanged == 3 and (out / "CNAME").read_text() == "kb.example.com"
    assert leftovers(out) == []


def test_without_renameat2_two_renames_do_the_swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folders, "exchange", lambda a, b: False)
    out = tmp_path / "site"
    write_output(out, SITE)
    (out / "CNAME").write_text("x")
    write_output(out, {"index.html": b"y"})
    assert tree(out).keys() == {"index.html", "CNAME"} and leftovers(out) == []


def test_when_the_output_cannot_be_swapped_files_are_written_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "_can_stage", lambda out: False)  # a mount point, or a read-only parent
    out = tmp_path / "site"
    write_output(out, SITE)
    (out / "CNAME").write_text("x")
    report = write_output(out, {"index.html": b"y", "docs/a.html": b"a"})
    assert (report.written, report.unchanged, report.removed) == (1, 1, 2)
    assert tree(out).keys() == {"index.html", "docs/a.html", "CNAME"}


def test_a_symlinked_output_folder_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "www"
    link = tmp_path / "site"
    link.symlink_to(real, target_is_directory=True)
    write_output(link, SITE)
    write_output(link, {"index.html": b"v2"})
    assert link.is_symlink() and (real / "index.html").read_bytes() == b"v2"


def test_the_output_folder_keeps_its_permissions(tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    out.chmod(0o750)
    write_output(out, {"index.html": b"v2"})
    assert out.stat().st_mode & 0o777 == 0o750


def test_a_file_added_by_the_user_during_the_build_is_not_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    write_output(out, SITE)
    swap = write.swap

    def late_user(new: Path, target: Path) -> Path:
        (target / "late.txt").write_text("added while building")
        return swap(new, target)

    monkeypatch.setattr(write, "swap", late_user)
    write_output(out, {"index.html": b"v2"})
    assert (out / "late.txt").read_text() == "added while building"
    assert leftovers(out) == []


def test_an_in_place_write_cut_short_leaves_no_temporary_file_after_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(write, "_can_stage", lambda out: False)
    out = tmp_path / "site"
    write_output(out, SITE)
    # What a build killed inside atomic_write leaves: an unfinished record and a temporary file.
    record = json.loads(default_record(out).read_text())
    default_record(out).write_text(json.dumps({**record, "complete": False}))
    write.temp_name(out / "docs/a.html").write_bytes(b"half a page")
    write_output(out, {**SITE, "index.html": b"v2"})
    assert tree(out) == {**SITE, "index.html": b"v2"}
