"""Long guides: one problem per heading, heading anchors as rendered, and "Quick Reference" tables."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from typing import Callable

from markdown.extensions.toc import unique

from sitegen.diagnostics import Problem
from sitegen.document import ProblemSection, QuickReferenceRow
from sitegen.render import anchor_slug
from sitegen.sections import Section, first_sentence, plain_inline

SYMPTOM_HEADING = re.compile(r"^(observed |common |key )?(symptoms?|signs|what you see|how it shows up)$", re.I)
SOLUTION_HEADING = re.compile(
    r"^((the|working|quick|general|common|possible|recommended|suggested)\s+)?(solutions?|fix(es)?|resolution|how to fix( it)?|workarounds?)$", re.I)
CAUSE_HEADING = re.compile(r"^((the|primary|common|possible|likely)\s+)?(root\s+)?causes?$|^why (it|this) happen(s|ed)$", re.I)
# Guides that label paragraphs instead of using sub-headings: `**Issue**: ...` then `**Solutions**:`.
_LABEL = re.compile(r"^\s{0,3}\*\*(?P<label>[A-Za-z ]{2,20}?)\s*(?::\*\*|\*\*\s*:)\s*(?P<rest>.*)$")
ERROR_HEADING = re.compile(
    r"^(example |primary |secondary |sample |actual |the )?(errors?|exceptions?|warnings?|tracebacks?|stack traces?)"
    r"( messages?| output| logs?| descriptions?| text)?$", re.I)
_ATTR_ID = re.compile(r"\s*\{:?\s*#([\w\-:.]+)[^}]*\}\s*$")
_DROPPED_H1 = re.compile(r"\A\s*(?:<!--.*?-->\s*)*#[ \t]", re.S)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Heading:
    """A heading of the body with the id the rendered page gives it and its line in the file."""

    section: Section
    anchor: str
    line: int  # line in the source file


def heading_title(title: str) -> str:
    """The words of a heading as the reader sees them (markup and `{#id}` attributes removed)."""
    return plain_inline(_ATTR_ID.sub("", title))


def headings(sections: list[Section], body: str, body_line: int) -> list[Heading]:
    """Every heading with its rendered id, mirroring the toc extension (first H1 dropped, `_1` dedupe)."""
    used: set[str] = set()
    counters: dict[str, int] = {}
    out: list[Heading] = []
    skip_first_h1 = bool(_DROPPED_H1.match(body))
    for section in sections:
        if section.level == 0:
            continue
        if skip_first_h1 and section.level == 1:
            skip_first_h1 = False  # the page template shows the title instead; this heading gets no id
            continue
        skip_first_h1 = False
        explicit = _ATTR_ID.search(section.title)
        if explicit:
            anchor = explicit.group(1)
            used.add(anchor)
        else:
            anchor = unique(anchor_slug(html.unescape(heading_title(section.title))), used, counters)
        out.append(Heading(section, anchor, body_line + section.line - 1))
    return out


def children(sections: list[Section], index: int) -> list[int]:
    """Indexes of the direct sub-sections of `sections[index]` (the next level down that occurs)."""
    level = sections[index].level
    below: list[int] = []
    for j in range(index + 1, len(sections)):
        if sections[j].level <= level:
            break
        below.append(j)
    if not below:
        return []
    top = min(sections[j].level for j in below)
    return [j for j in below if sections[j].level == top]


def subtree_text(sections: list[Section], index: int) -> str:
    """A section's own text and the text of everything nested under it."""
    level = sections[index].level
    parts = [sections[index].text]
    for j in range(index + 1, len(sections)):
        if sections[j].level <= level:
            break
        parts.append(sections[j].text)
    return "\n".join(parts)


def lead(text: str) -> str:
    """The first thing a section says: its first list item, or the first sentence of its first paragraph."""
    paragraph: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        stripped = line.strip()
        if _FENCE.match(line):
            if paragraph:
                break
            fence = None if fence else stripped[:3]
            continue
        if fence or stripped.startswith(("|", ">", "#")):
            if paragraph:
                break
            continue
        if not stripped:
            if paragraph:
                break
            continue
        item = _LIST_ITEM.match(line)
        if item:
            if paragraph:
                break
            return first_sentence(plain_inline(item.group(1)).rstrip(":"))
        paragraph.append(stripped)
    return first_sentence(plain_inline(" ".join(paragraph))).rstrip(":")


def list_items(text: str) -> list[str]:
    """Top-level list items outside code, as plain text; bold `**Key:** value` lines are metadata, not items."""
    items: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        if _FENCE.match(line):
            fence = None if fence else line.strip()[:3]
            continue
        if fence or line.startswith((" " * 4, "\t")):
            continue
        match = _LIST_ITEM.match(line)
        if match and not re.match(r"\[[ xX]\]\s", match.group(1)):
            text_item = plain_inline(match.group(1))
            if text_item:
                items.append(text_item)
    return items


def problem_sections(sections: list[Section], anchors: dict[int, Heading],
                     error_lines_of: Callable[[str], list[str]]) -> tuple[list[ProblemSection], set[int]]:
    """Sections with their own Symptoms and Solution/Root Cause sub-headings; one such section is no guide.

    Returns the problem sections and the indexes of every section they cover, so the document's own
    symptoms are not taken from them a second time.
    """
    found: list[tuple[int, ProblemSection]] = []
    for i, section in enumerate(sections):
        if section.level < 2 or i not in anchors:
            continue
        kids = children(sections, i)
        names = {j: heading_title(sections[j].title).strip(" :") for j in kids}
        symptom_kids = [j for j in kids if SYMPTOM_HEADING.match(names[j])]
        solution_kids = [j for j in kids if SOLUTION_HEADING.match(names[j])]
        cause_kids = [j for j in kids if CAUSE_HEADING.match(names[j])]
        if not symptom_kids or not (solution_kids or cause_kids):
            labelled = _labelled_problem(section, anchors[i])
            if labelled is not None:
                found.append((i, labelled))
            continue
        symptoms: list[str] = []
        for j in kids:
            if ERROR_HEADING.match(names[j]):
                symptoms.extend(error_lines_of(subtree_text(sections, j)))
        for j in symptom_kids:
            symptoms.extend(list_items(sections[j].text) or error_lines_of(sections[j].text))
        heading = anchors[i]
        found.append((i, ProblemSection(
            title=heading_title(section.title),
            anchor=heading.anchor,
            line=heading.line,
            symptoms=tuple(dict.fromkeys(s for s in symptoms if s)),
            solution=lead(subtree_text(sections, solution_kids[0])) if solution_kids else "",
            root_cause=lead(subtree_text(sections, cause_kids[0])) if cause_kids else "",
        )))
    if len(found) < 2:
        return [], set()
    covered: set[int] = set()
    for i, _ in found:
        covered.add(i)
        covered.update(j for j in range(i + 1, len(sections)) if _inside(sections, i, j))
    return [p for _, p in found], covered


def _labelled_problem(section: Section, heading: Heading) -> ProblemSection | None:
    """A section written as `**Issue**: what goes wrong` ... `**Solutions**:` with no sub-headings."""
    parts: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in section.text.split("\n"):
        match = _LABEL.match(line)
        if match:
            label = match.group("label").strip().casefold()
            kind = ("symptom" if label in ("issue", "problem", "symptom", "symptoms", "error") else
                    "solution" if SOLUTION_HEADING.match(label) else "cause" if CAUSE_HEADING.match(label) else None)
            current = parts.setdefault(kind, []) if kind and kind not in parts else None
            if current is not None:
                current.append(match.group("rest"))
            continue
        if current is not None:
            current.append(line)
    if "symptom" not in parts or not ({"solution", "cause"} & parts.keys()):
        return None
    symptom = lead("\n".join(parts["symptom"]))
    return ProblemSection(
        title=heading_title(section.title), anchor=heading.anchor, line=heading.line,
        symptoms=(symptom,) if symptom else (),
        solution=lead("\n".join(parts.get("solution", []))), root_cause=lead("\n".join(parts.get("cause", []))),
    )


def _inside(sections: list[Section], parent: int, j: int) -> bool:
    return all(sections[k].level > sections[parent].level for k in range(parent + 1, j + 1))


_TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")


def _cells(line: str) -> list[str]:
    match = _TABLE_ROW.match(line)
    inner = match.group(1) if match else line
    return [c.strip() for c in re.split(r"(?<!\\)\|", inner)]


def _column(header: list[str], pattern: str) -> int | None:
    return next((i for i, cell in enumerate(header) if re.search(pattern, plain_inline(cell), re.I)), None)


def quick_reference(body: str, body_line: int, anchors: set[str], rel: str) -> tuple[list[QuickReferenceRow], list[Problem]]:
    """Rows of tables whose first column is an error message and that link to a section or give a fix.

    A row linking to another file belongs to that file (an index page's lookup table) and is skipped.
    A row linking to an anchor no heading has is reported with its line.
    """
    rows: list[QuickReferenceRow] = []
    problems: list[Problem] = []
    lines = body.split("\n")
    fence: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            fence = None if fence else line.strip()[:3]
            i += 1
            continue
        if fence or not _TABLE_ROW.match(line) or i + 1 >= len(lines) or not _SEPARATOR.match(lines[i + 1]):
            i += 1
            continue
        header = _cells(line)
        error_col = _column(header[:1], r"error|message|symptom|exception")
        link_col = _column(header, r"section|link|see|where|details")
        category_col = _column(header, r"categor|component|area")
        solution_col = _column(header, r"solution|fix|resolution|action|remedy")
        i += 2
        while i < len(lines) and _TABLE_ROW.match(lines[i]):
            if error_col is not None and (link_col is not None or solution_col is not None):
                row = _row(_cells(lines[i]), error_col, link_col, category_col, solution_col)
                if row is not None:
                    rows.append(row)
                    if row.anchor and row.anchor not in anchors:
                        guess = difflib.get_close_matches(row.anchor, sorted(anchors), n=1, cutoff=0.6)
                        fix = f"did you mean `#{guess[0]}`?" if guess else "link to the id of a heading on this page"
                        problems.append(Problem(rel, body_line + i, None, "quick-reference",
                                                f"quick-reference row links to `#{row.anchor}`, but no heading on this page has that id", fix))
            i += 1
    return rows, problems


def _row(cells: list[str], error_col: int, link_col: int | None, category_col: int | None,
         solution_col: int | None) -> QuickReferenceRow | None:
    def cell(index: int | None) -> str:
        return cells[index] if index is not None and index < len(cells) else ""

    error = plain_inline(cell(error_col))
    if not error:
        return None
    anchor = ""
    for text in (cell(link_col), *cells):
        link = _LINK.search(text)
        if link:
            target = link.group(2)
            if not target.startswith("#"):
                return None  # the row points at another document
            anchor = target[1:]
            break
    return QuickReferenceRow(error, plain_inline(cell(category_col)), anchor, first_sentence(plain_inline(cell(solution_col))))
