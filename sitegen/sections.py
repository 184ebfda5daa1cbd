"""A body's outline from its token stream: sections under headings, and the blocks in each.

This is the API later steps read a document through (extract.py, guides.py, symptom extraction):
no step looks at Markdown source lines again. Every heading counts, ATX or setext, and nothing
inside a code block is a heading, a list or a table.

    sections = read_outline(body)          # or outline(parse(body)) when the tokens are wanted too
    for section in sections:               # level, title (plain), line, anchor (the page's id), blocks
        for block in section.blocks:       # kind: paragraph, list, code, table, quote, html, other
            ...                            # text, line; code: info; list: items; table: rows of cells
    for section, block in code_blocks(sections): ...

"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Literal, Sequence

from markdown_it.token import Token

from sitegen.document import first_sentence
from sitegen.parse import Parsed, headings, inline_text, line_of, parse, plain_inline, walk_inline

__all__ = ["Block", "Cell", "Row", "Section", "code_blocks", "first_paragraph", "first_sentence", "outline", "plain_inline",
           "read_outline"]

BlockKind = Literal["paragraph", "list", "code", "table", "quote", "html", "other"]


@dataclass(frozen=True)
class Cell:
    text: str  # plain text
    href: str = ""  # the target of the first link in the cell, as written


@dataclass(frozen=True)
class Row:
    line: int  # body line
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Block:
    """One top-level block of a section."""

    kind: BlockKind
    line: int  # 1-based body line where it starts
    text: str = ""  # plain words; for code, the code as written
    info: str = ""  # code: the first word of the info string, lower case (`python`, `text`, `mermaid`)
    items: tuple[str, ...] = ()  # list: its top-level items as plain text, task items (`[ ]`) left out
    rows: tuple[Row, ...] = ()  # table: the header row first
    # Paragraphs, list items and quotes: each source line of inline Markdown with its body line,
    # for line-shaped conventions (`**Severity:** High`) that the Markdown grammar does not know.
    lines: tuple[tuple[int, str], ...] = ()
    doc_links: tuple[int, ...] = ()  # body lines holding a relative link to a `.md` document
    code: tuple[Block, ...] = ()  # lists and quotes: the code blocks inside them (steps with their output)

    def code_blocks(self) -> tuple[Block, ...]:
        """This block if it is code, else the code blocks nested in it."""
        return (self,) if self.kind == "code" else self.code


@dataclass(frozen=True)
class Section:
    level: int  # 0 for what comes before the first heading
    title: str  # plain text
    line: int  # body line of the heading (1 for level 0)
    anchor: str  # the heading's id on the page; "" for level 0 and for the body's own title
    blocks: tuple[Block, ...] = ()
    source: str = ""  # the heading's inline Markdown as written


def outline(parsed: Parsed) -> list[Section]:
    """The body split at every top-level heading; an empty lead-in before the first heading is left out."""
    tokens = parsed.tokens
    heads = {h.index: h for h in headings(parsed)}
    sections: list[Section] = []
    level, title, line, anchor, source, blocks = 0, "", 1, "", "", []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        end = _close(tokens, i)
        if token.level == 0 and i in heads:
            sections.append(Section(level, title, line, anchor, tuple(blocks), source))
            head = heads[i]
            level, title, line, anchor, blocks = head.level, head.title, head.line, head.anchor, []
            source = tokens[i + 1].content
        elif token.level == 0:
            block = _block(tokens, i, end)
            if block is not None:
                blocks.append(block)
        i = end + 1
    sections.append(Section(level, title, line, anchor, tuple(blocks), source))
    return sections if sections[0].blocks or sections[0].level else sections[1:]


def _close(tokens: Sequence[Token], i: int) -> int:
    """Index of the token closing the block opened at `i` (itself for a single token)."""
    if tokens[i].nesting != 1:
        return i
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _block(tokens: Sequence[Token], start: int, end: int) -> Block | None:
    token = tokens[start]
    line = line_of(token) or 1
    inner = tokens[start:end + 1]
    if token.type in ("fence", "code_block"):
        return _code(token)
    if token.type == "html_block":
        return Block("html", line, " ".join(re.sub(r"<[^>]+>", " ", token.content).split()))
    if token.type == "hr":
        return None
    text = " ".join(" ".join(inline_text(t) for t in inner if t.type == "inline").split())
    lines = tuple(_source_lines(inner))
    links = tuple(sorted({ln for child, ln in walk_inline(inner) if child.type == "link_open" and _is_doc_link(child)}))
    code = tuple(_code(t) for t in inner[1:] if t.type in ("fence", "code_block"))
    if token.type == "paragraph_open":
        return Block("paragraph", line, text, lines=lines, doc_links=links)
    if token.type in ("bullet_list_open", "ordered_list_open"):
        return Block("list", line, text, items=tuple(_items(inner, token.level)), lines=lines, doc_links=links, code=code)
    if token.type == "table_open":
        return Block("table", line, text, rows=tuple(_rows(inner)), doc_links=links)
    if token.type in ("blockquote_open", "alert_open", "admonition_open"):
        return Block("quote", line, text, lines=lines, doc_links=links, code=code)
    return Block("other", line, text, lines=lines, doc_links=links, code=code)


def _code(token: Token) -> Block:
    info = token.info.strip().split(maxsplit=1)[0].casefold() if token.info.strip() else ""
    return Block("code", line_of(token) or 1, token.content, info=info)


def _source_lines(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    for token in tokens:
        if token.type == "inline" and token.map:
            for offset, text in enumerate(token.content.split("\n")):
                yield token.map[0] + 1 + offset, text


def _items(tokens: Sequence[Token], list_level: int) -> Iterator[str]:
    """Each item's own first paragraph (or line), as plain text; nested lists belong to their item."""
    for i, token in enumerate(tokens):
        if token.type == "list_item_open" and token.level == list_level + 1:
            if token.meta.get("checked") is not None or "task-list-item" in str(token.attrGet("class") or ""):
                continue  # a checklist of steps, not a list of symptoms
            j = i + 1
            while j < len(tokens) and tokens[j].type not in ("inline", "list_item_close"):
                j += 1
            if j < len(tokens) and tokens[j].type == "inline":
                text = " ".join(inline_text(tokens[j]).split())
                if text:
                    yield text


def _rows(tokens: Sequence[Token]) -> Iterator[Row]:
    row: list[Cell] = []
    line = 1
    for i, token in enumerate(tokens):
        if token.type == "tr_open":
            row, line = [], line_of(token) or line
        elif token.type == "inline":
            href = next((str(c.attrGet("href") or "") for c in token.children or () if c.type == "link_open"), "")
            row.append(Cell(" ".join(inline_text(token).split()), href))
        elif token.type == "tr_close":
            yield Row(line, tuple(row))


def _is_doc_link(token: Token) -> bool:
    href = str(token.attrGet("href") or "")
    path = href.split("#", 1)[0].split("?", 1)[0]
    return bool(path) and path.casefold().endswith(".md") and not re.match(r"^[a-zA-Z][\w+.-]*:", href)


def read_outline(body: str, raw_html: bool = True) -> list[Section]:
    """Parse a body and return its sections: the one entry point for reading a document's structure."""
    return outline(parse(body, raw_html))


def code_blocks(sections: Sequence[Section]) -> list[tuple[Section, Block]]:
    """Every code block (fenced or indented, also inside lists and quotes) with its section; `block.info` is its language,
    `block.line` its first body line (the fence line), `block.text` the code as written."""
    return [(section, code) for section in sections for block in section.blocks for code in block.code_blocks()]


def first_paragraph(blocks: Sequence[Block]) -> str:
    """The first prose of a section: a paragraph, or a list's items; never code, a table or a quote."""
    for block in blocks:
        if block.kind == "paragraph" and block.text:
            return block.text
        if block.kind == "list" and block.items:
            return " ".join(block.items)
    return ""
