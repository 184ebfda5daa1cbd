"""What a command tells the person running it while it works: notes, and a bar per long stage.

On a terminal each stage (reading, rendering, writing pages) shows a live tqdm bar with count,
rate and time left; in a log (output not a terminal, or `CI` set) plain lines, one per stage;
with --quiet nothing. tqdm, not hand-made `\\r` lines: it measures rate and ETA, redraws at a
sensible pace and keeps notes printed meanwhile from tearing the bar.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Protocol, TextIO

Note = Callable[[str], None]


class Stage(Protocol):
    def advance(self, count: int) -> None: ...

    def close(self) -> None: ...


class _NoStage:
    def advance(self, count: int) -> None:
        pass

    def close(self) -> None:
        pass


def stage(progress: Note, name: str, total: int, unit: str = "document") -> Stage:
    """A stage of `total` items: a bar when `progress` draws them; a plain note-taker draws none."""
    start = getattr(progress, "stage", None)
    return start(name, total, unit) if start is not None else _NoStage()


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 document`, `2 documents`, `0 documents`; `many` for nouns whose plural is not noun + s."""
    return f"{count:,} {noun if count == 1 else (many or noun + 's')}"


class Lines:
    """Plain `sitegen: ...` lines: for logs, and what a terminal shows between bars."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    def __call__(self, message: str) -> None:
        print(f"sitegen: {message}", file=self.stream, flush=True)

    def stage(self, name: str, total: int, unit: str) -> Stage:
        if total:
            self(f"{name} {plural(total, unit)}")
        return _NoStage()


class Bars(Lines):
    """A live bar per stage on a terminal, cleared when the stage ends (its note says the result)."""

    def __call__(self, message: str) -> None:
        from tqdm import tqdm

        tqdm.write(f"sitegen: {message}", file=self.stream)

    def stage(self, name: str, total: int, unit: str) -> Stage:
        from tqdm import tqdm

        if not total:
            return _NoStage()
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (OSError, ValueError):
            columns = 0
        # A terminal that reports no width (some pseudo-terminals) would get an empty bar.
        width: dict[str, Any] = {"dynamic_ncols": True} if columns else {"ncols": 80}
        # tqdm's own defaults otherwise (redrawn at most ten times a second); TQDM_* variables tune them.
        bar: Any = tqdm(total=total, desc=f"sitegen: {name}", unit=f" {unit}s", file=self.stream, leave=False, **width)
        return _Bar(bar)


class _Bar:
    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def advance(self, count: int) -> None:
        self.bar.update(count)

    def close(self) -> None:
        self.bar.close()


def _quiet(message: str) -> None:
    pass


def reporter(quiet: bool, stream: TextIO | None = None) -> Note:
    """The progress a command shows: nothing, plain lines, or bars on an interactive terminal."""
    if quiet:
        return _quiet
    stream = stream or sys.stderr
    interactive = stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
    return Bars(stream) if interactive else Lines(stream)
