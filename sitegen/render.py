"""Stage: Markdown to HTML as GitHub shows it, with highlighted code, heading anchors, a table of contents and checked links.

The body is parsed once (parse.py); this module walks the tokens to set heading ids and rewrite
links, renders them with markdown-it's HTML renderer, sanitises the HTML with nh3, then puts the
highlighted code back. Code is kept out of the sanitiser: Pygments' output is ours and safe, and
thousands of `<span class>` made the sanitiser the slowest step.
"""

from __future__ import annotations

import difflib
import functools
import html as htmllib
import posixpath
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from urllib.parse import unquote, urlsplit

import markdown_it
import mdit_py_plugins
import nh3
import pygments
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from sitegen.diagnostics import Problem
from sitegen.document import Document
from sitegen.parse import Parsed, headings, inline_text, parse, parser, walk_inline
from sitegen.urls import relative_url

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "ftp", ""})
_SANITIZE_TAGS = nh3.ALLOWED_TAGS | {"input", "section"}
_SANITIZE_ATTRS = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"id", "class", "title", "lang", "dir", "align"},
    "a": {"href", "title", "class", "id", "rel", "aria-label"},
    "div": {"class", "id", "role"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "td": {"align", "colspan", "rowspan", "style"},
    "th": {"align", "colspan", "rowspan", "style"},
    "input": {"type", "checked", "disabled"},
}
# What GitHub does too: ids an author writes in raw HTML get this prefix, so `<p id="SITEGEN_SEARCH">`
# cannot take the name of one of the page's own elements (named elements become window globals).
AUTHOR_ID_PREFIX = "user-content-"
# Part of the build cache's key: another parser, plugin, highlighter or sanitiser version renders afresh.
RENDERER = (f"markdown-it-py {markdown_it.__version__}; mdit-py-plugins {mdit_py_plugins.__version__}; "
            f"pygments {pygments.__version__}; nh3 {getattr(nh3, '__version__', '?')}")


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    anchor: str


@dataclass(frozen=True)
class RenderedDoc:
    html: str
    toc: tuple[Heading, ...]
    text: str  # plain text of the body, for search and snippets
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    # Every link target looked up and what it resolved to: a cached render stays valid while these hold.
    lookups: tuple[tuple[str, str | None], ...] = ()
    anchors: frozenset[str] = frozenset()  # every fragment that lands somewhere on this page
    # Links into other pages with a fragment: (target page url, fragment, file line), checked once all are rendered.
    fragment_links: tuple[tuple[str, str, int], ...] = ()
    has_diagram: bool = False  # a mermaid block: the page loads the diagram script


@dataclass
class _LinkContext:
    """What the link rewriter needs to know about the page being rendered."""

    page_url: str = ""
    source_rel: str = ""
    body_line: int = 1
    doc_urls: Mapping[str, str] = field(default_factory=dict)  # source rel (casefolded) -> page url
    asset_urls: Mapping[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    lookups: dict[str, str | None] = field(default_factory=dict)
    fragments: list[tuple[str, str, int]] = field(default_factory=list)  # (page url or "" for this page, fragment, line)

    def resolve(self, key: str) -> str | None:
        """A document page, else an asset, for a casefolded content path; remembered for the cache."""
        found = self.doc_urls.get(key) or self.doc_urls.get(key + ".md")
        if found is None and not key.endswith(".md"):
            found = self.asset_urls.get(key)
            found = f"asset:{found}" if found else None
        self.lookups[key] = found
        return found

    def report(self, line: int | None, message: str, fix: str) -> None:
        file_line = self.body_line + line - 1 if line else None
        self.problems.append(Problem(self.source_rel, file_line, None, "link", message, fix))

    def rewrite(self, url: str, line: int) -> str:
        """Points `.md` links at built pages, drops unsafe schemes, and reports links to nowhere."""
        stripped = "".join(url.split())
        parts = urlsplit(stripped)
        if parts.scheme.lower() not in SAFE_SCHEMES:
            self.report(line, f"link `{url}` uses the unsafe scheme `{parts.scheme}:`; removed", "link to an http(s) address")
            return "#"
        if url.startswith("#"):
            self.fragments.append(("", unquote(parts.fragment), line))
            return url
        if parts.scheme or parts.netloc or not parts.path:
            return url
        if parts.path.startswith("/"):
            return url  # site-absolute: cannot be checked or made relative safely, left as written
        base = posixpath.dirname(self.source_rel)
        target = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
        found = self.resolve(target.casefold())
        if found is not None and found.startswith("asset:"):
            return relative_url(self.page_url, found[len("asset:"):])
        if found is not None:
            if parts.fragment:
                self.fragments.append((found, unquote(parts.fragment), line))
            return relative_url(self.page_url, found) + (f"#{parts.fragment}" if parts.fragment else "")
        if target.lower().endswith(".md"):
            self.report(line, f"link to `{parts.path}` points to no document", "fix the path, or remove the link")
            return url
        if not target.startswith(".."):
            self.report(line, f"link to `{parts.path}` points to no file in the content folder", "fix the path, or add the file")
        return url


@functools.lru_cache(maxsize=None)
def _highlighter(lang: str) -> tuple[Lexer, HtmlFormatter] | None:
    """One lexer and one formatter per language, made once: building them costs more than most blocks.

    The language comes from the info string only; an unknown name is shown as plain text, never guessed.
    """
    try:
        lexer = get_lexer_by_name(lang)
    except ClassNotFound:
        return None
    return lexer, HtmlFormatter(cssclass="highlight", wrapcode=True)


def highlight_code(code: str, lang: str) -> str:
    found = _highlighter(lang) if lang else None
    if found is None:
        return f'<div class="highlight"><pre><span></span><code>{_escape(code)}</code></pre></div>\n'
    lexer, formatter = found
    return highlight(code, lexer, formatter)


class _HtmlRenderer(RendererHTML):
    """markdown-it's renderer, with code set aside for after sanitising and a permalink on each heading."""

    def fence(self, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
        token = tokens[idx]
        info = htmllib.unescape(token.info).strip()
        lang = info.split(maxsplit=1)[0].casefold() if info else ""
        if lang == "mermaid":
            env["sitegen_diagram"] = True
            # Drawn by the theme's mermaid script; where no script runs, the source stays readable as code.
            code = f'<pre class="mermaid">{_escape(token.content)}</pre>\n'
        else:
            code = highlight_code(token.content, lang)
        return _set_aside(code, env)

    def code_block(self, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
        return _set_aside(highlight_code(tokens[idx].content, ""), env)

    def heading_open(self, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
        # GitHub's shape: the permalink sits beside the heading, so it is no part of the heading's name.
        opening = self.renderToken(tokens, idx, options, env)
        return f'<div class="markdown-heading">{opening}' if tokens[idx].attrGet("id") else opening

    def heading_close(self, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
        anchor = tokens[idx].meta.get("anchor")
        if not anchor:
            return self.renderToken(tokens, idx, options, env)
        title = _escape(tokens[idx].meta.get("title", "")).replace('"', "&quot;")
        return (f'</{tokens[idx].tag}><a class="heading-anchor" href="#{env["sitegen_mark"]}{anchor}" '
                f'aria-label="Permalink: {title}">#</a></div>\n')


def _set_aside(code: str, env: dict) -> str:
    blocks: list[str] = env.setdefault("sitegen_code", [])
    blocks.append(code)
    return f"{env['sitegen_mark']}code{len(blocks) - 1}\n"


class Renderer:
    """Renders documents to HTML; one per worker, reused for every document it renders."""

    def __init__(self, raw_html: str = "sanitize") -> None:
        self.raw_html = raw_html
        self.html = _HtmlRenderer()
        md = parser(raw_html != "escape")
        self.options = md.options
        for name, rule in md.renderer.rules.items():  # the plugins' rules (footnotes, task lists), bound to ours
            if name not in self.html.rules:
                self.html.rules[name] = rule.__func__.__get__(self.html) if hasattr(rule, "__func__") else rule
        self.html.rules["footnote_anchor_name"] = _footnote_name.__get__(self.html)  # `fn-1`, as GitHub, not `fn1`

    def render(self, doc: Document, page_url: str, doc_urls: Mapping[str, str], asset_urls: Mapping[str, str],
               parsed: Parsed | None = None) -> RenderedDoc:
        """`parsed`: the body's tokens, parsed as here, when the caller has them; they are changed in place."""
        ctx = _LinkContext(page_url, doc.source.rel, doc.body_line, doc_urls, asset_urls)
        try:
            parsed = parsed or parse(doc.body, raw_html=self.raw_html != "escape")
        except RecursionError:
            # Pathologically nested Markdown (thousands of `>`): show it as text rather than fail.
            ctx.problems.append(Problem(doc.source.rel, doc.body_line, None, "markdown", "Markdown nests too deeply to render; shown as plain text", "reduce the nesting"))
            return RenderedDoc(html="<pre>" + _escape(doc.body) + "</pre>", toc=(), text=" ".join(doc.body.split()),
                               problems=tuple(ctx.problems))
        mark = f"sg{secrets.token_hex(8)}-"  # unguessable: only our own ids and code blocks carry it
        env = {**parsed.env, "sitegen_mark": mark, "docId": mark}
        toc: list[Heading] = []
        anchors: set[str] = set()
        for h in headings(parsed):
            if not h.anchor:
                continue
            anchors.add(h.anchor)
            parsed.tokens[h.index].attrSet("id", mark + h.anchor)
            close = next(t for t in parsed.tokens[h.index + 2:] if t.type == "heading_close")
            close.meta = {"anchor": h.anchor, "title": h.title}
            if 2 <= h.level <= 4:
                toc.append(Heading(h.level, h.title, h.anchor))
        for child, line in walk_inline(parsed.tokens):
            attr = "href" if child.type == "link_open" else "src" if child.type == "image" else None
            if attr and child.attrGet(attr) is not None:
                url = ctx.rewrite(str(child.attrGet(attr)), line)
                child.attrSet(attr, url)
                if attr == "href" and urlsplit(url).scheme in ("http", "https"):
                    child.attrSet("rel", "noopener")
        for token in parsed.tokens:
            if token.type == "alert_open":
                token.attrSet("role", "note")  # a callout, announced as such
        html = self.html.render(parsed.tokens[parsed.title_tokens:], self.options, env)
        author_ids: set[str] = set()
        if self.raw_html in ("sanitize", "escape"):
            html = nh3.clean(html, tags=_SANITIZE_TAGS, attributes=_SANITIZE_ATTRS, url_schemes=set(SAFE_SCHEMES - {""}),
                             link_rel=None, attribute_filter=functools.partial(_own_or_author, mark, author_ids, anchors))
        else:
            anchors.update(m.replace(mark, "") for m in re.findall(rf'id="([^"]*{mark}[^"]*)"', html))
        for i, code in enumerate(env.get("sitegen_code", [])):
            html = html.replace(f"{mark}code{i}\n", code, 1)
        html = html.replace(mark, "")  # "keep" mode: nothing else took the marks off our ids
        html = _link_author_ids(html, anchors, author_ids)
        for target, fragment, line in ctx.fragments:
            if not target and fragment not in anchors and fragment not in author_ids and fragment not in ("", "top"):
                ctx.report(line, f"link to `#{fragment}` names no heading on this page", _did_you_mean(fragment, anchors))
        return RenderedDoc(
            html=html, toc=tuple(toc), text=plain_text(parsed.tokens[parsed.title_tokens:]), problems=tuple(ctx.problems),
            lookups=tuple(sorted(ctx.lookups.items())), anchors=frozenset(anchors | author_ids),
            fragment_links=tuple(sorted({(t, f, ctx.body_line + line - 1) for t, f, line in ctx.fragments if t})),
            has_diagram=bool(env.get("sitegen_diagram")),
        )


def _footnote_name(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict) -> str:
    return f"-{env['sitegen_mark']}{tokens[idx].meta['id'] + 1}"  # the mark goes when the ids are checked


def _own_or_author(mark: str, author_ids: set[str], anchors: set[str], element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute hook: our ids lose their mark; an author's id gets GitHub's `user-content-` prefix."""
    if attribute == "id":
        if mark in value:
            own = value.replace(mark, "")
            anchors.add(own)
            return own
        author_ids.add(value)
        return AUTHOR_ID_PREFIX + value
    if attribute == "href" and mark in value:
        return value.replace(mark, "")
    return value


_SAME_PAGE_HREF = re.compile(r'href="#([^"]+)"')


def _link_author_ids(html: str, anchors: set[str], author_ids: set[str]) -> str:
    """`#name` links to an author's `<a id="name">` follow it to its prefixed id."""
    if not author_ids:
        return html

    def fix(match: re.Match[str]) -> str:
        fragment = unquote(htmllib.unescape(match.group(1)))
        if fragment in anchors or fragment not in author_ids:
            return match.group(0)
        return f'href="#{AUTHOR_ID_PREFIX}{match.group(1)}"'

    return _SAME_PAGE_HREF.sub(fix, html)


def _did_you_mean(fragment: str, anchors: set[str]) -> str:
    guess = difflib.get_close_matches(fragment, sorted(anchors), n=1, cutoff=0.6)
    return f"did you mean `#{guess[0]}`?" if guess else "link to the id of a heading (as GitHub makes it: lower case, spaces to `-`)"


def fragment_problems(doc: Document, rendered: RenderedDoc, anchors_by_url: Mapping[str, frozenset[str]]) -> list[Problem]:
    """Links into other documents whose `#fragment` names no heading there; run once every page is rendered."""
    problems: list[Problem] = []
    for target, fragment, line in rendered.fragment_links:
        anchors = anchors_by_url.get(target)
        if anchors is not None and fragment and fragment not in anchors and fragment != "top":
            problems.append(Problem(doc.source.rel, line, None, "link",
                                    f"link to `{target}#{fragment}`: no heading there has the id `{fragment}`",
                                    _did_you_mean(fragment, set(anchors))))
    return problems


def links_still_resolve(rendered: RenderedDoc, doc_urls: Mapping[str, str], asset_urls: Mapping[str, str]) -> bool:
    """Whether a cached render of an unchanged document would resolve its links the same way today."""
    probe = _LinkContext(doc_urls=doc_urls, asset_urls=asset_urls)
    return all(probe.resolve(key) == found for key, found in rendered.lookups)


def plain_text(tokens: Sequence[Token]) -> str:
    """The words of a body as a reader sees them, code included, from its tokens: the text search indexes."""
    parts: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts.append(inline_text(token, keep_html=False))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
        elif token.type == "html_block":
            parts.append(html_to_text(token.content))
    return " ".join(" ".join(parts).split())


_TAG = re.compile(r"<[^>]+>")


def html_to_text(html: str) -> str:
    return " ".join(htmllib.unescape(_TAG.sub(" ", html)).split())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pygments_css() -> str:
    """Light and dark highlighting, switched by the theme's `data-theme` and the system setting."""
    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs(":root[data-theme='dark'] .highlight")
    dark_auto = HtmlFormatter(style="monokai").get_style_defs(":root:not([data-theme='light']) .highlight")
    return f"{light}\n{dark}\n@media (prefers-color-scheme: dark) {{\n{dark_auto}\n}}\n"
