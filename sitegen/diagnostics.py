"""Problems found in user content: one line each, with file, line, column, message and fix."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Literal

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a source file; never fatal to the build on its own."""

    path: str
    line: int | None
    column: int | None
    kind: str
    message: str
    fix: str = ""
    level: Level = "warning"

    def location(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def format_text(self) -> str:
        text = f"{self.location()}: {self.level}: {self.message} [{self.kind}]"
        return f"{text} (fix: {self.fix})" if self.fix else text

    def format_github(self) -> str:
        """A GitHub Actions workflow command, so a docs repo can lint pull requests."""
        command = "error" if self.level == "error" else "warning" if self.level == "warning" else "notice"
        props = [f"file={_escape_property(self.path)}"]
        if self.line is not None:
            props.append(f"line={self.line}")
        if self.column is not None:
            props.append(f"col={self.column}")
        props.append(f"title={_escape_property(self.kind)}")
        body = self.message + (f" Fix: {self.fix}" if self.fix else "")
        return f"::{command} {','.join(props)}::{_escape_data(body)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def summarise(problems: Iterable[Problem]) -> str:
    """A summary line that counts problems by kind, most common first."""
    items = list(problems)
    if not items:
        return "no problems found"
    by_kind = Counter(p.kind for p in items)
    levels = Counter(p.level for p in items)
    kinds = ", ".join(f"{kind}: {count}" for kind, count in sorted(by_kind.items(), key=lambda kv: (-kv[1], kv[0])))
    head = ", ".join(f"{levels[lvl]} {lvl}{'s' if levels[lvl] != 1 else ''}" for lvl in ("error", "warning", "info") if levels[lvl])
    return f"{len(items)} problem{'s' if len(items) != 1 else ''} ({head}) — {kinds}"
