"""When each document last changed, from the git history of the content folder: one `git log` per build.

Asking git once per file costs a process per document (seconds on a thousand documents); one
`git log --name-only` over the whole folder lists every commit's files, newest first, and the first
commit that names a file is its last change. Dates come from commits, never from file times, so
two builds of the same checkout show the same dates.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Mapping

_MARK = "\x1e"  # starts each commit's line in the log; never in a path git prints


def last_changed(content_dir: Path) -> Mapping[str, dt.date]:
    """POSIX path below `content_dir` -> date of the last commit that changed it; empty outside git."""
    try:
        result = subprocess.run(
            ["git", "log", "-z", "--no-renames", "--relative", "--name-only",
             f"--format={_MARK}%cI", "--", "."],
            cwd=content_dir, capture_output=True, timeout=120, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}  # no git, or it hung: the front-matter dates stand
    if result.returncode != 0:
        return {}  # not a repository, or one without commits
    dates: dict[str, dt.date] = {}
    current: dt.date | None = None
    # With -z every path ends in NUL, and a commit's line is followed by NUL and a newline.
    for line in result.stdout.decode("utf-8", "surrogateescape").split("\0"):
        line = line.removeprefix("\n")
        if line.startswith(_MARK):
            try:
                current = dt.date.fromisoformat(line[1:11])
            except ValueError:
                current = None
        elif line and current is not None:
            dates.setdefault(line, current)
    return dates
