"""Stage helper: what a Markdown body says about itself when front matter does not (or is missing).

Reads bold and bullet metadata lines (`**Severity:** High`, `- Date: 2025-01-02`), metadata
sections (`## Severity`), symptoms and error messages, the problem sections of long guides, a
"Quick Reference" error table, template placeholders and how much of the page is links to other
documents. Values come back as written; normalise folds them exactly as it folds front matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

from sitegen.diagnostics import Problem
from sitegen.document import ProblemSection, QuickReferenceRow
from sitegen.guides import (ERROR_HEADING, SYMPTOM_HEADING, Heading, heading_title, headings, lead, list_items,
                            problem_sections, quick_reference, subtree_text)
from sitegen.sections import plain_inline, split_sections

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

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)")
_BOLD_META = re.compile(r"^\s{0,3}(?:[-*+]\s+)?\*\*(?P<key>[A-Za-z][A-Za-z /]{1,30}?)\s*(?::\*\*|\*\*\s*:)\s*(?P<value>.*?)\s*$")
_BULLET_META = re.compile(r"^\s{0,3}[-*+]\s+(?P<key>[A-Za-z][A-Za-z ]{1,30}?):\s+(?P<value>.+?)\s*$")
_PLAIN_META = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]{1,30}?):\s+(?P<value>.+?)\s*$")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s")
_LABEL_PREFIX = re.compile(r"^(?:error )?messages?\s*:\s*(?=\S)", re.I)
_INLINE_CODE = re.compile(r"`+[^`]*`+")
# A value written as a bracketed list (`[api, json]`, `[cache]`) is a list, not a placeholder.
LIST_LITERAL = r"\[\s*(?:[a-z0-9][\w.\-]*|[\w.\-]+(?:\s+[\w.\-]+){0,2}(?:\s*,\s*[\w.\-]+(?:\s+[\w.\-]+){0,2})+)\s*\]"
# A template's placeholder: a line that is only `[Describe the thing]`, `{DATE}`, `YYYY-MM-DD`, `[Your name]`.
BODY_PLACEHOLDER = re.compile(
    r"^\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+)?(?:\*\*[^*]+\*\*:?\s*|[A-Z][\w ]{0,30}:\s+)?(?!" + LIST_LITERAL + r"\s*$)\[[^\]\[]{3,}\]\s*$"
    r"|(?<!\$)\{[A-Z][A-Z0-9_]{2,}\}|\bYYYY-MM-DD\b|\[(?i:your|brief|short|clear|describe|e\.g\.|one paragraph|name of)\b[^\]]*\](?!\()"
)
_DOC_LINK = re.compile(r"\]\((?![a-zA-Z][\w+.-]*:|#)[^)\s]*\.md(?:#[^)\s]*)?(?:\s+\"[^\"]*\")?\)")
_EXCEPTION = re.compile(
    r"^(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)\b:?"
    r"|^[A-Z][A-Za-z0-9_.]+: \S")
_LOG_ERROR = re.compile(r"\b(?:ERROR|FATAL|CRITICAL)\b[: ]|^E\s{2,}\S|^(?:error|fatal|panic)(?:\[\w+\])?:|\bFAILED\b")
_TRACEBACK_NOISE = ("Traceback (most recent call last)", "During handling of the above exception",
                    "The above exception was the direct cause")
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

    @property
    def looks_like_index(self) -> bool:
        """Mostly links to other documents: an overview or index page rather than a solution."""
        return self.doc_link_lines >= 5 and self.doc_link_lines >= 0.35 * max(self.content_lines, 1)


def extract(body: str, body_line: int, rel: str) -> tuple[BodyFacts, list[Problem]]:
    """Read metadata, symptoms, guide sections and quick-reference rows out of a Markdown body."""
    sections = split_sections(body)
    heading_list = headings(sections, body, body_line)
    by_index: dict[int, Heading] = {}
    for heading in heading_list:
        by_index[next(i for i, s in enumerate(sections) if s is heading.section)] = heading
    guide, covered = problem_sections(sections, by_index, error_lines)
    qr_rows, problems = quick_reference(body, body_line, {h.anchor for h in heading_list}, rel)

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

    placeholders, links, content = _scan_lines(body, body_line, found)

    for i, section in enumerate(sections):
        if section.level == 0 or i in covered:
            continue
        name = heading_title(section.title).strip(" :").casefold()
        line = body_line + section.line - 1
        if name in SECTION_KEYS:
            value = lead(section.text) if SECTION_KEYS[name] in ("severity", "date") else _first_line(section.text)
            found(SECTION_KEYS[name], value, line)
        elif SYMPTOM_HEADING.match(name) or ERROR_HEADING.match(name):
            text = subtree_text(sections, i)
            if SYMPTOM_HEADING.match(name):
                taken = list_items(text) or error_lines(text) or [lead(text)]
            else:
                taken = error_lines(text) or list_items(text) or [lead(text)]
            taken = [t for t in taken if t and not BODY_PLACEHOLDER.search(t)]
            if taken and symptoms_line is None:
                symptoms_line = line
            symptoms.extend(taken)

    date_key = next((k for k in _DATE_RANK if k in meta), None)
    if date_key and date_key != "date":
        meta["date"], meta_lines["date"] = meta[date_key], meta_lines[date_key]
    for key in ("created", "updated"):
        meta.pop(key, None)
        meta_lines.pop(key, None)
    # `Error message: X` beside `X` is one symptom, not two.
    clean = list(dict.fromkeys(_clip(_LABEL_PREFIX.sub("", s)) for s in symptoms if s))
    facts = BodyFacts(
        meta=MappingProxyType(meta), meta_lines=MappingProxyType(meta_lines),
        symptoms=tuple(clean[:_MAX_SYMPTOMS]), symptoms_line=symptoms_line,
        sections=tuple(guide), quick_reference=tuple(qr_rows),
        placeholder_lines=tuple(placeholders), doc_link_lines=links, content_lines=content,
    )
    return facts, problems


def _scan_lines(body: str, body_line: int, found: Any) -> tuple[list[int], int, int]:
    """One pass over the lines outside code: metadata lines, placeholders, links to other documents."""
    placeholders: list[int] = []
    links = content = 0
    fence: str | None = None
    before_first_section = True
    for offset, line in enumerate(body.split("\n")):
        number = body_line + offset
        fence_match = _FENCE.match(line)
        if fence_match:
            fence = None if fence else fence_match.group(1)[:3]
            continue
        stripped = line.strip()
        if fence or not stripped:
            continue
        if _HEADING.match(line):
            if line.lstrip().startswith("## "):
                before_first_section = False
            title = _INLINE_CODE.sub("", stripped.lstrip("# "))
            if BODY_PLACEHOLDER.search(title) or re.search(r"\[[^\]]*\b(?i:title|name)\](?!\()", title):
                placeholders.append(number)
            continue
        if re.match(r"^[|:\-\s]+$", stripped):
            continue
        content += 1
        if _DOC_LINK.search(line):
            links += 1
        if BODY_PLACEHOLDER.search(_INLINE_CODE.sub("", line)):  # `${HOME}` in code is no placeholder
            placeholders.append(number)
        match = _BOLD_META.match(line) or _BULLET_META.match(line) or (_PLAIN_META.match(line) if before_first_section else None)
        if match:
            key = " ".join(match.group("key").casefold().split())
            if key in BODY_KEYS:
                found(BODY_KEYS[key], plain_inline(match.group("value")), number)
    return placeholders, links, content


def _first_line(text: str) -> str:
    return next((plain_inline(line) for line in text.split("\n") if line.strip()), "")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1].rsplit(" ", 1)[0] + "…"


def error_lines(text: str) -> list[str]:
    """The meaningful error line(s) of the code blocks in `text`: the exception, not the stack."""
    out: list[str] = []
    block: list[str] | None = None
    lang = ""
    fence = ""
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if match and block is None:
            block, lang, fence = [], match.group(2).casefold(), match.group(1)
            continue
        if match and block is not None and line.strip().startswith(fence[:3]) and not line.strip()[len(match.group(1)):].strip():
            out.extend(_block_errors(block, lang))
            block = None
            continue
        if block is not None:
            block.append(line)
    return list(dict.fromkeys(_clip(line) for line in out))


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
