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
import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from sitegen.keys import digest
from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.discover import Discovered, discover
from sitegen.history import last_changed
from sitegen.jsoncodec import Codec
from sitegen.write import atomic_write

STAMP_FILE = "stamp.json"  # in the build's state folder (cache.state_folder), never in the site
_FORMAT = 4  # 4: what stat said of each input, to trust its hash without reading it

FileStat = tuple[int, int, int]  # size, mtime in ns, inode
FileSeen = tuple[int, int, int, int]  # size, mtime in ns, ctime in ns, inode


@dataclass(frozen=True)
class Inputs:
    """What a build is about to read, hashed before any of it is read."""

    found: Discovered  # the documents and assets, for the read stage
    files: Mapping[str, str]  # "content:<rel>" or "theme:<path>" -> content hash
    documents: Mapping[str, str | None]  # rel of each document -> its content hash (None: unreadable or too large)
    history: Mapping[str, dt.date] = field(default_factory=dict)  # rel -> last commit date (git), see history.py
    seen: Mapping[str, FileSeen] = field(default_factory=dict)  # key of `files` -> what stat said when it was hashed
    taken_ns: int = 0  # when the hashing began (time.time_ns)


@dataclass(frozen=True)
class Stamp:
    format: int
    key: str  # settings and sitegen's code
    inputs: Mapping[str, str]
    outputs: Mapping[str, FileStat]  # every file the build wrote or kept, by output path
    problems: tuple[Problem, ...]
    pages: int
    seen: Mapping[str, FileSeen] = field(default_factory=dict)  # Inputs.seen of the build that wrote it
    taken_ns: int = 0


def stamp_key(config: SiteConfig, settings: str) -> str:
    # The number of workers changes no output; everything else in the config may.
    return digest(repr((_FORMAT, settings, replace(config, jobs=0))).encode("utf-8", "surrogateescape"))


def snapshot(config: SiteConfig, last: Stamp | None = None) -> Inputs:
    """Find and hash every input. A file whose size, times and inode are those `last` recorded, and
    that changed well before `last` was taken, keeps the hash `last` recorded (see `_Known`)."""
    known = _Known(last)
    taken = time.time_ns()
    found = discover(config.content_dir, config.output_dir)
    files: dict[str, str] = {}
    documents: dict[str, str | None] = {}
    seen: dict[str, FileSeen] = {}
    for source in found.documents:
        key = f"content:{source.rel}"
        documents[source.rel] = known.hash(key, source.path, config.max_file_bytes, seen)
        files[key] = documents[source.rel] or _size_mark(source.path)
    for source in found.assets:
        key = f"content:{source.rel}"
        files[key] = known.hash(key, source.path, None, seen) or "unreadable"
    for theme_dir in config.theme_dirs():
        for path in sorted(p for p in Path(theme_dir).rglob("*") if p.is_file()):
            key = f"theme:{path}"
            files[key] = known.hash(key, path, None, seen) or "unreadable"
    # A commit changes "Last updated" without changing a file: the dates are an input too.
    history = last_changed(config.content_dir) if config.last_updated else {}
    files["git:history"] = digest(repr(sorted(history.items())).encode("utf-8", "surrogateescape"))
    return Inputs(found, files, documents, history, seen, taken)


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
        self._seen = last.seen if last is not None else {}
        self._hashes = last.inputs if last is not None else {}
        self._before = (last.taken_ns if last is not None else 0) - RACY_NS

    def hash(self, key: str, path: Path, max_bytes: int | None, seen: dict[str, FileSeen]) -> str | None:
        now = file_seen(path)
        if now is not None:
            seen[key] = now
            old, recorded = self._seen.get(key), self._hashes.get(key, "")
            if (old is not None and tuple(old) == now and now[1] < self._before and now[2] < self._before
                    and len(recorded) == 32 and (max_bytes is None or now[0] <= max_bytes)):
                return recorded
        return file_hash(path, max_bytes)


def file_seen(path: Path) -> FileSeen | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def file_hash(path: Path, max_bytes: int | None) -> str | None:
    """The content hash sitegen keys its caches by; None when unreadable or over `max_bytes`."""
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            return None
        return digest(path.read_bytes())
    except OSError:
        return None


def _size_mark(path: Path) -> str:
    # A file too large to read is skipped with a problem naming its size: only the size matters.
    try:
        return f"size:{path.stat().st_size}"
    except OSError:
        return "unreadable"


_CODEC = Codec([Stamp, Problem])


def save(folder: Path, output_dir: Path, key: str, inputs: Inputs, outputs: list[str], problems: tuple[Problem, ...],
         pages: int) -> None:
    out = str(output_dir)
    stamp = Stamp(_FORMAT, key, dict(inputs.files), {rel: _stat(f"{out}/{rel}") for rel in outputs}, problems, pages,
                  dict(inputs.seen), inputs.taken_ns)
    atomic_write(folder / STAMP_FILE, _CODEC.dumps(stamp).encode("ascii"))


def forget(folder: Path) -> None:
    """Called before a build writes: if it fails half-way, no stamp may vouch for the output."""
    (folder / STAMP_FILE).unlink(missing_ok=True)


def load(folder: Path) -> Stamp | None:
    """The stamp the last build left in `folder`; None when there is none or it does not parse."""
    try:
        stamp = _CODEC.loads((folder / STAMP_FILE).read_bytes())
    except (OSError, ValueError, TypeError, UnicodeDecodeError):
        return None
    if (not isinstance(stamp, Stamp) or stamp.format != _FORMAT or not isinstance(stamp.outputs, dict)
            or not isinstance(stamp.seen, dict) or not isinstance(stamp.inputs, dict) or not isinstance(stamp.taken_ns, int)):
        return None
    return stamp


def up_to_date(config: SiteConfig, folder: Path, key: str, now: Inputs, stamp: Stamp | None = None) -> Stamp | None:
    """The last build's stamp (kept in `folder`, or given) when no input (as `now` found them) or
    output changed since; None when a build is needed, or the stamp does not parse."""
    out = str(config.output_dir)
    stamp = stamp if stamp is not None else load(folder)
    if stamp is None or stamp.key != key:
        return None
    if any(_stat(f"{out}/{rel}") != expected for rel, expected in stamp.outputs.items()):
        return None
    if now.files != stamp.inputs:
        return None
    return stamp


def _stat(path: str) -> FileStat:
    try:
        st = os.stat(path)
    except OSError:
        return (-1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ino)
