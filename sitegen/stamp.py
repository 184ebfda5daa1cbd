"""The quick answer to "has anything changed since the last build?", from file sizes and times.

The build state decides *what* to redo by content hashes. Before it is even loaded, the command
line asks this cheaper question the way make and git's index do: if every input file (documents,
assets, theme files) and every output file has the size, modification time and inode it had when
the last build finished, with the same settings and sitegen code, there is nothing to do.

A file changed shortly before a build looked at it could change again within one tick of its
filesystem's clock without its time moving ("racy" files, in git's words). Such a document is
compared by the content hash the build used instead; any other racy input disables the shortcut.
"""

from __future__ import annotations

import os
import pickle
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from sitegen.cache import CACHE_DIR, digest
from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.discover import discover
from sitegen.write import atomic_write

STAMP_FILE = f"{CACHE_DIR}/stamp.pickle"
RACY_SECONDS = 2.0  # the coarsest common clock tick (FAT); ext4, APFS and NTFS are far finer
_FORMAT = 1

FileStat = tuple[int, int, int]  # size, mtime in ns, inode


@dataclass(frozen=True)
class Inputs:
    """What a build is about to read: each input file's stat, taken before any is read."""

    taken_ns: int
    files: Mapping[str, FileStat]  # "content:<rel>" or "theme:<path>" -> stat
    documents: Mapping[str, str]  # "content:<rel>" of each document -> its rel


@dataclass(frozen=True)
class Stamp:
    format: int
    key: str  # settings, theme folders and sitegen's code
    inputs: Mapping[str, FileStat]
    hashes: Mapping[str, str]  # racy documents: "content:<rel>" -> the source hash the build used
    outputs: Mapping[str, FileStat]  # every file the build wrote or kept, by output path
    problems: tuple[Problem, ...]
    pages: int


def stamp_key(config: SiteConfig, settings: str) -> str:
    # The number of workers changes no output; everything else in the config may.
    return digest(repr((_FORMAT, settings, replace(config, jobs=0))).encode("utf-8", "surrogateescape"))


def snapshot(config: SiteConfig) -> Inputs:
    taken = time.time_ns()
    found = discover(config.content_dir, config.output_dir)
    files: dict[str, FileStat] = {}
    documents: dict[str, str] = {}
    for source in found.documents:
        files[f"content:{source.rel}"] = _stat(source.path)
        documents[f"content:{source.rel}"] = source.rel
    for source in found.assets:
        files[f"content:{source.rel}"] = _stat(source.path)
    for theme_dir in config.theme_dirs():
        for current, _, names in os.walk(theme_dir):
            for name in names:
                path = os.path.join(current, name)
                files[f"theme:{path}"] = _stat(Path(path))
    return Inputs(taken, files, documents)


def save(output_dir: Path, key: str, inputs: Inputs, source_hashes: Mapping[str, str], outputs: list[str],
         problems: tuple[Problem, ...], pages: int) -> None:
    """Record a finished build; no stamp (so no shortcut next time) when an input is racy and unhashed."""
    path = output_dir / STAMP_FILE
    racy_after = inputs.taken_ns - int(RACY_SECONDS * 1e9)
    hashes: dict[str, str] = {}
    for name, (_, mtime, _) in inputs.files.items():
        if mtime < racy_after:
            continue
        known = source_hashes.get(inputs.documents.get(name, ""))
        if not known:
            path.unlink(missing_ok=True)
            return
        hashes[name] = known
    stamp = Stamp(_FORMAT, key, dict(inputs.files), hashes, {rel: _stat(output_dir / rel) for rel in outputs},
                  problems, pages)
    atomic_write(path, pickle.dumps(stamp, protocol=pickle.HIGHEST_PROTOCOL))


def forget(output_dir: Path) -> None:
    """Called before a build writes: if it fails half-way, no stamp may vouch for the output."""
    (output_dir / STAMP_FILE).unlink(missing_ok=True)


def up_to_date(config: SiteConfig, key: str) -> Stamp | None:
    """The last build's stamp when no input or output changed since; None when a build is needed."""
    out = config.output_dir
    try:
        with open(out / STAMP_FILE, "rb") as handle:
            stamp = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(stamp, Stamp) or stamp.format != _FORMAT or stamp.key != key:
        return None
    now = snapshot(config)
    if now.files != stamp.inputs:
        return None
    for name, expected in stamp.hashes.items():
        try:
            if digest((config.content_dir / now.documents[name]).read_bytes()) != expected:
                return None
        except (OSError, KeyError):
            return None
    if any(_stat(out / rel) != expected for rel, expected in stamp.outputs.items()):
        return None
    return stamp


def _stat(path: Path) -> FileStat:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1, -1)
    return (st.st_size, st.st_mtime_ns, st.st_ino)

