"""Progress as the person running a build sees it: a live bar on a terminal, plain lines in a log
or under CI, nothing with --quiet."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from sitegen.parallel import run_chunks
from tests.helpers import write_docs

DOCS = {f"area{i % 4}/doc-{i:03}.md": f"---\ncomponent: database\n---\n# Document {i}\n\n## Solution\nRestart {i}.\n"
        for i in range(120)}  # above the size where stages run in chunks, so a bar moves more than once


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "TERM")}
    return {**env, "TERM": "xterm", "COLUMNS": "120", **extra}


def run_in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run sitegen with stdout and stderr on a pseudo-terminal, as in an interactive shell."""
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))  # rows, columns, as a terminal has
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=child, stderr=child)
    os.close(child)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            proc.kill()
            raise AssertionError("no output from sitegen for 120 s")
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_shows_live_bars_for_reading_rendering_and_writing(tmp_path: Path) -> None:
    write_docs(tmp_path / "kb", DOCS)
    # Every update drawn (tqdm reads TQDM_* settings from the environment), so a fast machine that
    # reads all 120 documents within one redraw interval still shows the bar move.
    status, shown = run_in_terminal(["build", "kb", "-o", "out", "-j", "2"], tmp_path, _env(TQDM_MININTERVAL="0"))
    assert status == 0, shown
    # Documents are rendered as they are read (one parse each), so reading's bar covers both.
    for stage, unit in (("reading", "documents"), ("writing", "pages")):
        bars = re.findall(rf"sitegen: {stage}:\s+\d+%\|[^|\r\n]*\|\s*(\d+)/(\d+) \[[^\]]*{unit}/s\]", shown)
        assert bars, f"no {stage} bar in {shown!r}"
        counts = {int(done) for done, _ in bars}
        assert {0, int(bars[0][1])} <= counts, f"the {stage} bar did not run from 0 to the end: {bars}"
        if stage != "writing":  # this few pages are made in one chunk (pages.PARALLEL_PAGES), so no step between
            assert any(0 < n < int(bars[0][1]) for n in counts), f"the {stage} bar moved only at the end: {bars}"
    assert "\r" in shown, "a bar redraws its line in place"
    assert "sitegen: read 120 documents" in shown  # the stage's result stays as a line
    assert "sitegen: rendered 120 of 120 documents while reading" in shown


def test_ci_and_pipes_get_plain_lines(tmp_path: Path) -> None:
    write_docs(tmp_path / "kb", DOCS)
    status, shown = run_in_terminal(["build", "kb", "-o", "out", "-j", "2"], tmp_path, _env(CI="true"))
    assert status == 0, shown
    assert "%|" not in shown and "\x1b[" not in shown and "\r\r" not in shown
    assert "sitegen: reading 120 documents" in shown and "sitegen: rendered 120 of 120 documents while reading" in shown
    piped = subprocess.run([sys.executable, "-m", "sitegen", "build", "kb", "-o", "out2"], cwd=tmp_path, env=_env(),
                           capture_output=True, text=True, timeout=120)
    assert "%|" not in piped.stderr and "sitegen: reading 120 documents" in piped.stderr


def test_quiet_shows_no_progress(tmp_path: Path) -> None:
    write_docs(tmp_path / "kb", DOCS)
    status, shown = run_in_terminal(["build", "kb", "-o", "out", "-q"], tmp_path, _env())
    assert status == 0, shown
    assert "%|" not in shown and "reading" not in shown and "settings" not in shown
    assert "no problems found" in shown


def _after_the_first(folder: Path, chunk: int) -> bool:
    """Chunk 0 returns at once; every other chunk waits until the first has been reported."""
    deadline = time.monotonic() + 10
    while chunk and not (folder / "reported").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_each_chunk_is_reported_as_it_arrives_not_when_all_are_done(tmp_path: Path) -> None:
    results = run_chunks(_after_the_first, tmp_path, [0, 1, 2, 3], 2, done=lambda result: (tmp_path / "reported").touch())
    assert results == [True, True, True, True], "a bar that moves only at the end shows no progress"
