"""Stage: write the output folder atomically, never outside it, never deleting what sitegen did not write.

A build is written into a staging folder beside the output (same filesystem): files whose bytes
did not change are hard-linked from the current output, new bytes are written, files sitegen did
not write (a user's CNAME) are carried over, and then the staging tree and the output swap places
in one step (`renameat2(RENAME_EXCHANGE)` on Linux, two renames elsewhere). A build killed at any
moment therefore leaves the previous site complete; what it left behind is recognised by a marker
file and removed by the next build. The record of which files sitegen wrote lives outside the
output (in the build's state folder), so the published folder holds the site and nothing else.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from sitegen.files import (atomic_write, check_rel, is_plain_file, link_or_copy, prune_empty, safe_join,  # noqa: F401
                           same_bytes, temp_name, write_new)  # atomic_write, safe_join, temp_name: callers import them from here
from sitegen.folders import INNER_LOCK, OutputError, OutputLock, state_folder_for, swap  # noqa: F401 - OutputLock: re-exported

RECORD = "manifest.json"  # in the state folder: which files of the output sitegen wrote
LEGACY_MANIFEST = ".sitegen-manifest.json"  # where sitegen kept that record inside the site before
LEGACY_CACHE = ".sitegen-cache"
STAGING_MARK = ".sitegen-staging"  # inside a staging folder: proves sitegen made it, so it may be deleted


@dataclass(frozen=True)
class WriteReport:
    written: int  # paths of `files` whose bytes changed (or are new)
    unchanged: int  # paths of `files` whose bytes the output already held
    removed: int  # paths of the previous build produced no more
    reused: int = 0  # `reuse` paths carried over as they were


def default_record(output_dir: Path) -> Path:
    return state_folder_for(output_dir, None) / RECORD


def check_output_dir(output_dir: Path, content_dir: Path, record: Path | None = None) -> None:
    """Refuse output folders that would lose a user's files, overwrite the sources, or hold the cache."""
    out, content = output_dir.resolve(), content_dir.resolve()
    record = record or default_record(out)
    if out == content or out in content.parents:
        raise OutputError(f"output folder {out} contains the content folder {content}; choose another output folder (-o)")
    if out == Path(out.anchor) or out == Path.home():
        raise OutputError(f"refusing to write a site into {out}; choose an empty folder (-o)")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out} exists and is not a folder")
    state = record.parent.resolve()
    # Inside the content folder it would be read as content, unless hidden (discovery skips those).
    visible_in_content = content in state.parents and not any(
        part.startswith(".") for part in state.relative_to(content).parts)
    if out == state or out in state.parents or visible_in_content:
        raise OutputError(f"the cache folder {state.parent} is inside the {'output' if out in state.parents else 'content'} "
                          "folder; set `cache_dir` in sitegen.yml to a folder outside both")
    if out.is_dir() and previous_files(out, record) is None and any(out.iterdir()):
        raise OutputError(
            f"output folder {out} is not empty and was not written by sitegen (or its record in {record.parent} "
            "is gone); sitegen never deletes files it did not write: empty it yourself or choose another folder (-o)"
        )


def _identity(folder: Path) -> list[int]:
    info = folder.stat()
    return [info.st_dev, info.st_ino]


def previous_files(out: Path, record: Path) -> set[str] | None:
    """The files of `out` sitegen wrote, from its record; None when there is no record for this very folder.

    The record lives outside the output, so it names the folder it describes (path, device and
    inode): a folder a user put in the place of a deleted site is not mistaken for sitegen's.
    """
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        files = data["files"]
        if (data.get("output") == str(out) and isinstance(files, list)
                and (not out.is_dir() or _identity(out) in data["folders"])):
            return {str(p) for p in files}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return _legacy_files(out)


def _legacy_files(out: Path) -> set[str] | None:
    """A site written by an older sitegen holds its manifest and cache: its files, and those, are ours."""
    try:
        data = json.loads((out / LEGACY_MANIFEST).read_text(encoding="utf-8"))
        files = {str(p) for p in data["files"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    cache = out / LEGACY_CACHE
    own = {p.relative_to(out).as_posix() for p in cache.rglob("*") if p.is_file()} if cache.is_dir() else set()
    return files | own | {LEGACY_MANIFEST, INNER_LOCK}


def _save_record(record: Path, out: Path, files: Iterable[str], folders: list[list[int]], complete: bool) -> None:
    data = {"generator": "sitegen", "output": str(out), "folders": folders, "complete": complete, "files": sorted(files)}
    atomic_write(record, json.dumps(data, indent=0).encode("utf-8"))


def _record_complete(record: Path) -> bool:
    try:
        return json.loads(record.read_text(encoding="utf-8")).get("complete") is True
    except (OSError, ValueError, AttributeError):
        return False


def write_output(output_dir: Path, files: Mapping[str, bytes], reuse: Iterable[str] = (),
                 record: Path | None = None) -> WriteReport:
    """Replace the site in `output_dir` by `files` plus the `reuse` paths carried over from the current one.

    `files` are (re)written with these bytes; `reuse` are paths of the previous build whose bytes are
    unchanged; any path in the previous record that is in neither is removed. Files sitegen did not
    write are carried over untouched. The caller holds the output's lock (folders.OutputLock).

    `record` (outside the output) lists the files sitegen wrote. Before anything is written it is
    extended by every path this build may write and marked unfinished, so a build killed half-way
    leaves no file of sitegen's that the next build would take for a user's.
    """
    out = output_dir.resolve()  # a symlinked output folder: update where it points, keep the link
    record = record or default_record(out)
    kept = set(reuse) - set(files)
    for rel in [*files, *kept]:
        check_rel(rel)
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = _can_stage(out)
    if staged:
        _clean_leftovers(out)
    previous = previous_files(out, record) if out.is_dir() else set()
    if previous is None:
        if any(out.iterdir()):
            raise OutputError(f"output folder {out} is not empty and was not written by sitegen; "
                              "empty it yourself or choose another folder (-o)")
        previous = set()
    produced = set(files) | kept
    if previous == produced and _record_complete(record) and _all_in_place(out, files, kept):
        # Nothing new, nothing gone: staging and swapping a whole site would only cost time.
        return WriteReport(written=0, unchanged=len(files), removed=0, reused=len(kept))
    for rel in sorted(files):
        if rel not in previous and os.path.lexists(out / rel):
            raise OutputError(f"{out / rel} was not written by sitegen, but the new site needs that path; "
                              "move the file elsewhere and build again (sitegen never overwrites files it did not write)")
    _check_reused(out, kept)
    if staged:
        return _write_staged(out, files, kept, previous, record)
    return _write_in_place(out, files, kept, previous, record)


def _check_reused(out: Path, kept: set[str]) -> None:
    """Every reused file is a plain file of the output, in a folder that resolves inside it.

    Each folder is resolved once, not each file (a symlink among the folders could lead out of the
    site); the file itself must not be a symlink. At 10,000 pages the per-file resolve was a tenth
    of a one-document edit.
    """
    if not kept:
        return
    if not out.is_dir():
        rel = min(kept)
        raise OutputError(f"{out / rel} should be reused from the previous build but is missing; build again with --force")
    inside: dict[str, bool] = {}
    root = out.resolve()
    for rel in sorted(kept):
        folder = posixpath.dirname(rel)
        if folder not in inside:
            resolved = (out / folder).resolve() if folder else root
            inside[folder] = resolved == root or root in resolved.parents
        if not inside[folder]:
            raise OutputError(f"refusing to write outside the output folder: {rel!r}")
        if not is_plain_file(out / rel):
            raise OutputError(f"{out / rel} should be reused from the previous build but is missing; "
                              "build again with --force")


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


def _write_staged(out: Path, files: Mapping[str, bytes], reuse: set[str], previous: set[str], record: Path) -> WriteReport:
    box = Path(tempfile.mkdtemp(prefix=_staging_prefix(out), dir=out.parent))
    disposable = True
    produced = set(files) | reuse
    try:
        (box / STAGING_MARK).write_text(json.dumps({"output": str(out), "pid": os.getpid()}), encoding="utf-8")
        new = box / "new"
        new.mkdir()
        if out.is_dir():
            os.chmod(new, stat.S_IMODE(out.stat().st_mode))
        # Before the swap the output is the old tree, after it the new one: the record vouches for both.
        before = [_identity(out)] if out.is_dir() else []
        _save_record(record, out, previous | produced, [*before, _identity(new)], complete=False)
        written = unchanged = 0
        # `new` is our own fresh folder and every name was checked by check_rel, so no symlink can
        # stand in the way: plain joins, and each folder made once, keep this fast for big sites.
        for folder in sorted({posixpath.dirname(rel) for rel in [*files, *reuse]} - {""}):
            (new / folder).mkdir(parents=True, exist_ok=True)
        for rel in sorted(files):
            target = new / rel
            current = out / rel
            if same_bytes(current, files[rel]) and link_or_copy(current, target, make_parent=False):
                unchanged += 1
            else:
                write_new(target, files[rel], make_parent=False)
                written += 1
        for rel in sorted(reuse):
            _reuse(out, new, rel)
        _carry_foreign(out, new, previous)
        removed = sum(1 for rel in previous - produced if is_plain_file(out / rel))
        identity = _identity(new)
        old = swap(new, out)
        _save_record(record, out, produced, [identity], complete=True)
        if not _rescue_late_files(old, out, previous | produced):
            disposable = False
            (box / STAGING_MARK).unlink()  # it holds a user's file: never removed automatically
    finally:
        if disposable:
            shutil.rmtree(box, ignore_errors=True)
    return WriteReport(written, unchanged, removed, len(reuse))


def _reuse(out: Path, new: Path, rel: str) -> None:
    current = out / rel  # checked by _check_reused, under the output's lock
    if not link_or_copy(current, new / rel, make_parent=False):
        raise OutputError(f"cannot carry {current} over into the new site")


def _carry_foreign(out: Path, new: Path, previous: set[str]) -> None:
    """Hard-link every file sitegen did not write into the new tree, so nothing of the user's is lost.

    A user's file where the new site puts one of its own is an error: neither may be dropped.
    """
    if not out.is_dir():
        return
    for current, dirnames, filenames in os.walk(out):
        here = Path(current)
        rel_dir = here.relative_to(out).as_posix()
        links = [d for d in dirnames if (here / d).is_symlink()]  # a user's link to a folder: carry the link
        dirnames[:] = [d for d in dirnames if d not in links]
        if rel_dir != "." and not dirnames and not filenames and not links:
            (new / rel_dir).mkdir(parents=True, exist_ok=True)  # a user's empty folder
        for name in [*filenames, *links]:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if rel in previous:
                continue
            target = new / rel
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                clash = os.path.lexists(target)
            except (FileExistsError, NotADirectoryError):
                clash = True
            if clash or not link_or_copy(here / name, target):
                raise OutputError(f"{here / name} was not written by sitegen, but the new site needs that path; "
                                  "move the file elsewhere and build again (sitegen never overwrites files it did not write)")


def _rescue_late_files(old: Path, out: Path, ours: set[str]) -> bool:
    """Move into the output any file a user added to it while this build ran; False if one could not be."""
    rescued = True
    for current, dirnames, filenames in os.walk(old):
        here = Path(current)
        rel_dir = here.relative_to(old).as_posix()
        for name in [*filenames, *(d for d in dirnames if (here / d).is_symlink())]:
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if rel in ours or os.path.lexists(out / rel):
                continue  # sitegen's, or carried over before the swap: this copy may go
            try:
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                os.rename(here / name, out / rel)
            except OSError:
                rescued = False
    return rescued


def _write_in_place(out: Path, files: Mapping[str, bytes], reuse: set[str], previous: set[str], record: Path) -> WriteReport:
    """The output is a mount point or its parent is read-only: write file by file, each atomically.

    A kill half-way leaves a mix of old and new files; the record, marked unfinished first, claims
    every path this build may write, and the build state (unsettled by the caller) makes the next
    build redo everything, so that one writes exactly a clean build's bytes.
    """
    out.mkdir(parents=True, exist_ok=True)
    produced = set(files) | reuse
    if not _record_complete(record):
        # A build died here mid-write: remove the temporary files it may have left (the names are ours).
        for rel in previous:
            with contextlib.suppress(OSError, OutputError):
                temp_name(safe_join(out, rel)).unlink(missing_ok=True)
    _save_record(record, out, previous | produced, [_identity(out)], complete=False)
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
    _save_record(record, out, produced, [_identity(out)], complete=True)
    return WriteReport(written, unchanged, removed, len(reuse))


