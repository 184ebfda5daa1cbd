"""File primitives of the write stage: paths that stay inside the output, atomic writes, links, and
carrying a user's files from the old tree to the new one.

Split from write.py, which decides what to write where (staged and swapped, or in place).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sitegen.folders import OutputError


def safe_join(root: Path, rel: str) -> Path:
    """`root / rel`, refusing any path that would land outside `root`."""
    check_rel(rel)
    path = root / rel
    if root.resolve() not in path.resolve().parents:
        raise OutputError(f"refusing to write outside the output folder: {rel!r}")
    return path


def check_rel(rel: str) -> None:
    if (not rel or rel.startswith(("/", "\\")) or "\\" in rel or "\x00" in rel
            or any(part in ("..", "", ".") for part in rel.split("/"))):
        raise OutputError(f"refusing to write outside the output folder: {rel!r}")


def temp_name(path: Path) -> Path:
    """The temporary file `atomic_write` writes `path` through: one known name, so what a killed
    build left behind is recognised (from the record of what sitegen writes) and removed."""
    return path.with_name(f".{path.name}.sitegen-tmp")


def atomic_write(path: Path, data: bytes) -> bool:
    """Write bytes via a temporary file and `os.replace`; return False when the file already held them.

    Callers hold the output's lock, so no other sitegen writes the same temporary name meanwhile.
    """
    if same_bytes(path, data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


def write_new(path: Path, data: bytes, make_parent: bool = True) -> None:
    """Write a file that does not exist yet; the staging tree is private, so no temporary file is needed."""
    if make_parent:
        path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(data)
    os.chmod(path, 0o644)


def link_or_copy(source: Path, target: Path, make_parent: bool = True) -> bool:
    """Hard-link (cheap, keeps the mtime); copy where links are refused. False if neither works."""
    if make_parent:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target, follow_symlinks=False)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass
    try:
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)
        return True
    except OSError:
        return False


def same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.is_file() and not path.is_symlink() and path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def is_plain_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def prune_empty(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def carry_foreign(out: Path, new: Path, previous: set[str]) -> None:
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


def rescue_late_files(old: Path, out: Path, ours: set[str]) -> bool:
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
