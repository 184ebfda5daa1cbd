"""The quick answer to "has anything changed since the last build?", before any real work.

The build state decides *what* to redo, document by document and page by page. Before it is even
loaded, the command line asks the cheaper question: if every input file (documents, images, theme
files) has the content hash it had when the last build began, the settings and sitegen's code are
the same, and every file that build wrote is still in place, there is nothing to do.

Inputs are compared by content hash. Reading ten thousand documents to hash them cost more than
the whole answer may, so, as git does, a file whose size, modification and change times and inode
are those recorded when it was last hashed keeps that hash, unless it changed within a few seconds
of that moment (`_Known`: an edit in the same clock tick leaves the times as they were). The change
time, which no tool can set back, catches an edit that keeps the modification time (`cp -p`,
`rsync -t`, a restored backup). Outputs are sitegen's own files, so their size, time and inode show
whether another build or a person has touched them since.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import time
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from sitegen.keys import digest
from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.discover import Discovered, Walked, walk
from sitegen.history import head_of, last_changed

STAMP_FILE = "stamp.json"  # in the build's state folder (cache.state_folder), never in the site
# 5: plain JSON (no classes to rebuild): each input's hash with what stat said of it, each output's
# stat, each problem as a row. 4: the same through the allowlist codec, a tenth of a second at 10k.
_FORMAT = 5

FileSeen = tuple[int, int, int, int]  # size, mtime in ns, ctime in ns, inode


@dataclass(frozen=True)
class Inputs:
    """What a build is about to read, hashed before any of it is read."""

    walked: Walked  # the documents and assets, as found
    files: Mapping[str, str]  # "content:<rel>" or "theme:<path>" -> content hash
    documents: Mapping[str, str | None]  # rel of each document -> its content hash (None: unreadable or too large)
    known_history: Mapping[str, dt.date] | None = None  # see `history`; None: not asked yet
    seen: Mapping[str, FileSeen] = field(default_factory=dict)  # key of `files` -> what stat said when it was hashed
    taken_ns: int = 0  # when the hashing began (time.time_ns)
    git_folder: Path | None = None  # where to ask git for `history` when it was not asked yet
    head: str = ""  # the commit the content's repository was at (history.head_of), "" when not known
    racy: int = 0  # files read again only because they changed too close to the last stamp's hashing (`_Known`)

    @functools.cached_property
    def history(self) -> Mapping[str, dt.date]:
        """rel -> last commit date (git), see history.py; asked of git only when a build needs it."""
        if self.known_history is not None:
            return self.known_history
        return last_changed(self.git_folder) if self.git_folder is not None else {}

    @functools.cached_property
    def found(self) -> Discovered:
        """For the read stage; made only when there is something to build."""
        return self.walked.discovered()


@dataclass(frozen=True)
class Stamp:
    format: int
    key: str  # settings and sitegen's code
    rows: Mapping[str, list[Any]]  # key of Inputs.files -> [hash, *what stat said when it was hashed (Inputs.seen)]
    outputs: Mapping[str, list[int]]  # every file the build wrote or kept, by output path: size, mtime in ns, inode
    problems: tuple[Problem, ...]
    pages: int
    taken_ns: int = 0

    @functools.cached_property
    def inputs(self) -> Mapping[str, str]:
        return {k: row[0] for k, row in self.rows.items()}

    @functools.cached_property
    def seen(self) -> Mapping[str, FileSeen]:
        return {k: tuple(row[1:]) for k, row in self.rows.items() if len(row) == 5}  # type: ignore[misc]

    def same_inputs(self, files: Mapping[str, str]) -> bool:
        """Whether `files` (Inputs.files) are exactly the inputs recorded, by key and hash."""
        rows = self.rows
        return len(files) == len(rows) and all(rows.get(k, "")[:1] == [h] for k, h in files.items())


def stamp_key(config: SiteConfig, settings: str) -> str:
    # The number of workers changes no output; everything else in the config may.
    return digest(repr((_FORMAT, settings, replace(config, jobs=0))).encode("utf-8", "surrogateescape"))


def snapshot(config: SiteConfig, last: Stamp | None = None) -> Inputs:
    """Find and hash every input. A file whose size, times and inode are those `last` recorded, and
    that changed well before `last` was taken, keeps the hash `last` recorded (see `_Known`)."""
    known = _Known(last)
    taken = time.time_ns()
    found = walk(config.content_dir, config.output_dir)
    files: dict[str, str] = {}
    documents: dict[str, str | None] = {}
    seen: dict[str, FileSeen] = {}
    for rel in found.documents:
        key = f"content:{rel}"
        path = found.path(rel)
        documents[rel] = known.hash(key, path, config.max_file_bytes, seen)
        files[key] = documents[rel] or _size_mark(path)
    for rel in found.assets:
        key = f"content:{rel}"
        files[key] = known.hash(key, found.path(rel), None, seen) or "unreadable"
    for theme_dir in config.theme_dirs():
        for path in sorted(p for p in Path(theme_dir).rglob("*") if p.is_file()):
            key = f"theme:{path}"
            files[key] = known.hash(key, str(path), None, seen) or "unreadable"
    # A commit changes "Last updated" without changing a file: the dates are an input too. They are
    # fixed by the commit the repository is at: the same commit as last time, the same dates, and
    # `git log` (over the whole history: the slowest part of a large repository's check) waits
    # until a build needs them.
    head = (head_of(config.content_dir) or "") if config.last_updated else ""
    row = last.rows.get(HISTORY) if last is not None else None
    if head and type(row) is list and len(row) == 2 and row[1] == head and isinstance(row[0], str):
        files[HISTORY] = row[0]
        return Inputs(found, files, documents, None, seen, taken, config.content_dir, head, known.racy)
    history = last_changed(config.content_dir) if config.last_updated else {}
    files[HISTORY] = digest(repr(sorted(history.items())).encode("utf-8", "surrogateescape"))
    return Inputs(found, files, documents, history, seen, taken, None, head, known.racy)


HISTORY = "git:history"  # the key of the dates' digest in Inputs.files


# Timestamps may be this coarse (FAT keeps 2 s; ext3 and HFS+ 1 s), and the file system's clock a
# little behind the one `time_ns` reads: a file changed this close to a snapshot is hashed again.
RACY_NS = 3_000_000_000


class _Known:
    """The hashes the last stamp recorded, and when each may be trusted without reading the file.

    As git does with its index: a file whose size, modification time, change time and inode are
    all as recorded has the recorded content, unless it changed so close to the moment it was
    hashed that an edit in the same clock tick would leave its times unchanged ("racily clean"):
    such a file is read again. The change time catches `cp -p`, `rsync -t` or `touch -d`, which
    set the modification time back but cannot set the change time.
    """

    def __init__(self, last: Stamp | None) -> None:
        self._rows = last.rows if last is not None else {}
        self._before = (last.taken_ns if last is not None else 0) - RACY_NS
        self.racy = 0

    def hash(self, key: str, path: str, max_bytes: int | None, seen: dict[str, FileSeen]) -> str | None:
        now = file_seen(path)
        if now is not None:
            seen[key] = now
            row = self._rows.get(key)
            if (row is not None and len(row) == 5 and (row[1], row[2], row[3], row[4]) == now
                    and isinstance(row[0], str) and len(row[0]) == 32 and (max_bytes is None or now[0] <= max_bytes)):
                if now[1] < self._before and now[2] < self._before:
                    return row[0]
                self.racy += 1
        return file_hash(path, max_bytes)


def file_seen(path: str) -> FileSeen | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def file_hash(path: str | Path, max_bytes: int | None) -> str | None:
    """The content hash sitegen keys its caches by; None when unreadable or over `max_bytes`."""
    try:
        with open(path, "rb") as f:
            if max_bytes is not None and os.fstat(f.fileno()).st_size > max_bytes:
                return None
            return digest(f.read())
    except OSError:
        return None


def _size_mark(path: str) -> str:
    # A file too large to read is skipped with a problem naming its size: only the size matters.
    try:
        return f"size:{os.stat(path).st_size}"
    except OSError:
        return "unreadable"


def save(folder: Path, output_dir: Path, key: str, inputs: Inputs, outputs: list[str], problems: tuple[Problem, ...],
         pages: int) -> None:
    from sitegen.write import atomic_write  # the writer side: a build that has nothing to do never saves

    out = str(output_dir)
    data = {"format": _FORMAT, "key": key, "pages": pages, "taken_ns": inputs.taken_ns,
            "inputs": {k: [h, *inputs.seen.get(k, ())] for k, h in inputs.files.items()},
            "outputs": {rel: _stat(f"{out}/{rel}") for rel in outputs},
            "problems": [[p.path, p.line, p.column, p.kind, p.message, p.fix, p.level] for p in problems]}
    if inputs.head:
        data["inputs"][HISTORY] = [inputs.files[HISTORY], inputs.head]  # type: ignore[index]
    atomic_write(folder / STAMP_FILE, json.dumps(data, separators=(",", ":")).encode("ascii"))


def forget(folder: Path) -> None:
    """Called before a build writes: if it fails half-way, no stamp may vouch for the output."""
    (folder / STAMP_FILE).unlink(missing_ok=True)


def save_edit(folder: Path, output_dir: Path, last: Stamp, inputs: Inputs, written: list[str], problems: tuple[Problem, ...]) -> None:
    """The stamp of an edit's fast path (fastedit.py): `last` with the inputs as `inputs` found them,
    the files written this time stat'ed again (every other output as `last` recorded it, which the
    fast path checked), and the problems as they are now."""
    from sitegen.write import atomic_write

    out = str(output_dir)
    outputs = dict(last.outputs)
    outputs.update((rel, _stat(f"{out}/{rel}")) for rel in written)
    data = {"format": _FORMAT, "key": last.key, "pages": last.pages, "taken_ns": inputs.taken_ns,
            "inputs": {k: [h, *inputs.seen.get(k, ())] for k, h in inputs.files.items()},
            "outputs": outputs,
            "problems": [[p.path, p.line, p.column, p.kind, p.message, p.fix, p.level] for p in problems]}
    if inputs.head:
        data["inputs"][HISTORY] = [inputs.files[HISTORY], inputs.head]  # type: ignore[index]
    atomic_write(folder / STAMP_FILE, json.dumps(data, separators=(",", ":")).encode("ascii"))


_loaded: dict[str, tuple[bytes, Stamp]] = {}  # the last stamp parsed, by path, with its bytes: the CLI's check and the build both ask


def load(folder: Path) -> Stamp | None:
    """The stamp the last build left in `folder`; None when there is none or it does not parse.

    Plain JSON, checked as it is taken apart: a damaged or planted file gives None, never a crash.
    Parsed once while the file holds the same bytes (compared whole: times and inode can repeat).
    """
    path = str(folder / STAMP_FILE)
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    hit = _loaded.get(path)
    if hit is not None and hit[0] == data:
        return hit[1]
    found = _load(data)
    _loaded.clear()
    if found is not None:
        _loaded[path] = (data, found)
    return found


def _load(raw: bytes) -> Stamp | None:
    try:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return None
        key, pages, taken, rows, outputs = data["key"], data["pages"], data["taken_ns"], data["inputs"], data["outputs"]
        if not (isinstance(key, str) and isinstance(pages, int) and isinstance(taken, int)
                and isinstance(rows, dict) and isinstance(outputs, dict)):
            return None
        if not all(type(row) is list and row for row in rows.values()):
            return None
        problems = tuple(map(_problem, data["problems"]))
    except (OSError, ValueError, TypeError, KeyError, IndexError, UnicodeDecodeError):
        return None
    return Stamp(_FORMAT, key, rows, outputs, problems, pages, taken)


_PROBLEM_TYPES = ((str,), (int, type(None)), (int, type(None)), (str,), (str,), (str,), (str,))
_PROBLEM_FIELDS = tuple(f.name for f in fields(Problem))  # path, line, column, kind, message, fix, level


def _problem(row: Any) -> Problem:
    if type(row) is not list or len(row) != 7 or not all(isinstance(v, t) for v, t in zip(row, _PROBLEM_TYPES)):
        raise ValueError("not a problem row")
    # As the state's codec does: a frozen dataclass's __init__ sets each field through
    # object.__setattr__, a third of loading a stamp of thousands of problems.
    made = object.__new__(Problem)
    made.__dict__.update(zip(_PROBLEM_FIELDS, row))
    return made


def refresh(folder: Path, last: Stamp, now: Inputs) -> None:
    """After a no-change check that had to read files hashed too close to the last build's start
    (written just before it: a fresh checkout, a generated set), record them as seen now, so the
    next check trusts their times instead of reading them all again, every time, until a build.
    Only when every input and output is as `last` recorded (up_to_date said so)."""
    from sitegen.files import atomic_write

    data = {"format": _FORMAT, "key": last.key, "pages": last.pages, "taken_ns": now.taken_ns,
            "inputs": {k: [h, *now.seen.get(k, ())] for k, h in now.files.items()},
            "outputs": dict(last.outputs),
            "problems": [[p.path, p.line, p.column, p.kind, p.message, p.fix, p.level] for p in last.problems]}
    if now.head:
        data["inputs"][HISTORY] = [now.files[HISTORY], now.head]  # type: ignore[index]
    atomic_write(folder / STAMP_FILE, json.dumps(data, separators=(",", ":")).encode("ascii"))


OUTPUTS_CHECKED = "outputs_checked"  # set on a Stamp whose outputs were all found as it recorded them


def outputs_in_place(stamp: Stamp, output_dir: Path) -> bool:
    """Whether every file the stamp records is as it recorded it. The CLI's up-to-date check, a moment
    before, may have found so already: taken once (a long-running process asks afresh each time)."""
    if stamp.__dict__.pop(OUTPUTS_CHECKED, False):
        return True
    out = str(output_dir)
    return all(_stat(f"{out}/{rel}") == expected for rel, expected in stamp.outputs.items())


def as_written(stamp: Stamp | None, output_dir: Path) -> Callable[[str], bool]:
    """Whether an output file is still as the last build left it, asked of each page whose inputs did
    not change before it is kept: one a person edited or removed since is made again. Without a
    stamp (none yet, or a build stopped half-way), whether the file is there."""
    out = str(output_dir)
    if stamp is None:
        return lambda rel: os.path.isfile(f"{out}/{rel}")
    outputs = stamp.outputs
    return lambda rel: outputs.get(rel) == _stat(f"{out}/{rel}")


def up_to_date(config: SiteConfig, folder: Path, key: str, now: Inputs, stamp: Stamp | None = None) -> Stamp | None:
    """The last build's stamp (kept in `folder`, or given) when no input (as `now` found them) or
    output changed since; None when a build is needed, or the stamp does not parse."""
    out = str(config.output_dir)
    stamp = stamp if stamp is not None else load(folder)
    if stamp is None or stamp.key != key:
        return None
    if any(_stat(f"{out}/{rel}") != expected for rel, expected in stamp.outputs.items()):
        return None  # each recorded as a list, as JSON gives it back
    stamp.__dict__[OUTPUTS_CHECKED] = True  # an edit's fast path need not stat them all again (fastedit.py)
    if not stamp.same_inputs(now.files):
        return None
    return stamp


def _stat(path: str) -> list[int]:
    try:
        st = os.stat(path)
    except OSError:
        return [-1, -1, -1]
    return [st.st_size, st.st_mtime_ns, st.st_ino]
