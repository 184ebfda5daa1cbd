"""`sitegen serve`: serve the output folder on 127.0.0.1, rebuild when sources change, reload open pages.

One loop owns rebuilding (`Preview.run`): it takes a debounced batch of changed paths from the
watcher, rebuilds, then tells the browsers. A failed rebuild leaves the last good files on disk,
so they stay served while the error is shown in the terminal and on an overlay in the page.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sitegen.arguments import config_from_args
from sitegen.build import BuildResult, build
from sitegen.config import CONFIG_NAME, SiteConfig
from sitegen.diagnostics import Problem, summarise
from sitegen.httpserver import Server, build_token, normalise_mount
from sitegen.livereload import Broadcaster, State, problem_payload
from sitegen.progress import plural
from sitegen.watch import Watcher, WatchSpec
from sitegen.write import OutputError

ConfigLoader = Callable[[], "tuple[SiteConfig, list[Problem]]"]



@dataclass(frozen=True)
class Rebuild:
    """What one rebuild did: the files that changed, the result, or the error that stopped it."""

    changed: tuple[Path, ...]
    result: BuildResult | None
    error: str
    line: str


class Preview:
    """Build, serve, watch, rebuild: everything `sitegen serve` does, startable from a test."""

    def __init__(self, config: SiteConfig, *, reload_config: ConfigLoader | None = None, host: str = "127.0.0.1",
                 port: int = 0, mount: str = "/", quiet: float = 0.2, watch_files: tuple[Path, ...] = (),
                 say: Callable[[str], None] | None = None, show_progress: bool = False, show_info: bool = False) -> None:
        self.config = config
        self.reload_config = reload_config
        self.watch_files = tuple(dict.fromkeys(f for f in (config.config_path, *watch_files) if f is not None))
        self.say = say or (lambda line: print(line, file=sys.stderr, flush=True))
        self.show_progress = show_progress
        self.show_info = show_info
        self.rebuilds: list[Rebuild] = []
        self._builds = 0
        self._problems: frozenset[Problem] = frozenset()
        self.server = Server(config.output_dir, host, port, mount, Broadcaster(build_token(0)))
        self.watcher = Watcher(self._spec(config), quiet=quiet)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def _spec(self, config: SiteConfig) -> WatchSpec:
        return WatchSpec((config.content_dir, *config.theme_dirs()), self.watch_files, config.output_dir)

    def start(self) -> Preview:
        """The first build, then serve and watch. Raises OutputError when the output folder is unsafe."""
        progress = (lambda m: self.say(f"sitegen: {m}")) if self.show_progress else (lambda m: None)
        try:
            result = build(self.config, progress)
        except OutputError:
            self.server.stop()
            raise
        except Exception as exc:  # a broken template: serve what is there, show why, wait for a fix
            self._failed((), exc, time.perf_counter())
        else:
            self._built((), result, first=True)
        self.server.start()
        self.watcher.start()
        return self

    def run(self) -> None:
        """The one loop: wait for a quiet batch of changes, rebuild, tell the browsers. Until stop()."""
        while True:
            batch = self.watcher.next_batch()
            if batch is None:
                return
            self.rebuild(batch)

    @property
    def running(self) -> bool:
        """Whether the rebuild loop started by `start_in_thread` is still going."""
        return self._thread is not None and self._thread.is_alive()

    def start_in_thread(self) -> Preview:
        self.start()
        self._thread = threading.Thread(target=self.run, name="sitegen-rebuild", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.watcher.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.server.stop()

    def rebuild(self, changed: list[Path]) -> Rebuild:
        started = time.perf_counter()
        try:
            if self.reload_config is not None and any(p in self.watch_files for p in changed):
                config, problems = self.reload_config()
                if problems:
                    self._report(problems)
                    line = (f"sitegen: {_describe(changed, self._spec(self.config))} changed: the config has errors; "
                            "still serving the last good site")
                    return self._record(Rebuild(tuple(changed), None, "config", line), problems=problems)
                self.config = config
                self.watcher.restart(self._spec(config))
                self.server.set_root(config.output_dir)
            # The state the last good build saved, kept in memory: loading it again is most of a small edit.
            result = build(self.config, kept=next((r.result.kept for r in reversed(self.rebuilds) if r.result), None))
        except Exception as exc:  # whatever went wrong, the last good files are still on disk: keep them served
            return self._failed(tuple(changed), exc, started)
        return self._built(tuple(changed), result)

    def _built(self, changed: tuple[Path, ...], result: BuildResult, first: bool = False) -> Rebuild:
        problems = result.site.problems
        self._report(problems, everything=first)
        if first:
            line = (f"sitegen: built {plural(result.pages, 'page')} ({result.written} written, {result.unchanged} unchanged, "
                    f"{result.removed} removed) in {result.seconds:.2f}s")
        else:
            rebuilt = getattr(result, "rebuilt", "") or _written(result)
            line = f"sitegen: {_describe(list(changed), self._spec(self.config))} changed -> {rebuilt} ({result.seconds:.2f}s)"
        if first or result.written or result.removed:
            self._builds += 1  # the files changed: open pages reload
        return self._record(Rebuild(changed, result, "", line), problems=problems)

    def _failed(self, changed: tuple[Path, ...], exc: Exception, started: float) -> Rebuild:
        where = _error_location(exc)
        message = f"{type(exc).__name__}: {exc}"
        if not where and not isinstance(exc, OutputError):
            self.say("".join(traceback.format_exception(exc)).rstrip())  # a sitegen bug: show where
        fix = ("fix it and save; the last good site stays served meanwhile" if where else
               "likely a bug in sitegen (traceback above); the last good site stays served meanwhile")
        problem = Problem(where or "build", None, None, "build-failed", message, fix, "error")
        self.say(problem.format_text())
        what = f"{_describe(list(changed), self._spec(self.config))} changed: " if changed else ""
        line = f"sitegen: {what}build failed ({time.perf_counter() - started:.2f}s); still serving the last good site"
        return self._record(Rebuild(changed, None, message, line), problems=(problem,))

    def _record(self, rebuild: Rebuild, problems: tuple[Problem, ...] | list[Problem]) -> Rebuild:
        self.say(rebuild.line)
        self.rebuilds.append(rebuild)
        self.server.events.publish(State(build_token(self._builds), tuple(problem_payload(problems))))
        return rebuild

    def _report(self, problems: tuple[Problem, ...] | list[Problem], everything: bool = False) -> None:
        """Errors every time (until fixed); warnings the first time and when new, so a rebuild stays short."""
        for p in problems:
            if p.level == "info" and not self.show_info:
                continue
            if everything or p.level == "error" or p not in self._problems:
                self.say(p.format_text())
        if everything and problems:
            self.say(f"sitegen: {summarise(problems)}")
        self._problems = frozenset(problems)


def _written(result: BuildResult) -> str:
    if not result.written and not result.removed:
        return "output unchanged"
    text = f"{result.written} file{'s' if result.written != 1 else ''} written"
    return text + (f", {result.removed} removed" if result.removed else "")


def _describe(changed: list[Path], spec: WatchSpec) -> str:
    """`a.md`, `a.md, b.md` or `12 files`: names, shown relative to the folder being watched."""
    if len(changed) > 3:
        return f"{len(changed)} files"
    names = []
    for path in changed:
        base = next((f for f in (*spec.folders, Path.cwd()) if f in path.parents), None)
        names.append(path.relative_to(base).as_posix() if base else path.name)
    return ", ".join(names) or "nothing"


def _error_location(exc: Exception) -> str:
    """FILE:LINE for errors that know it (a Jinja template syntax error does)."""
    filename = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None)
    if not isinstance(filename, str) or not filename:
        return ""
    return f"{filename}:{line}" if isinstance(line, int) else filename




def run_serve(config: SiteConfig, args: argparse.Namespace) -> int:
    try:
        mount = normalise_mount(args.mount)
    except ValueError as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 2
    # Without --config, a sitegen.yml created in the working folder is picked up at the next change.
    extra = (Path.cwd() / CONFIG_NAME,) if args.config is None else ()
    try:
        preview = Preview(config, reload_config=lambda: config_from_args(args), host=args.host, port=args.port,
                          mount=mount, watch_files=extra, show_progress=not args.quiet, show_info=args.show_info)
    except OSError as exc:
        print(f"sitegen: error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc} "
              f"(fix: choose another port with -p N, or -p 0 for any free port)", file=sys.stderr)
        return 2
    # Ctrl-C and `kill` (a container's stop) only note the request. Raising KeyboardInterrupt from
    # the handler could land inside a lock's wait in the rebuild loop and leave the lock taken, so
    # that stopping then hung; the loop runs in its own thread and this one only sleeps.
    requested: list[int] = []
    try:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda number, frame: requested.append(number))
    except ValueError:  # not the main thread: leave signals alone
        pass
    try:
        preview.start_in_thread()
        print(f"sitegen: serving {preview.url}  (watching {config.content_dir}; Ctrl-C to stop)", file=sys.stderr, flush=True)
        if args.open:
            webbrowser.open(preview.url)
        while not requested and preview.running:
            time.sleep(0.2)
        print("sitegen: stopping", file=sys.stderr)
    except OutputError as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # signals left alone (not the main thread): Ctrl-C still stops
        print("sitegen: stopping", file=sys.stderr)
    finally:
        preview.stop()
    return 0
