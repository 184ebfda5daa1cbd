"""The quick answer to "has anything changed since the last build?", before any real work.

The build state decides *what* to redo, document by document and page by page. Before it is even
loaded, the command line asks the cheaper question: if every input file (documents, images, theme
files) has the content hash it had when the last build began, the settings and sitegen's code are
the same, and every file that build wrote is still in place, there is nothing to do.

Inputs are compared by content, never by modification time (an edit that keeps a file's time, as
`cp -p`, `rsync -t` or a restored backup can, is still seen); hashing a thousand documents costs
a few tens of milliseconds. Outputs are sitegen's own files, so their size, time and inode show
whether another build or a person has touched them since.
"""

from __future__ import annotations

import pickle
import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from sitegen.cache import CACHE_DIR, digest
from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.discover import Discovered, discover
from sitegen.history import last_changed
from sitegen.write import atomic_write

STAMP_FILE = f"{CACHE_DIR}/stamp.pickle"
_FORMAT = 2

FileStat = tuple[int, int, int]  # size, mtime in ns, inode


@dataclass(frozen=True)
class Inputs:
    """What a build is about to read, hashed before any of it is read."""

    found: Discovered  # the documents and assets, for the read stage
    files: Mapping[str, str]  # "content:<rel>" or "theme:<path>" -> content hash
    documents: Mapping[str, str | None]  # rel of each document -> its content hash (None: unreadable or too large)
    history: Mapping[str, dt.date] = field(default_factory=dict)  # rel -> last commit date (git), see history.py


@dataclass(frozen=True)
class Stamp:
    format: int
    key: str  # settings and sitegen's code
    inputs: Mapping[str, str]
    outputs: Mapping[str, FileStat]  # every file the build wrote or kept, by output path
    problems: tuple[Problem, ...]
    pages: int


def stamp_key(config: SiteConfig, settings: str) -> str:
    # The number of workers changes no output; everything else in the config may.
    return digest(repr((_FORMAT, settings, replace(config, jobs=0))).encode("utf-8", "surrogateescape"))


def snapshot(config: SiteConfig) -> Inputs:
    found = discover(config.content_dir, config.output_dir)
    files: dict[str, str] = {}
    documents: dict[str, str | None] = {}
    for source in found.documents:
        documents[source.rel] = file_hash(source.path, config.max_file_bytes)
        files[f"content:{source.rel}"] = documents[source.rel] or _size_mark(source.path)
    for source in found.assets:
        files[f"content:{source.rel}"] = file_hash(source.path, None) or "unreadable"
    for theme_dir in config.theme_dirs():
        for path in sorted(p for p in Path(theme_dir).rglob("*") if p.is_file()):
            files[f"theme:{path}"] = file_hash(path, None) or "unreadable"
    # A commit changes "Last updated" without changing a file: the dates are an input too.
    history = last_changed(config.content_dir) if config.last_updated else {}
    files["git:history"] = digest(repr(sorted(history.items())).encode("utf-8", "surrogateescape"))
    return Inputs(found, files, documents, history)


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


def save(output_dir: Path, key: str, inputs: Inputs, outputs: list[str], problems: tuple[Problem, ...], pages: int) -> None:
    stamp = Stamp(_FORMAT, key, dict(inputs.files), {rel: _stat(output_dir / rel) for rel in outputs}, problems, pages)
    atomic_write(output_dir / STAMP_FILE, pickle.dumps(stamp, protocol=pickle.HIGHEST_PROTOCOL))


def forget(output_dir: Path) -> None:
    """Called before a build writes: if it fails half-way, no stamp may vouch for the output."""
    (output_dir / STAMP_FILE).unlink(missing_ok=True)


def up_to_date(config: SiteConfig, key: str, now: Inputs) -> Stamp | None:
    """The last build's stamp when no input (as `now` found them) or output changed since; None when
    a build is needed."""
    out = config.output_dir
    try:
        with open(out / STAMP_FILE, "rb") as handle:
            stamp = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(stamp, Stamp) or stamp.format != _FORMAT or stamp.key != key:
        return None
    if any(_stat(out / rel) != expected for rel, expected in stamp.outputs.items()):
        return None
    if now.files != stamp.inputs:
        return None
    return stamp


def _stat(path: Path) -> FileStat:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ino)
