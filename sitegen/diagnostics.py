"""Problems found in user content: one line each, with file, line, column, message and fix."""

from __future__ import annotations

import re
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
        """One line, safe to print: nothing from a document can move the cursor or start a line."""
        text = f"{self.location()}: {self.level}: {self.message} [{self.kind}]"
        return safe_line(safe_text(f"{text} (fix: {self.fix})" if self.fix else text))

    def format_github(self, path: str | None = None) -> str:
        """A GitHub Actions workflow command, so a docs repo can lint pull requests.

        `path`: the file as the repository names it (default: as this problem names it).
        """
        command = "error" if self.level == "error" else "warning" if self.level == "warning" else "notice"
        props = [f"file={_escape_property(safe_text(path or self.path))}"]
        if self.line is not None:
            props.append(f"line={self.line}")
        if self.column is not None:
            props.append(f"col={self.column}")
        props.append(f"title={_escape_property(safe_text(self.kind))}")
        body = self.message + (f" Fix: {self.fix}" if self.fix else "")
        return f"::{command} {','.join(props)}::{_escape_data(safe_text(body))}"


# C0 and C1 controls (newlines, ESC of ANSI sequences, DEL), lone surrogates (a file name that is
# not UTF-8: printing one raises), line and paragraph separators, and bidirectional overrides
# that make a terminal show text in another order than it is.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def safe_text(text: str) -> str:
    """Text from a document, shown on one line as written but harmless: each control character
    becomes a visible escape (`\\n`, `\\x1b`, `\\u202e`), so no ANSI sequence reaches a terminal."""
    return _UNSAFE.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def safe_line(line: str) -> str:
    """A line GitHub Actions never reads as a workflow command (`::warning ...::`, `::add-mask::`)."""
    return "\\" + line if line.lstrip().startswith("::") else line


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
