"""Markdown structure without rendering: headings outside code fences, and the text under them."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")


@dataclass(frozen=True)
class Section:
    level: int  # 0 for the text before the first heading
    title: str
    line: int  # 1-based line of the heading within the body
    text: str  # the lines under the heading, up to the next heading of any level


def split_sections(body: str) -> list[Section]:
    """Split a Markdown body at ATX headings, ignoring `#` lines inside fenced code."""
    sections: list[Section] = []
    level, title, start, lines = 0, "", 1, []
    fence: str | None = None
    for number, line in enumerate(body.split("\n"), start=1):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker
            elif marker[0] == fence[0] and len(marker) >= len(fence) and not line.strip()[len(marker):].strip():
                fence = None
            lines.append(line)
            continue
        heading = _HEADING.match(line) if fence is None else None
        if heading:
            sections.append(Section(level, title, start, "\n".join(lines)))
            level, title, start, lines = len(heading.group(1)), heading.group(2).strip(), number, []
        else:
            lines.append(line)
    sections.append(Section(level, title, start, "\n".join(lines)))
    return sections if sections[0].text.strip() or sections[0].level else sections[1:]


def first_heading(body: str, level: int = 1) -> Section | None:
    return next((s for s in split_sections(body) if s.level == level), None)


_MD_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])"), r"\1"),
]  # HTML-like text (`in <module>`, `<script>`) is kept: it is shown escaped, as the author wrote it


def plain_inline(text: str) -> str:
    """Markdown inline markup reduced to the words a reader sees."""
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return " ".join(text.split())


def first_paragraph(text: str) -> str:
    """The first prose paragraph of a section: not code, not a table, not a heading, list items allowed."""
    paragraph: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        stripped = line.strip()
        fence_match = _FENCE.match(line)
        if fence_match:
            if paragraph:
                break
            fence = None if fence else fence_match.group(1)
            continue
        if fence:
            continue
        if not stripped or stripped.startswith("|") or stripped.startswith(">"):
            if paragraph:
                break
            continue
        paragraph.append(re.sub(r"^([-*+]|\d+[.)])\s+", "", stripped))
    return plain_inline(" ".join(paragraph))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(\[])")


def first_sentence(text: str, limit: int = 240) -> str:
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0].strip()
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    return sentence
