"""Stage: Markdown to HTML, with highlighted code, heading anchors, a table of contents and checked links."""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown.extensions.toc import slugify_unicode
from markdown.treeprocessors import Treeprocessor
from pygments.formatters import HtmlFormatter

from sitegen.diagnostics import Problem
from sitegen.document import Document
from sitegen.urls import relative_url

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "ftp", ""})
_SANITIZE_TAGS = nh3.ALLOWED_TAGS | {"input"}
_SANITIZE_ATTRS = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"id", "class", "title", "lang", "dir", "align"},
    "a": {"href", "title", "class", "id", "rel"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "td": {"align", "colspan", "rowspan", "style"},
    "th": {"align", "colspan", "rowspan", "style"},
    "input": {"type", "checked", "disabled"},
}


def anchor_slug(title: str) -> str:
    """The id a heading gets; also used to link to a problem section of a guide."""
    return slugify_unicode(title, "-") or "section"


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


@dataclass
class _LinkContext:
    """What the link rewriter needs to know about the page being rendered."""

    page_url: str = ""
    source_rel: str = ""
    body_line: int = 1
    body: str = ""
    doc_urls: Mapping[str, str] = field(default_factory=dict)  # source rel (casefolded) -> page url
    asset_urls: Mapping[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    lookups: dict[str, str | None] = field(default_factory=dict)

    def resolve(self, key: str) -> str | None:
        """A document page, else an asset, for a casefolded content path; remembered for the cache."""
        found = self.doc_urls.get(key) or self.doc_urls.get(key + ".md")
        if found is None and not key.endswith(".md"):
            found = self.asset_urls.get(key)
            found = f"asset:{found}" if found else None
        self.lookups[key] = found
        return found


class _LinkRewriter(Treeprocessor):
    """Points `.md` links at built pages, drops unsafe schemes, and reports links to nowhere."""

    def __init__(self, md: markdown.Markdown, context: _LinkContext) -> None:
        super().__init__(md)
        self.context = context

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            attr = "href" if element.tag == "a" else "src" if element.tag == "img" else None
            if attr and element.get(attr) is not None:
                element.set(attr, self._rewrite(element.get(attr, "")))
                if attr == "href" and urlsplit(element.get(attr, "")).scheme in ("http", "https"):
                    element.set("rel", "noopener")

    def _rewrite(self, url: str) -> str:
        ctx = self.context
        stripped = "".join(url.split())
        parts = urlsplit(stripped)
        if parts.scheme.lower() not in SAFE_SCHEMES:
            self._report(url, f"link `{url}` uses the unsafe scheme `{parts.scheme}:`; removed", "link to an http(s) address")
            return "#"
        if parts.scheme or parts.netloc or url.startswith("#") or not parts.path:
            return url
        if parts.path.startswith("/"):
            return url  # site-absolute: cannot be checked or made relative safely, left as written
        base = posixpath.dirname(ctx.source_rel)
        target = posixpath.normpath(posixpath.join(base, unquote(parts.path)))
        found = ctx.resolve(target.casefold())
        if found is not None and found.startswith("asset:"):
            return relative_url(ctx.page_url, found[len("asset:"):])
        if found is not None:
            return relative_url(ctx.page_url, found) + (f"#{parts.fragment}" if parts.fragment else "")
        if target.lower().endswith(".md"):
            self._report(url, f"link to `{parts.path}` points to no document", "fix the path, or remove the link")
            return url
        if not target.startswith(".."):
            self._report(url, f"link to `{parts.path}` points to no file in the content folder", "fix the path, or add the file")
        return url

    def _report(self, url: str, message: str, fix: str) -> None:
        ctx = self.context
        index = ctx.body.find(url)
        line = ctx.body_line + ctx.body.count("\n", 0, index) if index >= 0 else None
        ctx.problems.append(Problem(ctx.source_rel, line, None, "link", message, fix))


class _Formatter(HtmlFormatter):
    """Pygments' HTML formatter, with its style tables built once rather than for every code block.

    Python-Markdown makes a formatter per block, and building the tables cost more than
    highlighting a typical block. The tables depend only on the style and class prefix and are
    only read afterwards, so instances may share them.
    """

    _tables: dict[tuple[Any, str], tuple[dict, dict]] = {}

    def _create_stylesheet(self) -> None:
        key = (self.style, self.classprefix)
        if key not in self._tables:
            super()._create_stylesheet()
            self._tables[key] = (self.ttype2class, self.class2style)
        self.ttype2class, self.class2style = self._tables[key]


class Renderer:
    """A reusable Markdown converter; one per worker, reset between documents."""

    def __init__(self, raw_html: str = "sanitize") -> None:
        self.raw_html = raw_html
        self.context = _LinkContext()
        self.md = markdown.Markdown(
            extensions=["fenced_code", "tables", "toc", "codehilite", "sane_lists", "admonition", "attr_list", "def_list"],
            extension_configs={
                "toc": {"slugify": slugify_unicode, "permalink": False, "toc_depth": "2-4"},
                "codehilite": {"css_class": "highlight", "guess_lang": False, "wrapcode": True, "pygments_formatter": _Formatter},
            },
            output_format="html",
        )
        if raw_html == "escape":
            self.md.preprocessors.deregister("html_block")
            self.md.inlinePatterns.deregister("html")
        self.md.treeprocessors.register(_LinkRewriter(self.md, self.context), "sitegen-links", 1)

    def render(self, doc: Document, page_url: str, doc_urls: Mapping[str, str], asset_urls: Mapping[str, str]) -> RenderedDoc:
        ctx = self.context
        ctx.page_url, ctx.source_rel, ctx.body_line, ctx.body = page_url, doc.source.rel, doc.body_line, doc.body
        ctx.doc_urls, ctx.asset_urls, ctx.problems, ctx.lookups = doc_urls, asset_urls, [], {}
        self.md.reset()
        body = _drop_title(doc.body, doc.title)
        try:
            html = self.md.convert(body)
        except RecursionError:
            # Pathologically nested Markdown (thousands of `>`): show it as text rather than fail.
            ctx.problems.append(Problem(doc.source.rel, doc.body_line, None, "markdown", "Markdown nests too deeply to render; shown as plain text", "reduce the nesting"))
            html = "<pre>" + _escape(body) + "</pre>"
        # In "escape" mode raw HTML is already text, but attr_list can still add `{: onclick=...}`
        # attributes, so the sanitiser runs there too; only "keep" trusts authors fully.
        if self.raw_html in ("sanitize", "escape"):
            html = nh3.clean(html, tags=_SANITIZE_TAGS, attributes=_SANITIZE_ATTRS, url_schemes=set(SAFE_SCHEMES - {""}), link_rel=None)
        toc = tuple(_flatten(getattr(self.md, "toc_tokens", [])))
        return RenderedDoc(html=html, toc=toc, text=html_to_text(html), problems=tuple(ctx.problems),
                           lookups=tuple(sorted(ctx.lookups.items())))


def links_still_resolve(rendered: RenderedDoc, doc_urls: Mapping[str, str], asset_urls: Mapping[str, str]) -> bool:
    """Whether a cached render of an unchanged document would resolve its links the same way today."""
    probe = _LinkContext(doc_urls=doc_urls, asset_urls=asset_urls)
    return all(probe.resolve(key) == found for key, found in rendered.lookups)


def _drop_title(body: str, title: str) -> str:
    """The page template shows the title as its one h1; drop the body's own first H1."""
    return re.sub(r"\A(\s*(?:<!--.*?-->\s*)*)#[ \t]+[^\n]*\n?", r"\1", body, count=1, flags=re.S)


def _flatten(tokens: list[dict]) -> list[Heading]:
    out: list[Heading] = []
    for token in tokens:
        out.append(Heading(int(token["level"]), html_to_text(token["name"]), token["id"]))
        out.extend(_flatten(token.get("children", [])))
    return out


_TAG = re.compile(r"<[^>]+>")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&amp;": "&"}


def html_to_text(html: str) -> str:
    text = _TAG.sub(" ", html)
    text = re.sub(r"&(lt|gt|quot|#39|amp);", lambda m: _ENTITIES[m.group(0)], text)
    return " ".join(text.split())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pygments_css() -> str:
    """Light and dark highlighting, switched by the theme's `data-theme` and the system setting."""
    light = HtmlFormatter(style="friendly").get_style_defs(".highlight")
    dark = HtmlFormatter(style="monokai").get_style_defs(":root[data-theme='dark'] .highlight")
    dark_auto = HtmlFormatter(style="monokai").get_style_defs(":root:not([data-theme='light']) .highlight")
    return f"{light}\n{dark}\n@media (prefers-color-scheme: dark) {{\n{dark_auto}\n}}\n"
