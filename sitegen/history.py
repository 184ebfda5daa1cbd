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


def head_of(content_dir: Path) -> str | None:
    """The commit the repository holding `content_dir` is at, read from its files without running
    git; None when there is none, or anything is unusual (then the caller asks git itself).

    The history `last_changed` reads is fixed by this commit (and by the shallow-clone boundary,
    which is part of the answer), so an unchanged answer means unchanged dates: a build with
    nothing to do need not run `git log` over the whole history.
    """
    import os

    if any(name in os.environ for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")):
        return None
    try:
        start = content_dir.resolve()
        for folder in (start, *start.parents):
            dot_git = folder / ".git"
            if dot_git.is_dir():
                git_dir = dot_git
                break
            if dot_git.is_file():
                text = dot_git.read_text(encoding="utf-8").strip()
                if not text.startswith("gitdir:"):
                    return None
                git_dir = (folder / text[len("gitdir:"):].strip()).resolve()
                break
        else:
            return None
        common = git_dir
        if (git_dir / "commondir").is_file():
            common = (git_dir / (git_dir / "commondir").read_text(encoding="utf-8").strip()).resolve()
        head = (git_dir / "HEAD").read_text(encoding="utf-8").strip()
        commit = head if not head.startswith("ref: ") else _ref(git_dir, common, head[len("ref: "):])
        replaced = common / "refs" / "replace"  # git log follows replacements and grafts: ask git then
        if (commit is None or len(commit) not in (40, 64) or (common / "info" / "grafts").exists()
                or (replaced.is_dir() and any(replaced.iterdir()))):
            return None
        shallow = common / "shallow"
        boundary = shallow.read_text(encoding="utf-8").split() if shallow.is_file() else []
        return " ".join([commit, *boundary])
    except (OSError, UnicodeDecodeError):
        return None


def _ref(git_dir: Path, common: Path, name: str) -> str | None:
    for base in (git_dir, common):
        path = base / name
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            sha, _, ref = line.partition(" ")
            if ref == name:
                return sha
    return None
