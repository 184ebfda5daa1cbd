"""Stage helper: what a Markdown body says about itself when front matter does not (or is missing).

Reads the body's outline (sections.py), made from its one parse, never the Markdown lines again.

Reads bold and bullet metadata lines (`**Severity:** High`, `- Date: 2025-01-02`), metadata
sections (`## Severity`), symptoms and error messages, the problem sections of long guides, a
"Quick Reference" error table, template placeholders and how much of the page is links to other
documents. Values come back as written; normalise folds them exactly as it folds front matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from sitegen.diagnostics import Problem
from sitegen.document import ProblemSection, QuickReferenceRow
from sitegen.guides import (ERROR_HEADING, SYMPTOM_HEADING, lead, list_items, name_of, problem_sections, quick_reference,
                            subtree_blocks)
from sitegen.parse import Parsed
from sitegen.sections import (Block, Section, code_blocks, first_paragraph, first_sentence, outline, plain_inline,
                              read_outline)


class Guarded:
    """A regular expression that only text holding one of a few strings can match: other text
    (most lines of a body) is answered without running it. Same answers as the bare expression."""

    __slots__ = ("regex", "needles")

    def __init__(self, regex: re.Pattern[str], needles: tuple[str, ...]) -> None:
        self.regex = regex
        self.needles = needles

    def search(self, text: str) -> re.Match[str] | None:
        for needle in self.needles:
            if needle in text:
                return self.regex.search(text)
        return None

    def fullmatch(self, text: str) -> re.Match[str] | None:
        for needle in self.needles:
            if needle in text:
                return self.regex.fullmatch(text)
        return None


# Every template placeholder holds a bracket, a brace or the date pattern (see the expressions).
PLACEHOLDER_NEEDLES = ("[", "{", "YYYY-MM-DD")

# Body metadata keys (folded to lower case, single spaces) and the field they fill.
BODY_KEYS: Mapping[str, str] = MappingProxyType({
    "severity": "severity", "priority": "severity",
    "date": "date", "date encountered": "date", "date solved": "date", "date resolved": "date", "date fixed": "date",
    "created": "created", "created on": "created", "date created": "created",
    "last updated": "updated", "updated": "updated",
    "component": "component", "components": "component", "module": "module",
    "tags": "tags", "tag": "tags", "keywords": "tags", "categories": "tags", "category": "tags",
    "problem type": "problem_type", "root cause category": "root_cause",
    "symptom": "symptoms", "symptoms": "symptoms", "error message": "symptoms",
})
# Sections whose first line is a value, not prose: `## Severity` followed by `High`.
SECTION_KEYS: Mapping[str, str] = MappingProxyType({
    "severity": "severity", "priority": "severity", "date": "date", "categories": "tags", "category": "tags",
    "tags": "tags", "keywords": "tags", "component": "component", "components": "component",
})
_DATE_RANK = ("date", "created", "updated")  # an explicit date beats a creation date beats an update
_MAX_SYMPTOMS = 10
_MAX_MESSAGE = 300

_BOLD_META = re.compile(r"^\s{0,3}(?:[-*+]\s+)?\*\*(?P<key>[A-Za-z][A-Za-z /]{1,30}?)\s*(?::\*\*|\*\*\s*:)\s*(?P<value>.*?)\s*$")
_PLAIN_META = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]{1,30}?):\s+(?P<value>.+?)\s*$")
_LABEL_PREFIX = re.compile(r"^(?:error )?messages?\s*:\s*(?=\S)", re.I)
_INLINE_CODE = re.compile(r"`+[^`]*`+")
# A value written as a bracketed list (`[api, json]`, `[cache]`) is a list, not a placeholder.
LIST_LITERAL = r"\[\s*(?:[a-z0-9][\w.\-]*|[\w.\-]+(?:\s+[\w.\-]+){0,2}(?:\s*,\s*[\w.\-]+(?:\s+[\w.\-]+){0,2})+)\s*\]"
# A template's placeholder: a line that is only `[Describe the thing]`, `{DATE}`, `YYYY-MM-DD`, `[Your name]`.
BODY_PLACEHOLDER = Guarded(re.compile(
    r"^\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)?(?:\*\*[^*]+\*\*:?\s*|[A-Z][\w ]{0,30}:\s+)?(?!" + LIST_LITERAL + r"\s*$)\[[^\]\[]{3,}\]\s*$"
    r"|(?<!\$)\{[A-Z][A-Z0-9_]{2,}\}|\bYYYY-MM-DD\b|\[(?i:your|brief|short|clear|describe|e\.g\.|one paragraph|name of)\b[^\]]*\](?!\()"
), PLACEHOLDER_NEEDLES)
_EXCEPTION = re.compile(
    r"^(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)\b:?"
    r"|^[A-Z][A-Za-z0-9_.]+: \S")
_LOG_ERROR = re.compile(r"\b(?:ERROR|FATAL|CRITICAL)\b[: ]|^E\s{2,}\S|^(?:error|fatal|panic)(?:\[\w+\])?:|\bFAILED\b")
_TRACEBACK_NOISE = ("Traceback (most recent call last)", "During handling of the above exception",
                    "The above exception was the direct cause")
# Section titles whose first sentence sums up a fix, when the front matter has no `summary`.
SOLUTION_TITLES = frozenset({"solution", "the fix", "fix", "resolution", "how we fixed it", "solution implemented",
                             "working solution"})
CODE_LANGS = frozenset({"python", "py", "javascript", "js", "typescript", "ts", "yaml", "yml", "json", "toml", "ini",
                        "sql", "html", "css", "go", "rust", "java", "c", "cpp", "ruby", "dockerfile", "makefile"})


@dataclass(frozen=True)
class BodyFacts:
    """What the body says about the document, with file lines for every value."""

    meta: Mapping[str, Any] = field(default_factory=dict)  # field -> value as written in the body
    meta_lines: Mapping[str, int] = field(default_factory=dict)  # field -> line in the source file
    symptoms: tuple[str, ...] = ()
    symptoms_line: int | None = None
    sections: tuple[ProblemSection, ...] = ()
    quick_reference: tuple[QuickReferenceRow, ...] = ()
    placeholder_lines: tuple[int, ...] = ()  # file lines holding template placeholders
    doc_link_lines: int = 0  # lines that link to other documents of the folder
    content_lines: int = 0  # non-blank lines outside code, not headings
    title: str = ""  # the first H1 (ATX or setext), as plain text
    title_line: int | None = None  # its line in the source file
    solution: str = ""  # the first sentence of the Solution section

    @property
    def looks_like_index(self) -> bool:
        """Mostly links to other documents: an overview or index page rather than a solution."""
        return self.doc_link_lines >= 5 and self.doc_link_lines >= 0.35 * max(self.content_lines, 1)


def extract(body: str, body_line: int, rel: str, raw_html: bool = True,
            parsed: Parsed | None = None) -> tuple[BodyFacts, list[Problem]]:
    """Read metadata, symptoms, guide sections and quick-reference rows out of a Markdown body.

    `raw_html`: parse as the renderer will (False under `raw_html: escape`), so anchors agree.
    `parsed`: the body's tokens when the caller has parsed it already (the build renders the same
    tokens afterwards: one parse per document); they are only read here.
    """
    sections = outline(parsed) if parsed is not None else read_outline(body, raw_html)
    guide, covered = problem_sections(sections, error_lines, lambda blocks: [text for text, _ in stated_errors(blocks)])
    qr_rows = quick_reference([b for s in sections for b in s.blocks if b.kind == "table"])

    meta: dict[str, Any] = {}
    meta_lines: dict[str, int] = {}
    symptoms: list[str] = []
    symptoms_line: int | None = None

    def found(name: str, value: str, line: int) -> None:
        nonlocal symptoms_line
        value = value.strip()
        if not value:
            return
        if name == "symptoms":
            symptoms.append(plain_inline(value))
            symptoms_line = symptoms_line or line
        elif name not in meta:
            meta[name] = value
            meta_lines[name] = line

    placeholders, links, content = _scan(sections, body_line, found)

    for i, section in enumerate(sections):
        if section.level == 0 or i in covered:
            continue
        name = name_of(section).casefold()
        line = body_line + section.line - 1
        if name in SECTION_KEYS:
            value = lead(section.blocks) if SECTION_KEYS[name] in ("severity", "date") else _first_line(section.blocks)
            found(SECTION_KEYS[name], value, line)
        elif SYMPTOM_HEADING.match(name) or ERROR_HEADING.match(name):
            blocks = subtree_blocks(sections, i)
            if SYMPTOM_HEADING.match(name):
                taken = list_items(blocks) or error_lines(blocks) or [lead(blocks)]
            else:
                taken = error_lines(blocks) or list_items(blocks) or [lead(blocks)]
            taken = [t for t in taken if t and not BODY_PLACEHOLDER.search(t)]
            if taken and symptoms_line is None:
                symptoms_line = line
            symptoms.extend(taken)

    # Then the errors written anywhere else in the body (a guide's problems keep their own).
    body_errors = [e for i, section in enumerate(sections) if i not in covered for e in stated_errors(section.blocks)]
    if body_errors and symptoms_line is None:
        symptoms_line = body_line + min(line for _, line in body_errors) - 1
    symptoms.extend(text for text, _ in body_errors)

    date_key = next((k for k in _DATE_RANK if k in meta), None)
    if date_key and date_key != "date":
        meta["date"], meta_lines["date"] = meta[date_key], meta_lines[date_key]
    for key in ("created", "updated"):
        meta.pop(key, None)
        meta_lines.pop(key, None)
    # `Error message: X` beside `X` is one symptom, not two.
    clean = list(dict.fromkeys(_clip(_LABEL_PREFIX.sub("", s)) for s in symptoms if s))
    title = next((s for s in sections if s.level == 1), None)
    facts = BodyFacts(
        meta=MappingProxyType(meta), meta_lines=MappingProxyType(meta_lines),
        symptoms=tuple(clean[:_MAX_SYMPTOMS]), symptoms_line=symptoms_line,
        sections=tuple(guide), quick_reference=tuple(qr_rows),
        placeholder_lines=tuple(placeholders), doc_link_lines=links, content_lines=content,
        title=title.title if title else "", title_line=body_line + title.line - 1 if title else None,
        solution=_solution(sections),
    )
    return facts, []


def _scan(sections: list[Section], body_line: int, found: Any) -> tuple[list[int], int, int]:
    """One pass over the prose: metadata lines, placeholders, links to other documents."""
    placeholders: list[int] = []
    link_lines: set[int] = set()
    content = 0
    before_first_section = True
    for section in sections:
        if section.level:
            before_first_section = before_first_section and section.level != 2
            title = _INLINE_CODE.sub("", section.source)
            if BODY_PLACEHOLDER.search(title) or re.search(r"\[[^\]]*\b(?i:title|name)\](?!\()", title):
                placeholders.append(body_line + section.line - 1)
        for block in section.blocks:
            if block.kind == "code":
                continue
            link_lines.update(block.doc_links)
            if block.kind == "table":
                content += len(block.rows)
                placeholders.extend(body_line + row.line - 1 for row in block.rows
                                    if any(BODY_PLACEHOLDER.search(cell.text) for cell in row.cells))
                continue
            for line, source in block.lines:
                if not source.strip():
                    continue
                content += 1
                number = body_line + line - 1
                # `${HOME}` in code is no placeholder
                if BODY_PLACEHOLDER.search(_INLINE_CODE.sub("", source) if "`" in source else source):
                    placeholders.append(number)
                if block.kind not in ("paragraph", "list"):
                    continue
                match = _BOLD_META.match(source) or (
                    _PLAIN_META.match(source) if before_first_section or block.kind == "list" else None)
                if match:
                    key = " ".join(match.group("key").casefold().split())
                    if key in BODY_KEYS:
                        found(BODY_KEYS[key], plain_inline(match.group("value")), number)
    return sorted(set(placeholders)), len(link_lines), content


def _first_line(blocks: tuple[Block, ...]) -> str:
    for block in blocks:
        if block.lines:
            return plain_inline(block.lines[0][1])
        if block.text:
            return block.text.split("\n", 1)[0].strip()
    return ""


def _solution(sections: list[Section]) -> str:
    """The first sentence of the Solution section, the summary when the front matter gives none."""
    for section in sections:
        name = section.title.casefold().strip(" :")
        if section.level and (name in SOLUTION_TITLES or name.startswith("solution")):
            text = first_paragraph(section.blocks)
            if text:
                return first_sentence(text)
    return ""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1].rsplit(" ", 1)[0] + "…"


def error_lines(blocks: Sequence[Block] | str) -> list[str]:
    """The meaningful error line(s) of the code blocks of a section: the exception, not the stack.

    Takes a section's blocks, or (for a quick look) a Markdown text, parsed here.
    """
    if isinstance(blocks, str):
        blocks = [b for _, b in code_blocks(read_outline(blocks))]
    out: list[str] = []
    for code in (c for block in blocks for c in block.code_blocks()):
        if code.info != "mermaid":
            out.extend(_block_errors(code.text.split("\n"), code.info))
    return list(dict.fromkeys(_clip(line) for line in out))


# An error as a program prints it, where the body shows one outside an error section: a
# `SomethingError: message` line (also after a `#` or `//` comment marker in code), or a line
# opening with `Error:`, `Exception:`, `ERROR`, `FATAL`. Stricter than under an error heading:
# here a code line that merely names an exception (`except KeyError:`) must not count.
_STATED_ERROR = re.compile(
    r"(?:^|(?<=#\s)|(?<=//\s)|(?<=^E\s\s\s))(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Fault)\b: +\S.*"
    r"|^(?:Error|ERROR|Exception|FATAL|Fatal|error|fatal)(?:\[\w+\])?: +\S.*")


def stated_errors(blocks: Sequence[Block]) -> list[tuple[str, int]]:
    """The error messages shown in blocks outside error sections, with their body lines.

    Code blocks give their printed errors (a traceback its final exception); prose, tables and
    lists give the code spans and cells that hold a whole error message.
    """
    out: list[tuple[str, int]] = []
    for block in blocks:
        for code in block.code_blocks():  # also the code inside a list item or a quote
            if code.info == "mermaid":
                continue
            lines = code.text.split("\n")
            if any(_TRACEBACK_NOISE[0] in line for line in lines):
                out.extend((line, code.line) for line in _block_errors(lines, code.info)[:1])
                continue
            for line in lines:
                if ": " not in line:
                    continue  # every stated error has one (`KeyError: 'x'`): most code lines are skipped cheaply
                match = _STATED_ERROR.search(line.strip())
                if match:
                    out.append((match.group(0).strip(), code.line))
        if block.kind == "code":
            continue
        if block.kind == "table":
            out.extend((cell.text, row.line) for row in block.rows for cell in row.cells if _STATED_ERROR.fullmatch(cell.text))
        else:
            for line, source in block.lines:
                for span in _INLINE_CODE.findall(source):
                    text = span.strip("`").strip()
                    if _STATED_ERROR.fullmatch(text):
                        out.append((text, line))
    return [(_clip(text), line) for text, line in out if len(text) >= 12]


def _block_errors(block: list[str], lang: str) -> list[str]:
    lines = [line.rstrip() for line in block if line.strip()]
    if not lines:
        return []
    if any(noise in line for line in lines for noise in _TRACEBACK_NOISE[:1]):
        tail = [line.strip() for line in lines if not line.startswith((" ", "\t")) and not line.startswith(_TRACEBACK_NOISE)]
        exceptions = [line for line in tail if _EXCEPTION.match(line)]
        return [exceptions[-1]] if exceptions else tail[-1:]
    strict = [line.strip() for line in lines if _EXCEPTION.match(line.strip()) or _LOG_ERROR.search(line)]
    strict = [line for line in strict if not line.startswith(("#", "//"))]
    if strict:
        return strict[:2]
    if lang in CODE_LANGS:
        return []
    plain = [line.strip() for line in lines if not line.strip().startswith(("#", "//", "$ ", ">>> "))]
    if plain and BODY_PLACEHOLDER.search(plain[0]):
        return []
    return plain[:1] if 0 < len(plain) <= 3 else []
