"""Stage: turn the gathered Site into output files (pages, assets, search index), in memory."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any, Mapping
from xml.sax.saxutils import escape as xml_escape

import jinja2

from sitegen.build import Site
from sitegen.group import SEVERITY_ORDER, Entry, Taxonomy, related_entries, related_index
from sitegen.render import pygments_css
from sitegen.search import SearchEntry, build_search_index
from sitegen.urls import errors_url, group_url, relative_url, root_of, slugify

SEARCH_INDEX = "search-index.js"


def make_environment(site: Site) -> jinja2.Environment:
    dirs = [d / "templates" for d in site.config.theme_dirs()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs if d.is_dir()] or [str(d) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    @jinja2.pass_context
    def link(context: jinja2.runtime.Context, target: str) -> str:
        """The one way templates link: a root-relative output path made relative to this page."""
        return relative_url(context["page_url"], target)

    def term_url(taxonomy: str, value: str | None = None) -> str | None:
        """The page of a taxonomy (or of one value), or None when the site has no such page."""
        found = site.taxonomy(taxonomy)
        if found is None:
            return None
        if value is None:
            return found.url
        term = found.term(value)
        return term.url if term else None

    env.globals.update(
        term_url=term_url,
        link=link,
        group_url=group_url,
        errors_url=errors_url,
        slugify=slugify,
        site=site,
        config=site.config,
        nav=_navigation(site),
    )
    env.filters["humanize"] = humanize
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    return env


def humanize(value: str) -> str:
    """`import_error` -> `Import error`; other spellings are shown as written."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:] if text.islower() else text


def _navigation(site: Site) -> list[tuple[str, str]]:
    nav = [(t.plural, t.url) for t in site.taxonomies if t.name in ("component", "problem_type", "tags")]
    nav.append(("Error table", errors_url()))
    return nav


def render_site(site: Site) -> dict[str, bytes]:
    env = make_environment(site)
    files: dict[str, bytes] = {}

    def page(url: str, template: str, **context: Any) -> None:
        html = env.get_template(template).render(page_url=url, root=root_of(url), **context)
        files[url] = html.encode("utf-8")

    listed = [e for e in site.entries if e.section is None]
    rel_index = related_index(site.entries)
    entries_by_doc: dict[str, list[Entry]] = {}
    for entry in site.entries:
        entries_by_doc.setdefault(entry.doc.source.rel, []).append(entry)
    for doc in site.documents:
        rel = doc.source.rel
        url = site.urls[rel]
        own = entries_by_doc.get(rel, [])
        related = related_entries(own[0], site.entries, rel_index) if own else ()
        terms = {t.name: [(v, t.term(v)) for v in doc.values(t.name)] for t in site.taxonomies}
        page(url, "document.html", doc=doc, body=site.rendered[rel], related=related, terms=terms,
             summary=own[0].solution if own else "", breadcrumbs=_breadcrumbs(site, doc))

    for taxonomy in site.taxonomies:
        page(taxonomy.url, "taxonomy.html", taxonomy=taxonomy)
        for term in taxonomy.terms:
            page(term.url, "term.html", taxonomy=taxonomy, term=term)

    page(errors_url(), "errors.html", rows=site.error_rows, component=None, components=_error_components(site))
    for slug, label in _error_components(site):
        rows = tuple(r for r in site.error_rows if slug in {slugify(c) for c in r.component})
        page(errors_url(label), "errors.html", rows=rows, component=label, components=_error_components(site))

    page("index.html", "home.html", stats=_stats(site, listed), recent=listed_recent(listed, site.config.recent_count),
         matrix=site.matrix, charts=_charts(site, listed))
    page("search.html", "search.html")
    page("404.html", "404.html")
    files["assets/pygments.css"] = pygments_css().encode("utf-8")
    files[SEARCH_INDEX] = build_search_index(search_entries(site)).encode("utf-8")
    files.update(_theme_assets(site))
    for url, source in site.assets.items():
        try:
            files[url] = source.path.read_bytes()
        except OSError:
            continue
    files[".nojekyll"] = b""
    if site.config.base_url:
        files["sitemap.xml"] = sitemap(site.config.base_url, [u for u in files if u.endswith(".html") and u != "404.html"])
    return files


def listed_recent(listed: list[Entry], count: int) -> list[Entry]:
    dated = [e for e in listed if e.doc.date]
    return sorted(dated, key=lambda e: e.sort_key)[:count]


def _breadcrumbs(site: Site, doc: Any) -> list[tuple[str, str]]:
    crumbs = [("Home", "index.html")]
    components = site.taxonomy("component")
    if doc.component and components:
        term = components.term(doc.component[0])
        if term:
            crumbs.append((components.plural, components.url))
            crumbs.append((humanize(term.label), term.url))
    return crumbs


def _error_components(site: Site) -> list[tuple[str, str]]:
    labels: dict[str, Counter[str]] = {}
    for row in site.error_rows:
        for value in row.component:
            labels.setdefault(slugify(value), Counter())[value] += 1
    return sorted(((slug, c.most_common(1)[0][0]) for slug, c in labels.items()), key=lambda sl: sl[0])


def _stats(site: Site, listed: list[Entry]) -> dict[str, int]:
    kinds = Counter(d.kind for d in site.documents)
    components = site.taxonomy("component")
    tags = site.taxonomy("tags")
    return {
        "solutions": len(listed),
        "problems": len([e for e in site.entries]),
        "errors": len(site.error_rows),
        "components": len(components.terms) if components else 0,
        "tags": len(tags.terms) if tags else 0,
        "pages": kinds.get("index", 0) + kinds.get("page", 0),
        "templates": kinds.get("template", 0),
    }


def _charts(site: Site, listed: list[Entry]) -> dict[str, Any]:
    """Numbers for the home page's bar charts: documents by component, type, severity and month."""

    def bars(taxonomy: Taxonomy | None, limit: int = 12) -> list[tuple[str, str, int]]:
        if taxonomy is None:
            return []
        terms = list(taxonomy.terms)
        if taxonomy.name == "severity":
            terms.sort(key=lambda t: SEVERITY_ORDER.get(t.slug, 9))
        return [(humanize(t.label), t.url, len(t.entries)) for t in terms[:limit]]

    months = Counter(e.doc.date.strftime("%Y-%m") for e in listed if e.doc.date)
    return {
        "component": bars(site.taxonomy("component")),
        "problem_type": bars(site.taxonomy("problem_type")),
        "severity": bars(site.taxonomy("severity")),
        "months": sorted(months.items())[-24:],
    }


def search_entries(site: Site) -> list[SearchEntry]:
    entries = []
    for ref, entry in enumerate(site.entries):
        doc = entry.doc
        body = site.rendered[doc.source.rel]
        if entry.section is None:
            headings = tuple(h.title for h in body.toc)
            text = body.text
        else:
            headings = (entry.section.title,)
            text = " ".join((entry.section.solution, entry.section.root_cause))
        entries.append(SearchEntry(
            ref=ref, url=entry.url, title=entry.title, component=doc.component, problem_type=doc.problem_type,
            severity=doc.severity, symptoms=entry.symptoms, tags=doc.tags, root_cause=doc.root_cause,
            headings=headings, body=text,
        ))
    return entries


def _theme_assets(site: Site) -> dict[str, bytes]:
    """Theme assets, the first theme folder holding a file winning, so one file can be overridden."""
    files: dict[str, bytes] = {}
    for theme_dir in reversed(site.config.theme_dirs()):
        assets = theme_dir / "assets"
        if not assets.is_dir():
            continue
        for path in sorted(assets.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                files["assets/" + path.relative_to(assets).as_posix()] = path.read_bytes()
    return files


def sitemap(base_url: str, pages: list[str]) -> bytes:
    base = base_url.rstrip("/") + "/"
    items = "".join(f"  <url><loc>{xml_escape(base + p)}</loc></url>\n" for p in sorted(pages))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{items}</urlset>\n'.encode("utf-8")
