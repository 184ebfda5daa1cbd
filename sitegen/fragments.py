"""Pieces of pages rendered once per build and reused on every page that shows them.

A document's list item appears on its component's term page, on each of its tags' pages, on the
error tables, in other documents' related boxes and on the home page: rendering the item once and
pasting it everywhere saves most of the Jinja time of group pages. The page frame (header with its
navigation, footer, scripts) is the same on every page of a folder, bar the navigation entry of the
page itself, so it too is rendered once per folder (and once more for each navigation page).

Every link in the output is relative (see urls.py). A frame is reused between pages of one folder:
it may depend on its page only through `link()` and on whether the page is one of the
navigation's own pages. An entry item is reused between all pages at one depth: it is rendered for
a stand-in page in a folder of no real name, so each of its links climbs to the root and back down
(`../docs/x/y.html` rather than `y.html` beside it: the same target, one item for the whole depth).
"""

from __future__ import annotations

import posixpath
from typing import Any, Collection

import jinja2
from markupsafe import Markup

from sitegen.urls import page_linker

ENTRY_ITEM = "_entry_item.html"
_NO_FOLDER = "\x00/"  # a folder name no output path has: no link from it can stay in its folder


class Fragments:
    """Per-build caches of rendered fragments; the Jinja globals `entry_item`, `entry_items` and `frame` call in here."""

    def __init__(self, env: jinja2.Environment, nav_urls: Collection[str]) -> None:
        self._env = env
        self._nav_urls = frozenset(nav_urls)
        # Keyed by the object's id and kept alive with it, so an id cannot be reused this build.
        self._items: dict[tuple[int, bool, str], tuple[Any, Markup]] = {}
        self._frames: dict[tuple[str, str, str], Markup] = {}

    def install(self) -> None:
        self._env.globals.update(entry_item=self.entry_item, entry_items=self.entry_items, frame=self.frame)

    @jinja2.pass_context
    def entry_item(self, context: jinja2.runtime.Context, entry: Any, show_meta: bool = True) -> Markup:
        """One entry's `<li>` in an entry list, as `_entry_item.html` renders it for this page's folder."""
        depth = context["page_url"].count("/")
        key = (id(entry), bool(show_meta), depth)
        hit = self._items.get(key)
        if hit is not None and hit[0] is entry:
            return hit[1]
        stand_in = _NO_FOLDER * depth + "page.html"
        html = Markup(self._env.get_template(ENTRY_ITEM).render(page_url=stand_in, link=page_linker(stand_in), entry=entry,
                                                                 show_meta=show_meta))
        self._items[key] = (entry, html)
        return html

    @jinja2.pass_context
    def entry_items(self, context: jinja2.runtime.Context, entries: Any, show_meta: bool = True) -> Markup:
        """The `<li>` of each entry, one a line, indented as `_macros.html` had its loop write them.

        One call for a whole list: a Jinja loop calling `entry_item` cost some 4 µs an entry, on
        every term page, home page and related box.
        """
        return Markup("".join(f"  {self.entry_item(context, entry, show_meta)}\n" for entry in entries))

    @jinja2.pass_context
    def frame(self, context: jinja2.runtime.Context, name: str) -> Markup:
        """A frame template (`_header.html`, `_footer.html`) as this page's folder shows it."""
        page_url = context["page_url"]
        key = (name, posixpath.dirname(page_url), page_url if page_url in self._nav_urls else "")
        hit = self._frames.get(key)
        if hit is None:
            hit = self._frames[key] = Markup(self._env.get_template(name).render(page_url=page_url, root=context["root"],
                                                                                 link=page_linker(page_url)))
        return hit
