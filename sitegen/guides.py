"""Long guides: one problem per heading, with the heading's id as rendered, and "Quick Reference" tables."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Sequence

from sitegen.document import ProblemSection, QuickReferenceRow
from sitegen.sections import Block, Row, Section, first_sentence, plain_inline

# Headings are matched in English and in the other languages troubleshooting folders are written in
# (Chinese, Japanese, Korean, Spanish, Portuguese, French, German, Italian, Russian).
SYMPTOM_HEADING = re.compile(
    r"^(observed |common |key )?(symptoms?|signs|what you see|how it shows up)$"
    r"|^(症状|症狀|现象|現象|问题现象|問題現象|故障现象|症状表现|증상|síntomas?|sintomas?|symptômes?|symptome?|sintomi|симптомы)$", re.I)
SOLUTION_HEADING = re.compile(
    r"^((the|working|quick|general|common|possible|recommended|suggested)\s+)?(solutions?|fix(es)?|resolution|how to fix( it)?|workarounds?)$", re.I)
CAUSE_HEADING = re.compile(r"^((the|primary|common|possible|likely)\s+)?(root\s+)?causes?$|^why (it|this) happen(s|ed)$", re.I)
# Guides that label paragraphs instead of using sub-headings: `**Issue**: ...` then `**Solutions**:`.
_LABEL = re.compile(r"^\s{0,3}\*\*(?P<label>[A-Za-z ]{2,20}?)\s*(?::\*\*|\*\*\s*:)\s*(?P<rest>.*)$")
ERROR_HEADING = re.compile(
    r"^(example |primary |secondary |sample |actual |the )?(errors?|exceptions?|warnings?|tracebacks?|stack traces?)"
    r"( messages?| output| logs?| descriptions?| text)?$"
    r"|^(错误|錯誤|报错|報錯|异常|異常)(信息|消息|讯息|訊息|日志|日誌|输出|輸出)?$|^(エラー|例外)(メッセージ|内容|出力|ログ)?$"
    r"|^(오류|에러)( 메시지)?$|^(mensajes? de error|errores?|mensagens? de erro|erros?|messages? d'erreur|erreurs?"
    r"|fehlermeldung(en)?|fehler(ausgabe)?|messaggi(o)? di errore|errori|сообщени[ея] об ошибке|ошибк[аи])$", re.I)

ErrorLines = Callable[[Sequence[Block]], list[str]]


# What a heading may carry before or after its words: numbering (`2.`, `Step 3:`), emoji, colons.
_HEADING_NOISE = re.compile(r"^[\W\d_]+|[\s:：.。!！]+$")


def name_of(section: Section) -> str:
    """A heading's words without numbering, emoji or a closing colon: `3. 🔴 Symptoms:` -> `Symptoms`."""
    return _HEADING_NOISE.sub("", section.title.strip())


def children(sections: Sequence[Section], index: int) -> list[int]:
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


def subtree_blocks(sections: Sequence[Section], index: int) -> list[Block]:
    """A section's own blocks and the blocks of everything nested under it."""
    level = sections[index].level
    blocks = list(sections[index].blocks)
    for j in range(index + 1, len(sections)):
        if sections[j].level <= level:
            break
        blocks.extend(sections[j].blocks)
    return blocks


def lead(blocks: Sequence[Block]) -> str:
    """The first thing a section says: its first list item, or the first sentence of its first paragraph."""
    for block in blocks:
        if block.kind == "list" and block.items:
            return first_sentence(block.items[0].rstrip(":"))
        if block.kind == "paragraph" and block.text:
            return first_sentence(block.text).rstrip(":")
    return ""


def list_items(blocks: Sequence[Block]) -> list[str]:
    """The top-level items of a section's lists, as plain text."""
    return [item for block in blocks if block.kind == "list" for item in block.items]


def problem_sections(sections: Sequence[Section], error_lines_of: ErrorLines,
                     stated_errors_of: ErrorLines | None = None) -> tuple[list[ProblemSection], set[int]]:
    """Sections with their own Symptoms and Solution/Root Cause sub-headings; one such section is no guide.

    Returns the problem sections and the indexes of every section they cover, so the document's own
    symptoms are not taken from them a second time. `stated_errors_of`: the errors a section shows
    outside its symptom headings (an `Example error:` code block under `**Issue**:`); they are
    symptoms too, after the stated ones: what a user pastes is the error, not the prose about it.
    """
    found: list[tuple[int, ProblemSection]] = []
    for i, section in enumerate(sections):
        if section.level < 2 or not section.anchor:
            continue
        kids = children(sections, i)
        names = {j: name_of(sections[j]) for j in kids}
        symptom_kids = [j for j in kids if SYMPTOM_HEADING.match(names[j])]
        solution_kids = [j for j in kids if SOLUTION_HEADING.match(names[j])]
        cause_kids = [j for j in kids if CAUSE_HEADING.match(names[j])]
        if not symptom_kids or not (solution_kids or cause_kids):
            labelled = _labelled_problem(section)
            if labelled is not None:
                shown = stated_errors_of(subtree_blocks(sections, i)) if stated_errors_of else []
                found.append((i, replace(labelled, symptoms=tuple(dict.fromkeys((*labelled.symptoms, *shown))))))
            continue
        symptoms: list[str] = []
        for j in kids:
            if ERROR_HEADING.match(names[j]):
                symptoms.extend(error_lines_of(subtree_blocks(sections, j)))
        for j in symptom_kids:
            symptoms.extend(list_items(sections[j].blocks) or error_lines_of(sections[j].blocks))
        if stated_errors_of:
            symptoms.extend(stated_errors_of(subtree_blocks(sections, i)))
        found.append((i, ProblemSection(
            title=section.title, anchor=section.anchor, line=section.line,
            symptoms=tuple(dict.fromkeys(s for s in symptoms if s)),
            solution=lead(subtree_blocks(sections, solution_kids[0])) if solution_kids else "",
            root_cause=lead(subtree_blocks(sections, cause_kids[0])) if cause_kids else "",
        )))
    if len(found) < 2:
        return [], set()
    covered: set[int] = set()
    for i, _ in found:
        covered.add(i)
        covered.update(j for j in range(i + 1, len(sections)) if _inside(sections, i, j))
    return [p for _, p in found], covered


def _labelled_problem(section: Section) -> ProblemSection | None:
    """A section written as `**Issue**: what goes wrong` ... `**Solutions**:` with no sub-headings.

    The labels are a writing convention, not Markdown: they are read from the paragraph lines, and
    the blocks after a label (a list of steps) belong to it.
    """
    parts: dict[str, list[Block]] = {}
    current: list[Block] | None = None
    for block in section.blocks:
        if block.kind != "paragraph":
            if current is not None:
                current.append(block)
            continue
        pending: list[str] = []
        for line, source in block.lines:
            match = _LABEL.match(source)
            if not match:
                pending.append(source)
                continue
            if current is not None and pending:
                current.append(Block("paragraph", line, plain_inline(" ".join(pending))))
            pending = [match.group("rest")] if match.group("rest").strip() else []
            label = match.group("label").strip().casefold()
            kind = ("symptom" if label in ("issue", "problem", "symptom", "symptoms", "error") else
                    "solution" if SOLUTION_HEADING.match(label) else "cause" if CAUSE_HEADING.match(label) else None)
            current = parts.setdefault(kind, []) if kind and kind not in parts else None
        if current is not None and pending:
            current.append(Block("paragraph", block.line, plain_inline(" ".join(pending))))
    if "symptom" not in parts or not ({"solution", "cause"} & parts.keys()):
        return None
    symptom = lead(parts["symptom"])
    return ProblemSection(
        title=section.title, anchor=section.anchor, line=section.line,
        symptoms=(symptom,) if symptom else (),
        solution=lead(parts.get("solution", [])), root_cause=lead(parts.get("cause", [])),
    )


def _inside(sections: Sequence[Section], parent: int, j: int) -> bool:
    return all(sections[k].level > sections[parent].level for k in range(parent + 1, j + 1))


def _column(header: Sequence[str], pattern: str) -> int | None:
    return next((i for i, cell in enumerate(header) if re.search(pattern, cell, re.I)), None)


def quick_reference(tables: Sequence[Block]) -> list[QuickReferenceRow]:
    """Rows of tables whose first column is an error message and that link to a section or give a fix.

    A row linking to another file belongs to that file (an index page's lookup table) and is skipped.
    A fragment no heading has is reported by the renderer, as for every link.
    """
    rows: list[QuickReferenceRow] = []
    for table in tables:
        if not table.rows:
            continue
        header = [cell.text for cell in table.rows[0].cells]
        error_col = _column(header[:1], r"error|message|symptom|exception")
        link_col = _column(header, r"section|link|see|where|details")
        category_col = _column(header, r"categor|component|area")
        solution_col = _column(header, r"solution|fix|resolution|action|remedy")
        if error_col is None or (link_col is None and solution_col is None):
            continue
        for row in table.rows[1:]:
            made = _row(row, error_col, link_col, category_col, solution_col)
            if made is not None:
                rows.append(made)
    return rows


def _row(row: Row, error_col: int, link_col: int | None, category_col: int | None,
         solution_col: int | None) -> QuickReferenceRow | None:
    cells = row.cells

    def cell(index: int | None) -> str:
        return cells[index].text if index is not None and index < len(cells) else ""

    error = cell(error_col)
    if not error:
        return None
    anchor = ""
    ordered = ([cells[link_col]] if link_col is not None and link_col < len(cells) else []) + list(cells)
    href = next((c.href for c in ordered if c.href), "")
    if href:
        if not href.startswith("#"):
            return None  # the row points at another document
        anchor = href[1:]
    return QuickReferenceRow(error, cell(category_col), anchor, first_sentence(cell(solution_col)))
