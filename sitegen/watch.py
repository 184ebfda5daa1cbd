"""Watch: record which source files changed, then hand them on in one batch once the burst is over.

The watchdog callback only records a path and wakes the loop; the loop (the caller of
`Watcher.next_batch`) waits for quiet, then rebuilds. Nothing is built on watchdog's thread.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

# A read (the build opening a document) is not a change: listening to "opened" or
# "closed_no_write" would make every build trigger the next one.
_CHANGE_EVENTS = frozenset({"created", "modified", "deleted", "moved", "closed"})

# Editors write these next to the file being saved; none of them is content.
_SWAP_SUFFIX = re.compile(r"\.(sw[a-p]|swx|tmp|temp|bak|orig|crswap|part)$|~$|___jb_(tmp|old|bak)___$", re.IGNORECASE)
_SKIPPED_FOLDERS = frozenset({"__pycache__", "node_modules"})


def is_ignored(path: Path | str, output_dir: Path | None, root: Path | None = None) -> bool:
    """True for changes that must not trigger a rebuild.

    Hidden names are judged only below `root` (the watched folder), so a project that itself lives
    under a hidden folder such as ~/.local is still watched.
    """
    path = Path(path)
    if output_dir is not None and (path == output_dir or output_dir in path.parents):
        return True
    name = path.name
    if name == "4913" or _SWAP_SUFFIX.search(name) or (name.startswith("#") and name.endswith("#")):
        return True  # 4913: Vim's probe file; #foo#: Emacs auto-save
    if root is not None and (path == root or root in path.parents):
        parts = path.relative_to(root).parts
    else:
        parts = (name,)
    return any(part.startswith(".") or part in _SKIPPED_FOLDERS for part in parts)


@dataclass(frozen=True)
class WatchSpec:
    """What to watch: folders recursively, single files (the config) through their parent folder."""

    folders: tuple[Path, ...]
    files: tuple[Path, ...]
    output_dir: Path | None

    def wants(self, path: Path) -> bool:
        if path in self.files:
            return True
        if self.output_dir is not None and (path == self.output_dir or self.output_dir in path.parents):
            return False
        for folder in self.folders:
            if folder in path.parents:
                return not is_ignored(path, self.output_dir, folder)
        return False


class ChangeRecorder(FileSystemEventHandler):
    """The watchdog callback: records changed paths under a lock and wakes the loop. Nothing else."""

    def __init__(self, spec: WatchSpec) -> None:
        self.spec = spec
        self._paths: set[Path] = set()
        self._last = 0.0
        self._cond = threading.Condition()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGE_EVENTS:
            return
        if event.is_directory and event.event_type in ("modified", "closed"):
            return  # a folder is "modified" whenever a file in it is; the file's own event is enough
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        self.record(*(Path(_text(p)) for p in paths if p))

    def record(self, *paths: Path) -> None:
        wanted = [p for p in paths if self.spec.wants(p)]
        if not wanted:
            return
        with self._cond:
            self._paths.update(wanted)
            self._last = time.monotonic()
            self._cond.notify_all()

    def wake(self) -> None:
        """Let a waiting `next_batch` notice a stop request at once."""
        with self._cond:
            self._cond.notify_all()

    def next_batch(self, quiet: float, max_wait: float, stop: threading.Event,
                   timeout: float | None = None) -> list[Path] | None:
        """Block until something changed and then `quiet` seconds passed with no new change.

        A change that never goes quiet (a tool rewriting a file in a loop) is still handed on after
        `max_wait`. Returns None when `stop` is set or `timeout` passes with no change at all.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._paths:
                if stop.is_set():
                    return None
                left = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
                if left <= 0:
                    return None
                self._cond.wait(left)
            first = time.monotonic()
            while True:
                if stop.is_set():
                    return None
                now = time.monotonic()
                left = min(self._last + quiet - now, first + max_wait - now)
                if left <= 0:
                    break
                self._cond.wait(left)
            batch = sorted(self._paths)
            self._paths.clear()
            return batch


def _text(path: str | bytes) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path


def plan_watches(spec: WatchSpec) -> dict[Path, bool]:
    """The folders to hand to watchdog, each with whether to watch it recursively.

    Ignored folders (.git, the build's hidden staging folder, the output folder) are left out instead of
    watched and filtered: a build swaps whole folders there, which churns inotify and has crashed
    watchdog's reader thread. The price: a folder on the way to the output is watched one level deep,
    so a new folder created there is picked up by `Watcher.next_batch` re-planning.
    """
    plan: dict[Path, bool] = {}

    output = spec.output_dir

    def add(folder: Path, root: Path) -> None:
        children = _subfolders(folder)
        holds_output = output is not None and folder in output.parents
        if not holds_output and not any(is_ignored(c, output, root) for c in children):
            plan[folder] = True
            return
        plan.setdefault(folder, False)
        for child in children:
            if not is_ignored(child, output, root):
                add(child, root)

    for folder in spec.folders:
        if folder.is_dir():
            add(folder, folder)
    for file in spec.files:
        if file.parent.is_dir() and not any(f == file.parent or (r and f in file.parent.parents) for f, r in plan.items()):
            plan[file.parent] = False  # `WatchSpec.wants` keeps only the file itself
    return plan


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir())
    except OSError:
        return []


class Watcher:
    """A watchdog observer over a `WatchSpec`, with a debounced `next_batch`."""

    def __init__(self, spec: WatchSpec, quiet: float = 0.2, max_wait: float = 3.0) -> None:
        self.quiet = quiet
        self.max_wait = max_wait
        self.recorder = ChangeRecorder(spec)
        self._stop = threading.Event()
        self._observer: Any = None
        self._watches: dict[tuple[Path, bool], Any] = {}

    @property
    def spec(self) -> WatchSpec:
        return self.recorder.spec

    def start(self) -> Watcher:
        self._observer = Observer()
        self._observer.daemon = True
        self._watches = {}
        self._sync()
        self._observer.start()
        return self

    def restart(self, spec: WatchSpec) -> None:
        """Watch other folders (the config moved the content or theme folder); pending changes are kept."""
        if spec != self.recorder.spec:
            self.recorder.spec = spec
            self._sync()

    def next_batch(self, timeout: float | None = None) -> list[Path] | None:
        """The next debounced batch of changed paths; None on stop() or after `timeout` with no change."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._stop.is_set():
            left = 1.0 if deadline is None else min(1.0, deadline - time.monotonic())
            if left <= 0:
                return None
            batch = self.recorder.next_batch(self.quiet, self.max_wait, self._stop, left)
            if batch is not None:
                folders = [p for p in batch if p.is_dir()]
                if folders or any(not p.exists() for p in batch):
                    self._sync()  # a folder came or went: watch the new one, drop the old
                # Files written into a new folder before it was watched count as changed too.
                found = {f for d in folders for f in d.rglob("*") if f.is_file() and self.recorder.spec.wants(f)}
                return sorted(set(batch) | found)
            if not self._healthy():
                # watchdog's reader thread died (it can, on folders renamed under it): start over and
                # rebuild everything once, since changes may have been missed meanwhile.
                self._stop_observer()
                self.start()
                return list(self.recorder.spec.folders)
        return None

    def stop(self) -> None:
        self._stop.set()
        self.recorder.wake()
        self._stop_observer()

    def _sync(self) -> None:
        if self._observer is None:
            return
        wanted = set(plan_watches(self.recorder.spec).items())
        for key in list(self._watches):
            if key not in wanted:
                try:
                    self._observer.unschedule(self._watches.pop(key))
                except Exception:  # noqa: BLE001 - the folder is gone and watchdog already forgot it
                    pass
        for folder, recursive in sorted(wanted - set(self._watches)):
            try:
                self._watches[(folder, recursive)] = self._observer.schedule(self.recorder, str(folder), recursive=recursive)
            except OSError:
                pass  # removed between planning and scheduling; the next batch re-plans

    def _healthy(self) -> bool:
        observer = self._observer
        if observer is None:
            return True
        reader = getattr(observer, "_inotify_fd", None)  # watchdog's inotify reader thread, where it has one
        threads = [*observer.emitters, *([reader] if isinstance(reader, threading.Thread) else [])]
        return observer.is_alive() and all(t.is_alive() for t in threads)

    def _stop_observer(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            try:
                observer.stop()
            except Exception:  # noqa: BLE001 - watchdog's bookkeeping can trip over folders renamed under it
                pass
            observer.join(timeout=5)
