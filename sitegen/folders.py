"""Two folder-level tools the writer builds on: a lock that lets one build at a time write an
output folder, and swapping two folders in one step."""

from __future__ import annotations

import ctypes
import errno
import functools
import hashlib
import os
import stat
import sys
from pathlib import Path
from types import TracebackType
from typing import Callable

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds are not locked there
    fcntl = None  # type: ignore[assignment]

INNER_LOCK = ".sitegen-lock"  # where sitegen before 0.x kept its lock inside the output; removed when found
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class OutputError(Exception):
    """The output folder cannot be used safely; the message says why and what to do."""


class OutputLock:
    """An exclusive, non-blocking lock on one output folder, held for a whole build; released when
    the process dies.

    The lock is a file beside the output, opened without following symlinks (in a shared folder
    someone else may have planted a link to a file of yours there), or, when that folder cannot be
    written (a mount point in a system folder), the output folder itself, by a directory descriptor.
    """

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir
        self.path = output_dir.parent / f".{output_dir.name}.sitegen-lock"
        self.fd: int | None = None
        self.owns_file = False

    def __enter__(self) -> OutputLock:
        if fcntl is None:
            return self
        parent = self.output_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        beside = os.access(parent, os.W_OK | os.X_OK) or not self.output_dir.is_dir()
        while True:
            fd = self._open_file() if beside else self._open_folder()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() if beside else ""
                os.close(fd)
                who = f"({holder})" if holder else "(another process)"
                where = f"remove {self.path} and build again" if beside else "build again"
                raise OutputError(
                    f"another sitegen build or server is using {self.output_dir}/ {who}; wait for it to finish "
                    f"or stop that process; if no sitegen is running, {where}"
                ) from None
            except OSError:  # a filesystem without flock (some network mounts): build unlocked rather than not at all
                os.close(fd)
                return self
            if not beside:
                break
            # The holder before us removes the file as it finishes; a lock on that removed file locks nothing.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path, follow_symlinks=False))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        if beside:
            os.ftruncate(fd, 0)
            command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv[:3]))[:120]
            os.pwrite(fd, f"pid {os.getpid()}: {command}\n".encode("utf-8", "replace"), 0)
            self.owns_file = True
        self.fd = fd
        return self

    def _open_file(self) -> int:
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise OutputError(f"{self.path} is a symbolic link; sitegen never writes through one "
                                  "(someone may want it to overwrite the file it points to): remove it and build again") from None
            raise
        info = os.fstat(fd)
        if not stat_is_plain(info):
            os.close(fd)
            raise OutputError(f"{self.path} is not a plain file of yours (a hard link, or another user's); "
                              "remove it and build again")
        return fd

    def _open_folder(self) -> int:
        return os.open(self.output_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
                       | getattr(os, "O_CLOEXEC", 0))

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.fd is not None:
            if self.owns_file:
                # Removed while still held, so a build that opened it meanwhile sees it is stale and retries.
                self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None


def stat_is_plain(info: os.stat_result) -> bool:
    """A regular file with one name, owned by us: safe to truncate and write."""
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1 and info.st_uid == os.geteuid()


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


def state_folder_for(output_dir: Path, cache_dir: Path | None) -> Path:
    """Where sitegen keeps what it knows about one output folder: never inside it.

    One sub-folder of the cache folder per output folder (by its resolved path). Without a cache
    folder setting, `.sitegen-cache/` beside the output folder, or the user's cache folder when
    that one cannot be written (a mount point in a system folder).
    """
    out = output_dir.resolve()
    root = cache_dir
    if root is None:
        root = out.parent / ".sitegen-cache"
        if not os.access(out.parent, os.W_OK | os.X_OK):
            root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sitegen"
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in out.name)[:40] or "site"
    return root / f"{name}-{hashlib.blake2b(os.fsencode(out), digest_size=6).hexdigest()}"
