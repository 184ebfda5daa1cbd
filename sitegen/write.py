"""Stage: write the output folder atomically, never outside it, never deleting what sitegen did not write.

A build is written into a staging folder beside the output (same filesystem): files whose bytes
did not change are hard-linked from the current output, new bytes are written, files sitegen did
not write (a user's CNAME) are carried over, and then the staging tree and the output swap places
in one step (`renameat2(RENAME_EXCHANGE)` on Linux, two renames elsewhere). A build killed at any
moment therefore leaves the previous site complete; what it left behind is recognised by a marker
file and removed by the next build. The record of which files sitegen wrote lives outside the
output (in the build's state folder, see record.py), so the published folder holds the site and
nothing else.

The writer takes the files one at a time, as the pages are rendered (`SiteWriter.add`): each is
written into the staging tree and let go, so a build never holds its whole output in memory (at
100,000 documents that was some 3 GB). Only `finish` changes the output folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Callable, Iterable, Mapping

from sitegen.files import (atomic_write, carry_foreign, check_rel, is_plain_file, link_or_copy, prune_empty,  # noqa: F401
                           rescue_late_files, safe_join, same_bytes, temp_name, write_new)  # atomic_write, safe_join, temp_name: callers import them from here
from sitegen.folders import INNER_LOCK, OutputError, OutputLock, state_folder_for, swap  # noqa: F401 - OutputLock: re-exported
from sitegen.record import (LEGACY_CACHE, LEGACY_MANIFEST, RECORD, check_output_dir, default_record,  # noqa: F401 - re-exported
                            identity, previous_files, record_complete, save_record)

STAGING_MARK = ".sitegen-staging"  # inside a staging folder: proves sitegen made it, so it may be deleted


@dataclass(frozen=True)
class WriteReport:
    written: int  # paths of `files` whose bytes changed (or are new)
    unchanged: int  # paths of `files` whose bytes the output already held
    removed: int  # paths of the previous build produced no more
    reused: int = 0  # `reuse` paths carried over as they were


def write_output(output_dir: Path, files: Mapping[str, bytes], reuse: Iterable[str] = (),
                 record: Path | None = None) -> WriteReport:
    """Replace the site in `output_dir` by `files` plus the `reuse` paths carried over from the current one.

    `files` are (re)written with these bytes; `reuse` are paths of the previous build whose bytes are
    unchanged; any path in the previous record that is in neither is removed. Files sitegen did not
    write are carried over untouched. The caller holds the output's lock (folders.OutputLock).
    The whole site in one mapping: `SiteWriter` takes it a file at a time.
    """
    reuse = list(reuse)
    for rel in [*files, *reuse]:
        check_rel(rel)  # before anything is made, even a staging folder
    with SiteWriter(output_dir, record) as writer:
        for rel in sorted(files):
            writer.add(rel, files[rel])
        return writer.finish(reuse)


def _nothing() -> None:
    pass


class SiteWriter:
    """The write stage fed one file at a time; the output folder changes only in `finish`.

    Staged (the usual case), each file goes into the staging tree as it comes, and only its name is
    kept. The staging folder is made at the first file whose bytes differ from the output's: a build
    that changes nothing makes none. Written in place (a mount point, or a read-only parent), the
    files are held until `finish`: the record must claim every path before the first is written.

    `record` (outside the output) lists the files sitegen wrote. Before the output changes it is
    extended by every path this build may write and marked unfinished, so a build killed half-way
    leaves no file of sitegen's that the next build would take for a user's. `before_change` runs
    just before the output folder is first changed (the caller's state stops vouching for it).
    Used as a context manager: leaving it by an exception removes the staging folder.
    """

    def __init__(self, output_dir: Path, record: Path | None = None, before_change: Callable[[], None] = _nothing) -> None:
        self.out = out = output_dir.resolve()  # a symlinked output folder: update where it points, keep the link
        self.record = record or default_record(out)
        self.before_change = before_change
        out.parent.mkdir(parents=True, exist_ok=True)
        self.staged = _can_stage(out)
        if self.staged:
            _clean_leftovers(out)
        previous = previous_files(out, self.record) if out.is_dir() else set()
        if previous is None:
            if any(out.iterdir()):
                raise OutputError(f"output folder {out} is not empty and was not written by sitegen; "
                                  "empty it yourself or choose another folder (-o)")
            previous = set()
        self.previous = previous
        self.made: dict[str, bool] = {}  # every path added -> whether its bytes were written (else linked: unchanged)
        self.held: dict[str, bytes] = {}  # in place only: the files, until `finish`
        self.box: Path | None = None  # the staging folder, once a file differs
        self.folders = {""}  # folders made in the staging tree
        self.seconds = 0.0  # spent in `add` and `finish`: the write stage's own time, amid rendering

    def __enter__(self) -> SiteWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if kind is not None:
            self._discard()

    def add(self, rel: str, data: bytes) -> None:
        """Take one output file; a later file for the same path replaces an earlier one."""
        started = time.perf_counter()
        try:
            check_rel(rel)
            if rel not in self.previous and os.path.lexists(self.out / rel):
                raise OutputError(f"{self.out / rel} was not written by sitegen, but the new site needs that path; "
                                  "move the file elsewhere and build again (sitegen never overwrites files it did not write)")
            if not self.staged:
                self.made[rel] = True
                self.held[rel] = data
            elif self.box is None and same_bytes(self.out / rel, data):
                self.made[rel] = False  # linked into the staging tree if one is made
            else:
                if self.box is None:
                    self._open_box()
                if rel in self.made:
                    (self.box / "new" / rel).unlink()  # type: ignore[operator]  # made by _open_box
                self._place(rel, data)
        except BaseException:
            self._discard()  # a writer that failed is done: nothing of it stays beside the output
            raise
        self.seconds += time.perf_counter() - started

    def _open_box(self) -> None:
        """Make the staging folder and link into it the files taken so far, all unchanged."""
        out = self.out
        self.box = box = Path(tempfile.mkdtemp(prefix=_staging_prefix(out), dir=out.parent))
        (box / STAGING_MARK).write_text(json.dumps({"output": str(out), "pid": os.getpid()}), encoding="utf-8")
        new = box / "new"
        new.mkdir()
        if out.is_dir():
            os.chmod(new, stat.S_IMODE(out.stat().st_mode))
        # A write began: unfinished, and vouching for the old tree and the new one (see `finish`).
        save_record(self.record, out, self.previous, [*self._before(), identity(new)], complete=False)
        for rel in list(self.made):
            self._place(rel, None)

    def _before(self) -> list[list[int]]:
        return [identity(self.out)] if self.out.is_dir() else []

    def _place(self, rel: str, data: bytes | None) -> None:
        """Put one file into the staging tree: linked from the output when its bytes are the same."""
        assert self.box is not None
        new = self.box / "new"
        folder = posixpath.dirname(rel)
        if folder not in self.folders:
            (new / folder).mkdir(parents=True, exist_ok=True)
            while folder not in self.folders:
                self.folders.add(folder)
                folder = posixpath.dirname(folder)
        current = self.out / rel
        # `new` is our own fresh folder and every name was checked by check_rel, so no symlink can
        # stand in the way: plain joins keep this fast for big sites.
        if (data is None or same_bytes(current, data)) and link_or_copy(current, new / rel, make_parent=False):
            self.made[rel] = False
        elif data is None:
            raise OutputError(f"cannot carry {current} over into the new site")
        else:
            write_new(new / rel, data, make_parent=False)
            self.made[rel] = True

    def finish(self, reuse: Iterable[str] = ()) -> WriteReport:
        """Carry over the `reuse` paths (the previous build's, unchanged), remove what the site no
        longer has, and put the new site in place of the old one."""
        started = time.perf_counter()
        try:
            kept = set(reuse) - set(self.made)
            for rel in kept:
                check_rel(rel)
            report = self._finish_staged(kept) if self.staged else self._finish_in_place(kept)
        except BaseException:
            self._discard()
            raise
        self.seconds += time.perf_counter() - started
        return report

    def _finish_staged(self, kept: set[str]) -> WriteReport:
        out, previous = self.out, self.previous
        _check_reused(out, kept)
        produced = set(self.made) | kept
        if self.box is None and previous == produced and record_complete(self.record):
            # Nothing new, nothing gone: staging and swapping a whole site would only cost time.
            return WriteReport(written=0, unchanged=len(self.made), removed=0, reused=len(kept))
        if self.box is None:
            self._open_box()
        box = self.box
        assert box is not None
        new = box / "new"
        for folder in {posixpath.dirname(rel) for rel in kept} - self.folders:
            (new / folder).mkdir(parents=True, exist_ok=True)
        _reuse_all(out, new, kept)
        carry_foreign(out, new, previous)
        removed = sum(1 for rel in previous - produced if is_plain_file(out / rel))
        new_identity = identity(new)
        # Before the swap the output is the old tree, after it the new one: the record vouches for both.
        save_record(self.record, out, previous | produced, [*self._before(), new_identity], complete=False)
        self.before_change()
        old = swap(new, out)
        save_record(self.record, out, produced, [new_identity], complete=True)
        if not rescue_late_files(old, out, previous | produced):
            (box / STAGING_MARK).unlink()  # it holds a user's file: never removed automatically
            self.box = None
        self._discard()
        written = sum(self.made.values())
        return WriteReport(written, len(self.made) - written, removed, len(kept))

    def _finish_in_place(self, kept: set[str]) -> WriteReport:
        files, previous = self.held, self.previous
        if previous == set(files) | kept and record_complete(self.record) and _all_in_place(self.out, files, kept):
            return WriteReport(written=0, unchanged=len(files), removed=0, reused=len(kept))
        _check_reused(self.out, kept)
        self.before_change()
        return _write_in_place(self.out, files, kept, previous, self.record)

    def _discard(self) -> None:
        if self.box is not None:
            shutil.rmtree(self.box, ignore_errors=True)
            self.box = None


def _check_reused(out: Path, kept: set[str]) -> None:
    """Every reused file is a plain file of the output, in a folder that resolves inside it.

    Each folder is resolved once, not each file (a symlink among the folders could lead out of the
    site), and read once: its entries' types say which names are plain files, not symlinks, without
    a stat of each (at 10,000 pages, a stat per file was a large part of a one-document edit).
    """
    if not kept:
        return
    if not out.is_dir():
        rel = min(kept)
        raise OutputError(f"{out / rel} should be reused from the previous build but is missing; build again with --force")
    root = out.resolve()
    for folder, names in sorted(_by_folder(kept).items()):
        resolved = (out / folder).resolve() if folder else root
        if not (resolved == root or root in resolved.parents):
            raise OutputError(f"refusing to write outside the output folder: {posixpath.join(folder, min(names))!r}")
        try:
            with os.scandir(out / folder) as entries:
                plain = {entry.name for entry in entries if entry.is_file(follow_symlinks=False)}
        except OSError:
            plain = set()
        for name in sorted(names):
            if name not in plain:
                raise OutputError(f"{out / folder / name} should be reused from the previous build but is missing; "
                                  "build again with --force")


def _by_folder(rels: Iterable[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for rel in rels:
        folder, _, name = rel.rpartition("/")
        grouped.setdefault(folder, []).append(name)
    return grouped


def _all_in_place(out: Path, files: Mapping[str, bytes], kept: set[str]) -> bool:
    """Whether the output already holds exactly these bytes and every reused file."""
    for rel, data in files.items():
        try:
            path = out / rel
            if path.stat().st_size != len(data) or path.read_bytes() != data:
                return False
        except OSError:
            return False
    return all((out / rel).is_file() for rel in kept)


def _can_stage(out: Path) -> bool:
    """A staging folder must sit on the output's filesystem, in a parent folder we may write."""
    parent = out.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        return False
    try:
        return not out.is_dir() or out.stat().st_dev == parent.stat().st_dev  # a mount point cannot be renamed
    except OSError:
        return False


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.sitegen-staging-"


def _clean_leftovers(out: Path) -> None:
    """Remove staging folders of killed builds, restoring the output first if one died mid-swap."""
    prefix = _staging_prefix(out)
    for entry in os.scandir(out.parent):
        if not entry.name.startswith(prefix) or not entry.is_dir(follow_symlinks=False):
            continue
        box = Path(entry.path)
        try:
            mark = json.loads((box / STAGING_MARK).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            mark = None
        if not isinstance(mark, dict) or mark.get("output") != str(out):
            try:
                box.rmdir()  # a build killed before it wrote its marker left an empty folder; anything else is not ours
            except OSError:
                pass
            continue
        old = box / "old"
        if not out.exists() and old.is_dir():
            os.rename(old, out)  # killed between the two renames of the fallback swap
        shutil.rmtree(box, ignore_errors=True)


def _reuse_all(out: Path, new: Path, kept: set[str]) -> None:
    """Hard-link the reused files into the new tree, folder by folder, each by its name relative to
    its folder's descriptor: at 10,000 pages, full paths cost as much as the links themselves."""
    for folder, names in _by_folder(kept).items():
        try:
            source = os.open(out / folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            source = -1
        try:
            target = os.open(new / folder, os.O_RDONLY | os.O_DIRECTORY) if source >= 0 else -1
        except OSError:
            target = -1
        try:
            for name in names:
                try:
                    if target < 0:
                        raise OSError
                    os.link(name, name, src_dir_fd=source, dst_dir_fd=target, follow_symlinks=False)
                except OSError:
                    _reuse(out, new, posixpath.join(folder, name))  # copied where links are refused
        finally:
            for fd in (source, target):
                if fd >= 0:
                    os.close(fd)


def _reuse(out: Path, new: Path, rel: str) -> None:
    current = out / rel  # checked by _check_reused, under the output's lock
    if not link_or_copy(current, new / rel, make_parent=False):
        raise OutputError(f"cannot carry {current} over into the new site")


def _write_in_place(out: Path, files: Mapping[str, bytes], reuse: set[str], previous: set[str], record: Path) -> WriteReport:
    """The output is a mount point or its parent is read-only: write file by file, each atomically.

    A kill half-way leaves a mix of old and new files; the record, marked unfinished first, claims
    every path this build may write, and the build state (unsettled by the caller) makes the next
    build redo everything, so that one writes exactly a clean build's bytes.
    """
    out.mkdir(parents=True, exist_ok=True)
    produced = set(files) | reuse
    if not record_complete(record):
        # A build died here mid-write: remove the temporary files it may have left (the names are ours).
        for rel in previous:
            with contextlib.suppress(OSError, OutputError):
                temp_name(safe_join(out, rel)).unlink(missing_ok=True)
    save_record(record, out, previous | produced, [identity(out)], complete=False)
    written = unchanged = 0
    for rel in sorted(files):
        if atomic_write(safe_join(out, rel), files[rel]):
            written += 1
        else:
            unchanged += 1
    removed = 0
    for rel in sorted(previous - produced):
        try:
            target = safe_join(out, rel)
        except OutputError:
            continue
        if is_plain_file(target):
            target.unlink()
            removed += 1
            prune_empty(target.parent, out)
    save_record(record, out, produced, [identity(out)], complete=True)
    return WriteReport(written, unchanged, removed, len(reuse))


