"""Parse a Markdown body once, as GitHub does: CommonMark plus GFM, by markdown-it-py.

The token stream, with the source lines of every block, is what every later step reads: sections
and guide problems (sections.py, guides.py, extract.py), the HTML and its table of contents
(render.py). Nothing else parses Markdown. Heading ids follow GitHub's rules (github-slugger),
so links written for GitHub (`other.md#some-heading`) land on the heading here too.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.admon import admon_plugin
from mdit_py_plugins.gfm import gfm_plugin

from sitegen import rule_dispatch

# Ids the default theme's templates give their own elements: a heading must not take one of them
# (a second `id="main"` would move the skip link), so the slugger counts them as already used.
RESERVED_IDS = frozenset({
    "main", "search-input", "search-hint", "search-dropdown", "search-results", "search-status", "search-facets",
    "search-filter", "search-more", "search-listbox",
    "theme-toggle", "doc-title", "home-title", "stats-title", "recent-title", "charts-title", "matrix-title",
    "symptoms-title", "related-title", "error-filter", "error-count", "error-empty", "error-table", "sort-label",
})


@functools.lru_cache(maxsize=2)
def parser(raw_html: bool = True) -> MarkdownIt:
    """GitHub's dialect: CommonMark, tables, strikethrough, autolinks, task lists, alerts, footnotes.

    `!!! note` admonitions (MkDocs folders use them) come on top; GitHub shows those as text.
    One parser per process and setting: building one costs more than parsing a document.
    """
    md = stock_parser(raw_html)
    rule_dispatch.install(md)  # the same tokens, fewer calls (see rule_dispatch.py)
    return md


def stock_parser(raw_html: bool = True) -> MarkdownIt:
    """The parser as markdown-it-py and its plugins make it, without our faster inline loop."""
    md = MarkdownIt("commonmark", {"html": raw_html}).use(gfm_plugin).use(admon_plugin)
    md.options["strikethrough_single_tilde"] = True
    # Every link stays a link, as on GitHub: the renderer reports a `javascript:` target and removes it
    # (markdown-it would quietly show it as text, and the author would never hear of it).
    md.validateLink = lambda url: True
    return md


@dataclass(frozen=True)
class Parsed:
    """A body's tokens and the parse environment (footnotes, link references) the HTML renderer needs."""

    tokens: list[Token]
    env: dict[str, Any]
    title_tokens: int  # how many leading tokens make the body's own first H1, which the page shows as its title

    @functools.cached_property
    def headings(self) -> tuple[HeadingInfo, ...]:
        """See `headings()`: kept, since extraction and rendering both read them from one parse."""
        return _headings(self)


def parse(body: str, raw_html: bool = True) -> Parsed:
    env: dict[str, Any] = {}
    tokens = parser(raw_html).parse(body, env)
    return Parsed(tokens, env, _title_span(tokens))


def _title_span(tokens: Sequence[Token]) -> int:
    """The page template shows the title as its one h1: a body that opens with an H1 (after comments) loses it."""
    i = 0
    while i < len(tokens) and tokens[i].type == "html_block" and tokens[i].content.lstrip().startswith("<!--"):
        i += 1
    if i + 2 < len(tokens) and tokens[i].type == "heading_open" and tokens[i].tag == "h1":
        return i + 3
    return 0


def line_of(token: Token) -> int | None:
    """1-based body line where a block token starts."""
    return token.map[0] + 1 if token.map else None


def inline_text(token: Token | None, keep_html: bool = False) -> str:
    """The words a reader sees in an inline token: markup gone, code spans and link text kept.

    `keep_html` keeps HTML-like text (`in <module>`) as written: metadata values are shown escaped.
    """
    if token is None or not token.children:
        return token.content if token is not None else ""
    parts: list[str] = []
    for child in token.children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline" and keep_html:
            parts.append(child.content)
        elif child.type == "image":
            parts.append(inline_text(child))
    return "".join(parts)


# Text holding none of these is all plain words to markdown-it's inline rules (escapes, code,
# emphasis, links, HTML, entities, footnotes, GFM autolinks): most metadata values and symptoms.
# An `_` between two letters or digits (`database_issue`) can neither open nor close emphasis.
_INLINE_MARKUP = re.compile(r"[\\`*~\[\]!<>&@\x00]|www\.|(?:https?|mailto|xmpp):|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def plain_inline(text: str) -> str:
    """Inline Markdown (a metadata value, a table cell) reduced to the words a reader sees."""
    if not _INLINE_MARKUP.search(text):
        return " ".join(text.split())  # what parsing would give, without building a parser state per value
    tokens = parser().parseInline(text.replace("\n", " "))
    return " ".join(inline_text(tokens[0] if tokens else None, keep_html=True).split())


def github_slug(text: str) -> str:
    """github-slugger's rule: lower case; drop everything but letters, marks, numbers, `_`, `-` and spaces; spaces to `-`."""
    kept = (c for c in text.lower() if c in " -" or unicodedata.category(c)[0] in "LMN" or unicodedata.category(c) == "Pc")
    return "".join(kept).replace(" ", "-")


class Slugger:
    """Unique heading ids for one page, as GitHub makes them: repeats get `-1`, `-2`, ..."""

    def __init__(self, taken: Iterable[str] = RESERVED_IDS) -> None:
        self.occurrences: dict[str, int] = {name: 0 for name in taken}

    def slug(self, text: str) -> str:
        original = slug = github_slug(text)
        while slug in self.occurrences:
            self.occurrences[original] += 1
            slug = f"{original}-{self.occurrences[original]}"
        self.occurrences[slug] = 0
        return slug


@dataclass(frozen=True)
class HeadingInfo:
    index: int  # position of its heading_open token
    level: int
    title: str  # plain text
    line: int  # body line
    anchor: str  # id on the page; "" for the body's own title, which the page shows instead


def headings(parsed: Parsed) -> list[HeadingInfo]:
    """Every heading (ATX or setext, never one inside code) with the id the rendered page gives it.

    Worked out once per parse: extraction and rendering both ask, of the same tokens.
    """
    return list(parsed.headings)


def _headings(parsed: Parsed) -> tuple[HeadingInfo, ...]:
    slugger = Slugger()
    out: list[HeadingInfo] = []
    for i, token in enumerate(parsed.tokens):
        if token.type != "heading_open":
            continue  # headings nested in lists and quotes get ids too, as on GitHub
        title = inline_text(parsed.tokens[i + 1])
        anchor = "" if i < parsed.title_tokens else slugger.slug(title.strip())
        out.append(HeadingInfo(i, int(token.tag[1]), " ".join(title.split()), line_of(token) or 1, anchor))
    return tuple(out)


def walk_inline(tokens: Sequence[Token]) -> Iterator[tuple[Token, int]]:
    """Every inline child token (links, images, text) with the body line it sits on."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        line = (token.map[0] + 1) if token.map else 1
        for child in token.children:
            yield child, line
            if child.type in ("softbreak", "hardbreak"):
                line += 1
