"""Browsing beyond the taxonomies: every document by folder, neighbours, the fix link, and the
machine-readable outputs (`kb.json`, the Atom feed).

A document with no component and no problem type is in no taxonomy, so without the folder listing
it would be reachable only by search; every document is listed here, as the repository files it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape
from urllib.parse import quote
from typing import Any, Mapping, Sequence

from sitegen.document import Document
from sitegen.extract import SOLUTION_TITLES
from sitegen.group import Entry, ErrorRow
from sitegen.site import Site

DOCUMENTS_URL = "documents.html"
NO_COMPONENT_URL = "component/_none.html"  # a slug never starts with `_`, so no component can take this page
FEED_URL = "feed.xml"
KB_JSON = "kb.json"
FEED_SIZE = 20


@dataclass(frozen=True)
class Listed:
    """One line of the All documents page."""

    title: str
    url: str
    kind: str
    date: dt.date | None  # front-matter date, else the last commit
    summary: str


@dataclass(frozen=True)
class Folder:
    path: str  # as in the repository, `` for the top of the content folder
    items: tuple[Listed, ...]  # by title


def folder_of(doc: Document) -> str:
    return doc.source.rel.rpartition("/")[0]


def shown_date(site: Site, doc: Document) -> dt.date | None:
    return doc.date or site.history.get(doc.source.rel)


def last_updated(site: Site, doc: Document) -> dt.date | None:
    """The last commit that changed the file, else the front-matter date; None when turned off."""
    if not site.config.last_updated:
        return None
    return site.history.get(doc.source.rel) or doc.date


def folders(site: Site) -> tuple[Folder, ...]:
    """Every document, grouped by its folder; folders in path order, the top level first."""
    by_folder: dict[str, list[Listed]] = {}
    for doc in site.documents:
        by_folder.setdefault(folder_of(doc), []).append(
            Listed(doc.title, site.urls[doc.source.rel], doc.kind, shown_date(site, doc), doc.solution_summary))
    return tuple(Folder(path, tuple(sorted(items, key=lambda i: (i.title.casefold(), i.url))))
                 for path, items in sorted(by_folder.items(), key=lambda kv: (kv[0] != "", kv[0].casefold())))


def no_component(site: Site) -> tuple[Entry, ...]:
    """Listed documents with no component: shown as their own group on the component index."""
    return tuple(sorted((e for e in site.entries if e.section is None and not e.doc.component), key=lambda e: e.sort_key))


Neighbours = tuple[str, tuple[str, str] | None, tuple[str, str] | None]  # group label, previous, next (title, url)


def neighbours(site: Site, groups: Sequence[Folder]) -> dict[str, Neighbours]:
    """Previous and next document within each document's first group: its first component, else its folder."""
    out: dict[str, Neighbours] = {}
    components = site.taxonomy("component")
    # Each group's line and the place of each URL in it, worked out once per group, not once per
    # document (at 10,000 documents that scan was a tenth of a one-document edit).
    lines: dict[Any, tuple[list[tuple[str, str]], dict[str, int]]] = {}

    def line_of(key: Any, make: Any) -> tuple[list[tuple[str, str]], dict[str, int]]:
        if key not in lines:
            line = make()
            places: dict[str, int] = {}
            for n, (_, url) in enumerate(line):
                places.setdefault(url, n)
            lines[key] = (line, places)
        return lines[key]

    by_path = {g.path: g for g in groups}
    for doc in site.documents:
        rel = doc.source.rel
        term = components.term(doc.component[0]) if components and doc.component else None
        if term is not None and doc.is_listed:
            label = term.label.replace("_", " ")
            line, places = line_of(("term", term.slug), lambda: [(e.title, e.url) for e in term.entries])
        else:
            folder = folder_of(doc)
            label = folder or "top level"
            found = by_path.get(folder)
            line, places = line_of(("folder", folder), lambda: [(i.title, i.url) for i in found.items] if found else [])
        here = places.get(site.urls[rel])
        if here is None or len(line) < 2:
            continue
        out[rel] = (label, line[here - 1] if here > 0 else None, line[here + 1] if here + 1 < len(line) else None)
    return out


def solution_anchor(site: Site, doc: Document) -> str:
    """The page's Solution heading, for error rows without a brief fix; `` when it has none."""
    return toc_solution_anchor(site.rendered[doc.source.rel].toc)


def toc_solution_anchor(toc: Sequence[Any]) -> str:
    """The Solution heading among a page's headings (an edit's fast path compares it: fastedit.py)."""
    for heading in toc:
        name = heading.title.casefold().strip(" :")
        if name in SOLUTION_TITLES or name.startswith("solution"):
            return heading.anchor
    return ""


def fix_links(site: Site, rows: Sequence[ErrorRow]) -> dict[str, str]:
    """Row URL -> where its fix is read, for rows with no brief solution to show."""
    by_url = {url: rel for rel, url in site.urls.items()}
    docs = {d.source.rel: d for d in site.documents}
    out: dict[str, str] = {}
    for row in rows:
        if row.solution or row.url in out:
            continue
        page, _, fragment = row.url.partition("#")
        doc = docs.get(by_url.get(page, ""))
        anchor = fragment or (solution_anchor(site, doc) if doc else "")
        out[row.url] = f"{page}#{anchor}" if anchor else page
    return out


def kb_json(site: Site) -> bytes:
    """Every document for scripts: URL, title, metadata, symptoms and the brief fix."""
    records = []
    for doc in site.documents:
        date, updated = doc.date, last_updated(site, doc)
        records.append({
            "url": site.urls[doc.source.rel],
            "source": doc.source.rel,
            "title": doc.title,
            "kind": doc.kind,
            "date": date.isoformat() if date else None,
            "last_updated": updated.isoformat() if updated else None,
            **{name: list(doc.values(name)) for name in ("component", "problem_type", "root_cause", "resolution_type", "tags")},
            "severity": doc.severity or None,
            "inferred": list(doc.inferred),
            "symptoms": list(doc.symptoms),
            "fix": doc.solution_summary,
        })
    data: dict[str, Any] = {"title": site.config.title, "base_url": site.config.base_url or None, "documents": records}
    return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def atom_feed(site: Site) -> bytes:
    """The newest dated documents as Atom; absolute links, so only written when `base_url` is set."""
    base = site.config.base_url.rstrip("/") + "/"
    dated = [(shown_date(site, d), d) for d in site.documents if d.is_listed and shown_date(site, d)]
    dated.sort(key=lambda pair: (-pair[0].toordinal(), pair[1].title.casefold(), pair[1].source.rel))  # type: ignore[union-attr]
    newest = dated[:FEED_SIZE]

    def stamp(day: dt.date | None) -> str:
        return f"{(day or dt.date(1970, 1, 1)).isoformat()}T00:00:00Z"

    def text(value: str) -> str:
        return escape(value, quote=True)

    entries = "".join(
        f"  <entry>\n    <title>{text(doc.title)}</title>\n    <id>{text(base + site.urls[doc.source.rel])}</id>\n"
        f'    <link rel="alternate" type="text/html" href="{text(base + site.urls[doc.source.rel])}"/>\n'
        f"    <updated>{stamp(day)}</updated>\n"
        + (f"    <summary>{text(doc.solution_summary)}</summary>\n" if doc.solution_summary else "")
        + "  </entry>\n"
        for day, doc in newest)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"  <title>{text(site.config.title)}</title>\n"
        + (f"  <subtitle>{text(site.config.description)}</subtitle>\n" if site.config.description else "")
        + f"  <id>{text(base)}</id>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{text(base)}\"/>\n"
        f'  <link rel="self" type="application/atom+xml" href="{text(base + FEED_URL)}"/>\n'
        f"  <updated>{stamp(newest[0][0] if newest else None)}</updated>\n"
        f"  <author><name>{text(site.config.title)}</name></author>\n{entries}</feed>\n"
    ).encode("utf-8")


def source_links(site: Site, doc: Document) -> Mapping[str, str]:
    """"Edit this page" and "View source" URLs when `repo_url` is set; see README for `edit_uri`."""
    config = site.config
    if not config.repo_url:
        return {}
    edit_uri = config.edit_uri
    if not edit_uri:
        # The usual layout: sitegen.yml at the top of the repository, content in a folder below it.
        base = config.config_path.parent if config.config_path else config.content_dir
        folder = config.content_dir.relative_to(base).as_posix() if config.content_dir.is_relative_to(base) else ""
        edit_uri = f"edit/main/{folder}/" if folder not in ("", ".") else "edit/main/"
    edit = config.repo_url.rstrip("/") + "/" + edit_uri.strip("/") + "/" + quote(doc.source.rel)
    links = {"edit": edit}
    for verb in ("/-/edit/", "/edit/"):  # GitLab, GitHub and Gitea: the same path under blob/ shows the file
        marker = config.repo_url.rstrip("/") + verb
        if edit.startswith(marker):
            links["source"] = config.repo_url.rstrip("/") + verb.replace("edit", "blob") + edit[len(marker):]
            break
    return links
