"""Two folder-level tools the writer builds on: a lock that lets one build at a time write an
output folder, and swapping two folders in one step."""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import sys
from pathlib import Path
from types import TracebackType
from typing import Callable

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds are not locked there
    fcntl = None  # type: ignore[assignment]

INNER_LOCK = ".sitegen-lock"  # the lock, when the output's parent folder cannot be written
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(Exception):
    """The output folder cannot be used safely; the message says why and what to do."""


class OutputLock:
    """An exclusive, non-blocking lock on one output folder; released when the process dies."""

    def __init__(self, output_dir: Path, inside: bool = False) -> None:
        self.output_dir = output_dir
        self.path = output_dir / INNER_LOCK if inside else output_dir.parent / f".{output_dir.name}.sitegen-lock"
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        if fcntl is None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                raise OutputError(
                    f"another sitegen build is writing to {self.output_dir}/ (pid {holder}); wait for it to finish, "
                    f"or stop that process; if no sitegen is running, remove {self.path} and build again"
                ) from None
            except OSError:  # a filesystem without flock (some network mounts): build unlocked rather than not at all
                os.close(fd)
                return self
            # The holder before us removes the file as it finishes; a lock on that removed file locks nothing.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self.fd = fd
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.fd is not None:
            # Removed while still held, so a build that opened it meanwhile sees it is stale and retries.
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None


def swap(new: Path, out: Path) -> Path:
    """Put `new` in place of `out`; return where the previous tree now is."""
    if not os.path.lexists(out):
        os.rename(new, out)
        return new
    if exchange(new, out):
        return new
    old = new.parent / "old"
    os.rename(out, old)  # a kill between these two renames is repaired by the next build (write._clean_leftovers)
    os.rename(new, out)
    return old


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # glibc before 2.28, musl
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders; False when the system or filesystem cannot."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))
