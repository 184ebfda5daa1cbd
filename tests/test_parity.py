"""Documents render with the block structure GitHub gives them (cmark-gfm, GitHub's own renderer).

Every document of `content/` and, when it is there, of `../shared/corpus` is rendered by sitegen and
by cmark-gfm; the sequences of block elements (paragraphs, lists, list items, headings, code blocks,
tables, quotes) are compared. Differences we want are named in INTENDED and folded out of both
sides by name, nowhere else.
"""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from sitegen.config import SiteConfig
from sitegen.discover import discover
from sitegen.document import Document, SourceFile
from sitegen.normalise import normalise
from sitegen.parse import parse
from sitegen.read import read_source
from sitegen.render import Renderer

ROOT = Path(__file__).resolve().parents[1]
# `../shared/corpus` beside the project; a git worktree one level further down finds it too.
CORPORA = [ROOT / "content"] + [p / "shared" / "corpus" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "corpus").is_dir()][:1]
BLOCKS = frozenset({"p", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "table", "blockquote"})
THRESHOLD = 0.99

# Differences on purpose, each folded out of sitegen's side by the name it is reported under.
INTENDED = {
    # `> [!NOTE]` is a callout (a div with a title paragraph) where cmark-gfm, without GitHub's
    # alert post-processing, shows a quote: the callout counts as the quote it is written as.
    "GitHub alerts": "markdown-alert",
    # `!!! note` (MkDocs) is an admonition box; GitHub shows a paragraph and an indented code block.
    "admonitions": "admonition",
}


class _Blocks(HTMLParser):
    """The block elements of an HTML fragment in document order, with the intended differences folded."""

    def __init__(self, ours: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.ours = ours
        self.out: list[str] = []
        self.skip_depth = 0  # inside an admonition: not compared
        self.stack: list[str] = []
        self.intended: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div":
            kind = next((name for name, cls in INTENDED.items() if cls in classes), None)
            self.stack.append(kind or "")
            if kind == "GitHub alerts":
                self.intended.add(kind)
                self.out.append("blockquote")
            elif kind == "admonitions":
                self.intended.add(kind)
                self.skip_depth += 1
            return
        if self.skip_depth or tag not in BLOCKS or "markdown-alert-title" in classes:
            return
        self.out.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self.stack and self.stack.pop() == "admonitions":
            self.skip_depth -= 1


def blocks_of(html: str, ours: bool) -> tuple[list[str], set[str]]:
    parser = _Blocks(ours)
    parser.feed(html)
    return parser.out, parser.intended


def github_html(body: str) -> str:
    return cmarkgfm.markdown_to_html_with_extensions(
        body, options=Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES,
        extensions=["table", "strikethrough", "autolink", "tasklist"])


def _documents() -> list[tuple[str, Document]]:
    docs: list[tuple[str, Document]] = []
    for corpus in CORPORA:
        found = discover(corpus, corpus / "_no_output_")
        for source in found.documents:
            raw, _ = read_source(source, 5_000_000)
            if raw is not None:
                docs.append((f"{corpus.name}/{source.rel}", normalise(raw, SiteConfig())[0]))
    return docs


def compare(doc: Document, renderer: Renderer) -> tuple[list[str], list[str], set[str]]:
    ours, intended = blocks_of(renderer.render(doc, "docs/x.html", {}, {}).html, ours=True)
    theirs, _ = blocks_of(github_html(doc.body), ours=False)
    if parse(doc.body).title_tokens and theirs[:1] == ["h1"]:
        theirs = theirs[1:]  # the page shows the body's own first H1 as its title, outside the body
    return ours, theirs, intended


def test_block_structure_matches_github() -> None:
    documents = _documents()
    assert len(documents) >= 30, "content/ alone has more documents than this"
    renderer = Renderer()
    differing: list[str] = []
    named: dict[str, int] = {}
    for name, doc in documents:
        ours, theirs, intended = compare(doc, renderer)
        for reason in intended:
            named[reason] = named.get(reason, 0) + 1
        if ours != theirs:
            at = next((i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b), min(len(ours), len(theirs)))
            differing.append(f"{name}: block {at}: sitegen {ours[at:at + 4]} / GitHub {theirs[at:at + 4]}")
    identical = 1 - len(differing) / len(documents)
    print(f"\nblock structure identical to cmark-gfm: {len(documents) - len(differing)}/{len(documents)} = {identical:.1%}"
          f"; intended differences folded: {named or 'none'}")
    print("\n".join(differing))
    assert identical >= THRESHOLD, "\n".join(differing)


@pytest.mark.parametrize("markdown", [
    # The template's "What Didn't Work" shape: a list straight after a bold line.
    "**Attempted Solution 1:** restart\n- **Why it failed:** cache\n",
    "1. one\n  - nested with two spaces\n2. two\n",
    "Title\n=====\n\nText\n---\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quote\n\n```py\nx\n```\n",
])
def test_known_trouble_spots_match_github(markdown: str) -> None:
    doc = Document(SourceFile(Path("/x/a.md"), "a.md"), "A", textwrap.dedent(markdown))
    ours, theirs, _ = compare(doc, Renderer())
    assert ours == theirs


def test_intended_differences_are_folded_only_where_named() -> None:
    doc = Document(SourceFile(Path("/x/a.md"), "a.md"), "A", "> [!NOTE]\n> Read this.\n\nText\n")
    ours, theirs, intended = compare(doc, Renderer())
    assert intended == {"GitHub alerts"} and ours == theirs == ["blockquote", "p", "p"]
