"""A build killed, or failing for a full disk, while it writes: the site is the old one or the new one,
and in place (an output that is a mount point) the next build writes exactly a clean build's bytes.

The output is mounted as a tmpfs by the test (CI runs as root): a mount point cannot be swapped,
so sitegen writes it file by file, the case where a kill leaves a mix (issue 16, item 1).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from sitegen import write
from sitegen.build import BuildResult, build
from sitegen.config import load_config
from sitegen.folders import state_folder_for
from sitegen.write import RECORD
from tests.helpers import ROOT, site_files

DOCS = 30
MIN_LANDED = 3  # kills that must land while the output is being written
MAX_TRIES = 24


def make_doc(i: int, version: int, rng: random.Random) -> str:
    words = " ".join(rng.choice(["pool", "cache", "timeout", "deploy", "retry", "index"]) for _ in range(80))
    return (f"---\ntitle: Problem {i} (v{version})\ndate: 2025-02-{i % 28 + 1:02d}\ncomponent: [database, c{i % 9}]\n"
            f"problem_type: [runtime_error]\nroot_cause: [race_condition]\ntags: [t{i % 13}, t{i % 7}]\nseverity: high\n"
            f"symptoms:\n  - 'Error {i}: step {version} failed'\n---\n# Problem {i}\n\n## Solution\nFix {i}. {words}\n")


@contextlib.contextmanager
def tmpfs(at: Path, size: str) -> Iterator[Path]:
    at.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=755", "tmpfs", str(at)], check=True)
    try:
        yield at
    finally:
        if subprocess.run(["umount", str(at)]).returncode != 0:
            subprocess.run(["umount", "-l", str(at)], check=True)


class Kb:
    """A knowledge base, its config, and builds of it into `out`."""

    def __init__(self, tmp_path: Path, out: Path) -> None:
        self.tmp = tmp_path
        self.rng = random.Random(20250408)
        self.content = tmp_path / "kb"
        self.content.mkdir()
        for i in range(DOCS):
            (self.content / f"doc-{i:03d}.md").write_text(make_doc(i, 0, self.rng), encoding="utf-8")
        self.out = out
        # A private copy of the theme: every build of this test renders with the same templates.
        theme = shutil.copytree(ROOT / "themes" / "default", tmp_path / "theme")
        self.config = tmp_path / "sitegen.yml"
        self.config.write_text(f"content_dir: kb\noutput_dir: {out}\ntheme: {theme}\n", encoding="utf-8")
        self.record = state_folder_for(out, tmp_path / ".sitegen-cache") / RECORD
        self.changes = 0

    def build_here(self, target: Path | None = None) -> BuildResult:
        """In this process, with the very settings the killed builds read."""
        settings, problems = load_config(self.config, {"output_dir": target} if target else None)
        assert not problems
        return build(settings)

    def start(self, *extra: str) -> subprocess.Popen[bytes]:
        # Its own process group: the kill takes the build and any workers, as a cancelled CI job does.
        return subprocess.Popen([sys.executable, "-m", "sitegen", "build", "-c", str(self.config), "-q", *extra],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)

    def change(self) -> None:
        """Edit one document, add one, delete one: the next site differs in pages, lists and index."""
        n = self.changes
        self.changes += 1
        (self.content / f"doc-{n % DOCS:03d}.md").write_text(make_doc(n, n + 1, self.rng), encoding="utf-8")
        (self.content / f"new-{n:03d}.md").write_text(make_doc(1000 + n, 0, self.rng), encoding="utf-8")
        victims = sorted(self.content.glob("doc-*.md"))
        if len(victims) > DOCS // 2:
            victims[-1].unlink()

    def grow(self, count: int) -> None:
        """Add documents: the next site needs more room than this one."""
        for n in range(count):
            (self.content / f"more-{n:03d}.md").write_text(make_doc(2000 + n, 0, self.rng), encoding="utf-8")

    def writing(self) -> bool:
        """Whether the record says a write began and did not finish."""
        try:
            return json.loads(self.record.read_text(encoding="utf-8"))["complete"] is False
        except (OSError, ValueError, KeyError):
            return False

    def clean(self) -> dict[str, bytes]:
        """What a build of the current content into an empty folder writes."""
        target = self.tmp / "clean"
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(state_folder_for(target, self.tmp / ".sitegen-cache"), ignore_errors=True)
        self.build_here(target)
        return site_files(target)


def write_window(kb: Kb) -> float:
    """Time a forced build of changed content (one that writes, not one stopped by the up-to-date
    check); return how long it spent writing the output."""
    kb.change()
    result = kb.build_here()  # in this process: never stopped by the up-to-date check, as with --force
    assert result.written > 0, "the reference build wrote nothing"
    return max(result.site.timings["write"], 0.002)


def kill_while_writing(kb: Kb, in_place: bool) -> dict[str, int]:
    kb.build_here()
    (kb.out / "CNAME").write_text("kb.example.com")  # a user's file: must survive every kill
    window = write_window(kb)
    kb.build_here()
    outcomes = {"landed while writing": 0, "old site": 0, "new site": 0, "mixed, then repaired": 0, "tries": 0}
    while outcomes["landed while writing"] < MIN_LANDED and outcomes["tries"] < MAX_TRIES:
        outcomes["tries"] += 1
        old = site_files(kb.out)
        kb.change()
        new = kb.clean()
        process = kb.start()
        deadline = time.perf_counter() + 60
        while not kb.writing() and process.poll() is None and time.perf_counter() < deadline:
            time.sleep(0.0005)
        # The measured window also covers saving the state after the output is written: aim early.
        time.sleep(kb.rng.uniform(0, window * 0.4))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        landed = kb.writing()
        outcomes["landed while writing"] += landed
        now = site_files(kb.out)
        assert now.get("CNAME") == b"kb.example.com", "the user's CNAME was lost"
        now.pop("CNAME")
        if now == {k: v for k, v in old.items() if k != "CNAME"}:
            outcomes["old site"] += 1
        elif now == new:
            outcomes["new site"] += 1
        else:
            assert in_place, "a staged build, killed, left a mix of the old and the new site"
            outcomes["mixed, then repaired"] += 1
        kb.build_here()  # the next build: not --force, and it must not trust what the dead one left
        after = site_files(kb.out)
        after.pop("CNAME")
        assert after == new, f"after a kill the next build did not write a clean build's bytes: {sorted(set(after) ^ set(new))[:5]}"
        assert not kb.writing()
    print(f"\nkills (write window {window * 1000:.0f} ms): {outcomes}")
    assert outcomes["landed while writing"] >= MIN_LANDED, outcomes
    return outcomes


def test_kills_while_writing_a_staged_site_leave_the_old_or_the_new_site(tmp_path: Path) -> None:
    kb = Kb(tmp_path, tmp_path / "site")
    kill_while_writing(kb, in_place=False)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.sitegen-")]


def test_kills_while_writing_in_place_are_repaired_by_the_next_build(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "64m") as out:
        assert not write._can_stage(out)  # a mount point: written file by file
        kb = Kb(tmp_path, out)
        outcomes = kill_while_writing(kb, in_place=True)
    assert outcomes["tries"] >= MIN_LANDED


def fill(disk: Path, leave: int) -> Path:
    """A user's file that leaves `leave` bytes free on the filesystem of `disk`."""
    filler = disk / "filler.bin"
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(filler, "ab") as handle:
        handle.write(b"\0" * max(free - leave, 0))
    return filler


def failed_build(kb: Kb) -> str:
    process = kb.start()
    _, err = process.communicate(timeout=120)
    text = err.decode()
    assert process.returncode == 2, text
    assert "Traceback" not in text and text.count("\n") == 1, text
    assert text.startswith("sitegen: error: cannot write ") and "No space left on device; free some space" in text, text
    return text


@pytest.mark.parametrize("leave_kib", [8, 64])
def test_a_full_disk_in_place_fails_in_one_line_and_the_next_build_is_clean(tmp_path: Path, leave_kib: int) -> None:
    with tmpfs(tmp_path / "mnt", "3m") as out:
        kb = Kb(tmp_path, out)
        kb.build_here()
        kb.grow(12)  # a bigger site: more pages than the first
        filler = fill(out, leave_kib * 1024)
        failed_build(kb)
        assert kb.writing(), "the disk filled before the build began writing: make `leave_kib` smaller"
        filler.unlink()  # space again: the next build must complete the site exactly
        kb.build_here()
        assert site_files(out) == kb.clean()


def test_a_full_disk_while_staging_keeps_the_old_site(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "3m") as disk:
        kb = Kb(tmp_path, disk / "site")
        kb.build_here()
        old = site_files(kb.out)
        kb.grow(12)
        filler = fill(disk, 64 * 1024)
        failed_build(kb)
        assert site_files(kb.out) == old
        assert [p.name for p in disk.iterdir() if p.name.startswith(".site.")] == []  # staging removed
        filler.unlink()
        kb.build_here()
        assert site_files(kb.out) == kb.clean()


def test_a_read_only_output_fails_in_one_line(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "8m") as out:
        kb = Kb(tmp_path, out)
        kb.build_here()
        kb.change()
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        process = kb.start()
        _, err = process.communicate(timeout=120)
        subprocess.run(["mount", "-o", "remount,rw", str(out)], check=True)
        text = err.decode()
        assert process.returncode == 2 and "Traceback" not in text and text.count("\n") == 1, text
        assert "Read-only file system; that filesystem is read-only: choose another output folder (-o)" in text
