"""Stage: turn the gathered Site into output files (pages, assets, search index), in memory."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, NamedTuple
from html import escape

import jinja2

from sitegen import browse, home
from sitegen.collector import long_lived
from sitegen.home import humanize, no_component_term
from sitegen.site import Site
from sitegen.keys import files_digest
from sitegen.fingerprint import DocumentDigests, Fingerprinter
from sitegen.fragments import Fragments
from sitegen.progress import stage
from sitegen.group import Entry
from sitegen.related import RelatedLists, related_by_document
from sitegen.render import pygments_css
from sitegen.svg import UnsafeSvg, sanitise_svg
from sitegen.search import Analysis
from sitegen.indexedit import analyse_entries, analysis_key, index_files, search_entries, search_entry  # noqa: F401 - names callers know
from sitegen.shardupdate import content_digest
from sitegen.urls import errors_url, group_url, page_linker, relative_url, root_of, slugify



def make_environment(site: Site) -> jinja2.Environment:
    dirs = [d / "templates" for d in site.config.theme_dirs()]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs if d.is_dir()] or [str(d) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(),
        auto_reload=False,  # templates do not change during a build: no stat() of each one on every page
    )

    @jinja2.pass_context
    def link(context: jinja2.runtime.Context, target: str) -> str:
        """The one way templates link: a root-relative output path made relative to this page.

        Pages are rendered with `link=page_linker(page_url)`, which stands in for this global.
        """
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
        solution_count=sum(1 for e in site.entries if e.section is None),
    )
    env.filters["humanize"] = humanize
    env.filters["isodate"] = lambda d: d.isoformat() if d else ""
    Fragments(env, [url for _, url in env.globals["nav"]]).install()
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between builds (compiling them costs a one-doc rebuild a tenth of a second).

    Jinja's own per-user folder in the temporary directory (created 0700, refused when another user
    owns it); entries are keyed by the template's name and a hash of its source, so an edited
    template is compiled afresh. None, and templates are compiled each build, when it cannot be used.
    """
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


def _navigation(site: Site) -> list[tuple[str, str]]:
    nav = [("All documents", browse.DOCUMENTS_URL)]
    nav += [(t.plural, t.url) for t in site.taxonomies if t.name in ("component", "problem_type", "tags")]
    nav.append(("Error table", errors_url()))
    return nav


@dataclass(frozen=True)
class PageSpec:
    """One page to render: where it goes, with which template, from what."""

    url: str
    template: str
    context: Mapping[str, Any]
    # Context names whose values are built of strings, numbers, dates and None, in tuples, lists
    # and dicts only: fingerprinted by their repr, without looking inside (Fingerprinter.page).
    plain: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RenderedPages:
    files: dict[str, bytes]  # output path -> bytes, for everything rendered or generated this time (none when handed on)
    reused: tuple[str, ...]  # pages whose inputs did not change: the file already in the output stands
    fingerprints: dict[str, str]  # page -> fingerprint of its inputs, for the next build
    rendered_pages: tuple[str, ...]
    analyses: Mapping[str, Analysis]  # search analysis by digest of the entry's indexed text (indexedit.AnalysisView after an edit)
    index_seconds: float = 0.0
    document_digests: DocumentDigests = field(default_factory=dict)  # for the next build's fingerprints
    hashed_documents: int = 0  # documents whose digest was worked out afresh, not kept from the last build
    related: RelatedLists = field(default_factory=RelatedLists)  # for the next build (related.py)
    made: tuple[str, ...] = ()  # the output paths rendered or generated this time, whether kept in `files` or handed on
    # Source rel -> the context of each document page rendered this time: kept for an edit's fast path (fastedit.py).
    contexts: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def rendered(self) -> int:
        return len(self.rendered_pages)


# What a document's page gets besides its document, body and related entries (see PageSpec.plain).
DOCUMENT_TEMPLATE = "document.html"
DOCUMENT_PLAIN = frozenset({"terms", "summary", "breadcrumbs", "updated", "neighbours", "sources"})


def page_specs(site: Site, related_before: RelatedLists | None = None) -> list[PageSpec]:
    """Every page of the site with its template context; cheap: nothing is rendered here.

    `related_before`: the last build's related lists (related.py), reused when still valid.
    """
    return _page_specs(site, related_by_document(site.entries, related_before)[0])


def _page_specs(site: Site, related_of: Mapping[str, tuple[Entry, ...]]) -> list[PageSpec]:
    specs: list[PageSpec] = []

    def page(url: str, template: str, plain: frozenset[str] = frozenset(), **context: Any) -> None:
        specs.append(PageSpec(url, template, context, plain))

    listed = [e for e in site.entries if e.section is None]
    entries_by_doc: dict[str, list[Entry]] = {}
    for entry in site.entries:
        entries_by_doc.setdefault(entry.doc.source.rel, []).append(entry)
    folders = browse.folders(site)
    neighbours = browse.neighbours(site, folders)
    # One link per term, keyed by identity (hashing a Term would hash every entry it lists).
    links = {id(term): TermLink(term.slug, term.url) for t in site.taxonomies for term in t.terms}
    for doc in site.documents:
        rel = doc.source.rel
        own = entries_by_doc.get(rel, [])
        related = related_of.get(rel, ())
        terms = {t.name: [(v, links.get(id(t.term(v)))) for v in doc.values(t.name)] for t in site.taxonomies}
        page(site.urls[rel], DOCUMENT_TEMPLATE, DOCUMENT_PLAIN, doc=doc, body=site.rendered[rel], related=related, terms=terms,
             summary=own[0].solution if own else "", breadcrumbs=_breadcrumbs(site, doc),
             updated=browse.last_updated(site, doc), neighbours=neighbours.get(rel), sources=browse.source_links(site, doc))
    page(browse.DOCUMENTS_URL, "documents.html", folders=folders)
    unfiled = no_component_term(site)

    for taxonomy in site.taxonomies:
        page(taxonomy.url, "taxonomy.html", taxonomy=taxonomy, unfiled=unfiled if taxonomy.name == "component" else None)
        # A term page gets its taxonomy's names without the other terms, so that editing one
        # document re-renders only the term pages that list it.
        names = replace(taxonomy, terms=())
        for term in taxonomy.terms:
            page(term.url, "term.html", taxonomy=names, term=term)

    if unfiled is not None and site.taxonomy("component"):
        page(unfiled.url, "term.html", taxonomy=replace(site.taxonomy("component"), terms=()), term=unfiled)
    components = _error_components(site)
    fixes = browse.fix_links(site, site.error_rows)
    page(errors_url(), "errors.html", rows=site.error_rows, component=None, components=components, fixes=fixes)
    # Each row's components slugified once, not once per component page (quadratic at 10,000 docs).
    rows_by_slug: dict[str, list[Any]] = {}
    for row in site.error_rows:
        for slug in dict.fromkeys(slugify(c) for c in row.component):
            rows_by_slug.setdefault(slug, []).append(row)
    for slug, label in components:
        rows = tuple(rows_by_slug.get(slug, ()))
        page(errors_url(label), "errors.html", rows=rows, component=label, components=components,
             fixes={r.url: fixes[r.url] for r in rows if r.url in fixes})

    page("index.html", "home.html", stats=home.stats(site, listed), recent=listed_recent(listed, site.config.recent_count),
         matrix=site.matrix, charts=home.charts(site, listed), cell_limit=MATRIX_CELL_LIMIT)
    page("search.html", "search.html")
    page("404.html", "404.html")
    return specs


class TermLink(NamedTuple):
    """What a document's page shows of one of its terms: not the term's other documents, so that
    editing one of those does not change this page's fingerprint."""

    slug: str
    url: str


def render_site(site: Site, previous: Mapping[str, str] | None = None,
                exists: Callable[[str], bool] = lambda url: False,
                previous_analyses: Mapping[str, Analysis] | None = None,
                previous_digests: DocumentDigests | None = None,
                progress: Callable[[str], None] = lambda message: None,
                previous_related: RelatedLists | None = None,
                emit: Callable[[str, bytes], None] | None = None,
                previous_docs: Mapping[str, Any] | None = None,
                release: Callable[[str], None] | None = None) -> RenderedPages:
    """Render the pages whose inputs changed since `previous`, and generate every other output file.

    `emit`: hand each file to the writer as soon as it is made (write.SiteWriter.add), so the
    output is never held whole in memory; without it they are returned in `files`.
    `previous_docs`: the loaded state's documents (cache.BuildState.docs): the search index
    looks again only at the entries of documents not among them (sitegen/indexedit.py).
    `release`: called with a document's source path once its page is made; nothing after needs
    its rendered HTML (cache.save_docs_first).
    """
    env = make_environment(site)
    fingerprint = Fingerprinter(previous_digests, {rel: c.source_hash for rel, c in site.cache.items()})
    # What every page shows besides its own context: templates, settings, navigation, the site's size.
    solutions = sum(1 for e in site.entries if e.section is None)
    # (The number of workers shapes no page, so a build with another -j reuses them all.)
    settings = repr(replace(site.config, jobs=0))
    common = fingerprint(_templates_digest(site), settings, env.globals["nav"], solutions)
    with long_lived():  # every page's context and fingerprint lives until the build ends: not walked again and again
        related_of, related = related_by_document(site.entries, previous_related)
        specs = _page_specs(site, related_of)
        # Fingerprints and pages in this one process. Worker processes each rendered the shared
        # fragments (entry items, frames) again and sent every page back through a pipe: on two
        # cores that cost some 20% more CPU for the pages, which are now a small part of a build.
        fingerprints = {spec.url: fingerprint.page(common, spec.template, spec.context, spec.plain) for spec in specs}
    files: dict[str, bytes] = {}
    made: dict[str, None] = {}  # every path made, in order

    def put(url: str, data: bytes) -> None:
        made[url] = None
        if emit is None:
            files[url] = data
        else:
            emit(url, data)

    contexts: dict[str, Mapping[str, Any]] = {}
    bar = stage(progress, "writing", len(specs), "page")
    for spec in specs:
        if previous is None or previous.get(spec.url) != fingerprints[spec.url] or not exists(spec.url):
            html = env.get_template(spec.template).render(page_url=spec.url, root=root_of(spec.url), link=page_linker(spec.url),
                                                          **spec.context)
            put(spec.url, html.encode("utf-8"))
            del html
            if spec.template == DOCUMENT_TEMPLATE:
                contexts[spec.context["doc"].source.rel] = spec.context
                if release is not None:
                    release(spec.context["doc"].source.rel)
        bar.advance(1)
    bar.close()
    reused = [spec.url for spec in specs if spec.url not in made]
    del specs, related_of  # every page's context: let go before the search index is made (the build's peak)
    rendered = tuple(made)
    put("assets/pygments.css", pygments_css().encode("utf-8"))
    index_started = time.perf_counter()
    index = index_files(site, previous or {}, previous_analyses or {}, previous_docs, exists, site.config.output_dir)
    for url, text in index.files.items():
        put(url, text.encode("utf-8"))
    for url, text in index.stream:  # a clean build's come one shard at a time (shards.iter_files)
        put(url, text.encode("utf-8"))
        fingerprints[url] = content_digest(text)
    reused.extend(index.kept)
    fingerprints.update(index.fingerprints)
    analysis_cache = index.analyses
    del index
    index_seconds = time.perf_counter() - index_started
    for url, data in _theme_assets(site).items():
        put(url, data)
    for url, source in site.assets.items():
        try:
            data = source.path.read_bytes()
            # An SVG is a document of the site's origin: published only without script (sitegen/svg.py).
            put(url, sanitise_svg(data) if url.lower().endswith(".svg") else data)
        except (OSError, UnsafeSvg):
            continue
    put(".nojekyll", b"")
    # kb.json and the feed show each document's fields, page and dates: unchanged, they are not
    # encoded again (a tenth of a one-document edit at 10,000 documents).
    shown = [(fingerprint(doc), site.urls[doc.source.rel], browse.shown_date(site, doc), browse.last_updated(site, doc))
             for doc in site.documents]
    makers = {browse.KB_JSON: lambda: browse.kb_json(site)}
    if site.config.base_url:
        makers[browse.FEED_URL] = lambda: browse.atom_feed(site)
    for url, make in makers.items():
        fingerprints[url] = fingerprint(common, url, shown)
        if previous is not None and previous.get(url) == fingerprints[url] and exists(url):
            reused.append(url)
        else:
            put(url, make())
    if site.config.base_url:
        pages = [u for u in [*made, *reused] if u.endswith(".html") and u != "404.html"]
        put("sitemap.xml", sitemap(site.config.base_url, pages))
    return RenderedPages(files, tuple(reused), fingerprints, rendered, analysis_cache, index_seconds, fingerprint.documents,
                         fingerprint.hashed_documents, related, tuple(made), contexts)


MATRIX_CELL_LIMIT = 10  # documents listed in one cell of the home page's matrix; the rest are a link away


def _templates_digest(site: Site) -> str:
    paths = [p for d in site.config.theme_dirs() if (d / "templates").is_dir() for p in (d / "templates").rglob("*") if p.is_file()]
    return files_digest(paths)


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


DIAGRAM_ASSETS = frozenset({"vendor/mermaid.min.js", "vendor/mermaid-LICENSE.txt", "diagrams.js"})


def _theme_assets(site: Site) -> dict[str, bytes]:
    """Theme assets, the first theme folder holding a file winning, so one file can be overridden."""
    files: dict[str, bytes] = {}
    # The diagram script is large and only pages with a mermaid block load it: left out when none has one.
    diagrams = any(r.has_diagram for r in site.rendered.values())
    for theme_dir in reversed(site.config.theme_dirs()):
        assets = theme_dir / "assets"
        if not assets.is_dir():
            continue
        for path in sorted(assets.rglob("*")):
            name = path.relative_to(assets).as_posix()
            if path.is_file() and not path.name.startswith(".") and (diagrams or name not in DIAGRAM_ASSETS):
                files["assets/" + name] = path.read_bytes()
    return files


def sitemap(base_url: str, pages: list[str]) -> bytes:
    base = base_url.rstrip("/") + "/"
    items = "".join(f"  <url><loc>{escape(base + p, quote=False)}</loc></url>\n" for p in sorted(pages))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{items}</urlset>\n'.encode("utf-8")
