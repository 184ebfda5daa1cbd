"""The pipeline: discover -> read -> normalise -> render -> group -> index -> write. Gather all, then write."""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from sitegen import stamp
from sitegen.cache import BuildState, CachedDoc, Kept, load_state, save_docs_first, save_state, settings_key, state_folder, unsettle
from sitegen.collector import long_lived
from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.discover import Discovered, discover
from sitegen.document import Document, SourceFile
from sitegen.group import build_error_rows, build_matrix, build_taxonomy, entries_of, variant_problems
from sitegen.normalise import normalise
from sitegen.parallel import run_chunks, split
from sitegen.progress import plural, stage
from sitegen.parse import parse
from sitegen.read import read_source
from sitegen.render import RenderedDoc, Renderer, fragment_problems, links_still_resolve
from sitegen.site import Site
from sitegen.svg import UnsafeSvg, sanitise_svg
from sitegen.urls import asset_url, doc_url

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class ReadResult:
    documents: list[Document]
    assets: tuple[SourceFile, ...]
    problems: list[Problem]  # discovery problems, and read problems of files that gave no document
    cached: dict[str, CachedDoc]  # source rel -> this build's cache entry (hash, document, its problems, its render)
    reread: int  # documents parsed afresh; the rest came unchanged from the cache
    fresh: frozenset[str] = frozenset()  # the documents read (and rendered to the plan) by this build


@dataclass(frozen=True)
class RenderPlan:
    """Page urls and link targets as they will be if every file found reads as a document.

    Reading renders each document from the tokens it has just parsed, before the real urls are
    known: one parse per document instead of two. A render made to a plan that turns out wrong
    (a file that could not be read after all) fails the cache check in `render_all` and is redone.
    """

    urls: Mapping[str, str]  # source rel -> page url
    doc_keys: Mapping[str, str]  # casefolded source rel -> page url
    asset_keys: Mapping[str, str]  # casefolded asset rel -> url

    @classmethod
    def of(cls, urls: Mapping[str, str], asset_urls: Mapping[str, str]) -> RenderPlan:
        return cls(urls, {rel.casefold(): url for rel, url in urls.items()},
                   {src.casefold(): url for src, url in asset_urls.items()})


def read_all(config: SiteConfig, progress: Progress = _quiet, previous: BuildState | None = None,
             inputs: stamp.Inputs | None = None, plan: RenderPlan | None = None,
             found: Discovered | None = None) -> ReadResult:
    """Discover, read and normalise every document; unchanged files (same bytes) come from the cache.

    `inputs`: what this build already found and hashed before reading, not done again. `plan`:
    render each document read, from the same parse, to these urls (see RenderPlan).
    """
    found = found or (inputs.found if inputs else discover(config.content_dir, config.output_dir))
    hashes = inputs.documents if inputs else None
    problems: list[Problem] = list(found.problems)
    if not found.documents:
        problems.append(Problem(str(config.content_dir), None, None, "no-documents", "no .md documents in this folder; the site is empty",
                                "check the folder given as DIR or content_dir, or write one with `sitegen new \"Title\"`"))
    cached: dict[str, CachedDoc] = {}
    todo: list[tuple[SourceFile, str | None]] = []
    for source in found.documents:
        known = hashes is not None and source.rel in hashes
        source_hash = hashes[source.rel] if known else stamp.file_hash(source.path, config.max_file_bytes)  # type: ignore[index]
        old = previous.docs.get(source.rel) if previous else None
        if old is not None and source_hash is not None and old.source_hash == source_hash and old.document.source == source:
            cached[source.rel] = CachedDoc(source_hash, old.document, old.problems, old.page_url, old.rendered)
        else:
            todo.append((source, source_hash))
    bar = stage(progress, "reading", len(found.documents))
    bar.advance(len(cached))
    for chunk_result in run_chunks(_read_chunk, (config, todo, plan), _chunks(len(todo), config.jobs), config.jobs,
                                   done=lambda chunk: bar.advance(len(chunk))):
        for rel, made, read_problems in chunk_result:
            if made is None:
                problems.extend(read_problems)
            else:
                cached[rel] = made
    # Discovery order, whichever process read which document.
    cached = {s.rel: cached[s.rel] for s in found.documents if s.rel in cached}
    documents = [c.document for c in cached.values()]
    bar.close()
    progress(f"read {plural(len(documents), 'document')} and {plural(len(found.assets), 'asset')} from {config.content_dir}")
    fresh = frozenset(source.rel for source, _ in todo if source.rel in cached)
    return ReadResult(documents, found.assets, problems, cached, len(todo), fresh)


def _read_chunk(shared: tuple[SiteConfig, list[tuple[SourceFile, str | None]], RenderPlan | None],
                positions: Sequence[int]) -> list[tuple[str, CachedDoc | None, list[Problem]]]:
    config, todo, plan = shared
    renderer = Renderer(config.raw_html) if plan is not None else None
    out: list[tuple[str, CachedDoc | None, list[Problem]]] = []
    for source, source_hash in (todo[i] for i in positions):
        raw, read_problems = read_source(source, config.max_file_bytes)
        if raw is None:
            out.append((source.rel, None, read_problems))
            continue
        parsed = parse(raw.body, config.raw_html != "escape")
        doc, doc_problems = normalise(raw, config, parsed)
        _ = doc.solution_summary  # a cached property: worked out here, in the worker, kept with the document
        url = plan.urls.get(source.rel, "") if plan is not None else ""
        # Extraction only reads the tokens; rendering, which changes them, comes last.
        rendered = renderer.render(doc, url, plan.doc_keys, plan.asset_keys, parsed) if renderer and plan and url else None
        out.append((source.rel, CachedDoc(source_hash or "", doc, tuple(read_problems) + tuple(doc_problems), url, rendered), []))
    return out


def assign_urls(documents: Sequence[Document], problems: list[Problem]) -> dict[str, str]:
    """One page per document; two documents that would share a page are both named, and both kept."""
    return page_urls([doc.source.rel for doc in documents], problems)


def page_urls(rels: Sequence[str], problems: list[Problem]) -> dict[str, str]:
    """The page of each source file, in this order: a later one that would share a page gets another name."""
    urls: dict[str, str] = {}
    owner: dict[str, str] = {}
    for rel in rels:
        url = doc_url(rel)
        key = url.casefold()
        if key in owner:
            first = owner[key]
            problems.append(Problem(rel, None, None, "duplicate-page",
                                    f"`{rel}` and `{first}` would both be written to {url}; this one is written under another name",
                                    "rename one of the two files", "error"))
            stem = url[: -len(".html")]
            n = 2
            while f"{stem}-{n}.html".casefold() in owner:
                n += 1
            url = f"{stem}-{n}.html"
            key = url.casefold()
        owner[key] = rel
        urls[rel] = url
    return urls


def render_all(documents: list[Document], urls: Mapping[str, str], asset_urls: Mapping[str, str],
               config: SiteConfig, cached: Mapping[str, CachedDoc], progress: Progress = _quiet) -> tuple[dict[str, RenderedDoc], int]:
    """Render every document whose source, page or link targets changed; in parallel when it pays."""
    doc_keys = {rel.casefold(): url for rel, url in urls.items()}
    asset_keys = {src.casefold(): url for src, url in asset_urls.items()}
    rendered: dict[str, RenderedDoc] = {}
    todo: list[tuple[Document, str]] = []
    for doc in documents:
        rel = doc.source.rel
        old = cached.get(rel)
        if (old is not None and old.rendered is not None and old.page_url == urls[rel]
                and links_still_resolve(old.rendered, doc_keys, asset_keys)):
            rendered[rel] = old.rendered
        else:
            todo.append((doc, urls[rel]))
    shared = (config.raw_html, doc_keys, asset_keys, todo)
    bar = stage(progress, "rendering", len(todo))
    for chunk_result in run_chunks(_render_chunk, shared, _chunks(len(todo), config.jobs), config.jobs,
                                   done=lambda chunk: bar.advance(len(chunk))):
        rendered.update(chunk_result)
    bar.close()
    return rendered, len(todo)


PARALLEL_THRESHOLD = 48  # documents; below this, starting worker processes costs more than it saves


def _chunks(count: int, jobs: int) -> list[Sequence[int]]:
    """Positions 0..count-1 in chunks for the workers; one chunk, done here, when too few to pay."""
    return split(range(count), jobs) if count >= PARALLEL_THRESHOLD else [range(count)]


def _render_chunk(shared: tuple[str, Mapping[str, str], Mapping[str, str], list[tuple[Document, str]]],
                  positions: Sequence[int]) -> dict[str, RenderedDoc]:
    raw_html, doc_keys, asset_keys, todo = shared
    renderer = Renderer(raw_html)
    return {doc.source.rel: renderer.render(doc, url, doc_keys, asset_keys) for doc, url in (todo[i] for i in positions)}


def gather(config: SiteConfig, progress: Progress = _quiet, previous: BuildState | None = None,
           inputs: stamp.Inputs | None = None) -> Site:
    """Read, render and group the whole site, reusing what `previous` already made of unchanged input."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    found = inputs.found if inputs else discover(config.content_dir, config.output_dir)
    problems: list[Problem] = []
    assets = screen_assets(found.assets, problems)
    asset_urls = {a.rel: asset_url(a.rel) for a in assets}
    found_rels = [s.rel for s in found.documents]
    plan_problems: list[Problem] = []
    plan = RenderPlan.of(page_urls(found_rels, plan_problems), asset_urls)
    read = read_all(config, progress, previous, inputs, plan, found)
    documents = read.documents
    problems.extend(read.problems)
    timings["read"] = time.perf_counter() - started

    mark = time.perf_counter()
    # Every file found read as a document (the usual case): the plan's urls are the real ones.
    if len(documents) == len(found_rels) and all(d.source.rel == r for d, r in zip(documents, found_rels)):
        urls = dict(plan.urls)
        problems.extend(plan_problems)
    else:
        urls = assign_urls(documents, problems)
    rendered, late = render_all(documents, urls, asset_urls, config, read.cached, progress)
    # Most documents were rendered as they were read (one parse each); `late` ones only now.
    rerendered = late + sum(1 for rel in read.fresh if rendered[rel] is read.cached[rel].rendered)
    anchors_by_url = {urls[rel]: r.anchors for rel, r in rendered.items()}  # `other.md#x` is checked once all are rendered
    for doc in documents:
        problems.extend(read.cached[doc.source.rel].problems)
        problems.extend(rendered[doc.source.rel].problems)
        problems.extend(fragment_problems(doc, rendered[doc.source.rel], anchors_by_url))
    timings["render"] = time.perf_counter() - mark
    when = f"in {timings['render']:.2f}s" if late else "while reading"
    progress(f"rendered {rerendered:,} of {plural(len(rendered), 'document')} {when}")

    mark = time.perf_counter()
    entries = tuple(e for doc in documents for e in entries_of(doc, urls[doc.source.rel]))
    taxonomies = tuple(build_taxonomy(name, entries) for name in config.taxonomies)
    by_name = {t.name: t for t in taxonomies}
    components = by_name.get("component") or build_taxonomy("component", entries)
    problem_types = by_name.get("problem_type") or build_taxonomy("problem_type", entries)
    matrix = build_matrix(components, problem_types)
    error_rows = build_error_rows(entries)
    problems.extend(variant_problems(by_name.get("tags")))
    timings["group"] = time.perf_counter() - mark
    cache = {rel: CachedDoc(c.source_hash, c.document, c.problems, urls.get(rel, ""), rendered.get(rel))
             for rel, c in read.cached.items()}
    return Site(
        config=config,
        documents=tuple(documents),
        urls=urls,
        rendered=rendered,
        entries=entries,
        taxonomies=taxonomies,
        error_rows=error_rows,
        matrix=matrix,
        assets={asset_urls[a.rel]: a for a in assets},
        problems=tuple(sorted(set(problems), key=_problem_order)),
        timings=timings,
        cache=cache,
        counts={"reread": read.reread, "rerendered": rerendered},
        history=inputs.history if inputs else {},
    )


def screen_assets(assets: Sequence[SourceFile], problems: list[Problem]) -> tuple[SourceFile, ...]:
    """Leave out, with a warning, each SVG that cannot be published safely (see sitegen/svg.py)."""
    kept = []
    for asset in assets:
        if asset.rel.lower().endswith(".svg"):
            try:
                sanitise_svg(asset.path.read_bytes())
            except UnsafeSvg as exc:
                problems.append(Problem(asset.rel, None, None, "unsafe-svg", f"SVG left out of the site: {exc}",
                                        "save it again without a DOCTYPE's entities, or export it as PNG", "warning"))
                continue
            except OSError:
                pass  # unreadable: the writer skips it, as it does any unreadable asset
        kept.append(asset)
    return tuple(kept)


def _problem_order(p: Problem) -> tuple:
    return (p.path, p.line or 0, p.column or 0, p.kind, p.message)


@dataclass(frozen=True)
class BuildResult:
    site: Site
    output_dir: Path
    pages: int
    written: int
    unchanged: int
    removed: int
    seconds: float
    rebuilt: str = ""  # one line: what this build had to redo
    rendered_pages: tuple[str, ...] = ()  # the pages whose templates were rendered this time
    kept: Kept | None = None  # the state this build saved, for a caller that builds again (serve)


def build(config: SiteConfig, progress: Progress = _quiet, inputs: stamp.Inputs | None = None,
          locked: bool = False, kept: Kept | None = None) -> BuildResult:
    """Gather the whole site, then write it; raises OutputError before anything is written if unsafe.

    The output's lock is held from before the inputs are read until the state is saved (the caller
    may hold it already: `locked`), so two builds never interleave. A build state kept in the cache
    folder lets a repeated build redo only what changed; the result is byte-identical to a clean
    build of the same input. `kept`: the state the caller's last build saved (BuildResult.kept),
    used instead of loading the file while the file still holds it.
    """
    from sitegen.folders import OutputLock

    if locked:
        return _build(config, progress, inputs, kept)
    check_output(config)
    with OutputLock(config.output_dir.resolve()):
        return _build(config, progress, inputs, kept)


def check_output(config: SiteConfig) -> None:
    """Raise OutputError when writing the site into its output folder could lose anything."""
    from sitegen.write import RECORD, check_output_dir

    check_output_dir(config.output_dir, config.content_dir, state_folder(config) / RECORD)


def _build(config: SiteConfig, progress: Progress, inputs: stamp.Inputs | None, kept: Kept | None) -> BuildResult:
    # What the caller holds already (serve: the last build's site and state) is no concern of this
    # build's collections: set aside, not walked again and again.
    gc.freeze()
    try:
        return _build_frozen(config, progress, inputs, kept)
    finally:
        gc.unfreeze()  # what `long_lived` set aside may be collected again once the build is over


def _build_frozen(config: SiteConfig, progress: Progress, inputs: stamp.Inputs | None, kept: Kept | None) -> BuildResult:
    from sitegen.pages import render_site  # the writer side imports Jinja; `check` does not need it
    from sitegen.write import RECORD, SiteWriter

    started = time.perf_counter()
    check_output(config)
    folder = state_folder(config)
    # Hashed before anything is read (here, or by the caller's up-to-date check): what changes
    # after that, the next build sees.
    recorded = stamp.load(folder)
    inputs = inputs or stamp.snapshot(config, recorded)
    key = settings_key(config)
    from sitegen.fastedit import encode_context, facts, try_edit

    # An edit that changes nothing other pages show of a document: its page and index files alone.
    fast = try_edit(config, inputs, folder, key, _problem_order)
    if fast is not None:
        return BuildResult(fast.site, config.output_dir, fast.pages, fast.written, fast.unchanged, 0, fast.seconds, fast.rebuilt,
                           fast.rendered_pages)
    with long_lived():
        previous = load_state(folder, key, kept)
    with long_lived():
        site = gather(config, progress, previous, inputs)
    mark = time.perf_counter()
    out = config.output_dir

    def before_change() -> None:
        # From here until the state is saved, neither stamp nor state vouches for the output: a build
        # killed or failed in between is followed by a full one.
        stamp.forget(folder)
        unsettle(folder)

    # A clean build saves its docs rows first, so each page's HTML goes once the page is written.
    release = save_docs_first(folder, site.cache) if previous is None else None
    # Each file goes to the writer as it is made; the output changes only in `finish`.
    with SiteWriter(out, folder / RECORD, before_change) as writer:
        pages = render_site(site, previous.pages if previous else None, stamp.as_written(recorded, out),
                            previous.extra.get("search", {}) if previous else None,
                            previous.extra.get("digests", {}) if previous else None, progress,
                            previous.extra.get("related") if previous else None, writer.add,
                            release=None if release is None else lambda rel: release(rel, site.rendered[rel]),
                            previous_docs=previous.docs if previous else None)
        streamed = writer.seconds
        timings = dict(site.timings)
        timings["index"] = pages.index_seconds
        timings["pages"] = time.perf_counter() - mark - pages.index_seconds - streamed
        state = BuildState(key, site.cache, pages.fingerprints, {"search": pages.analyses, "digests": pages.document_digests,
                                                                 "related": pages.related, "facts": facts(site),
                                                                 "contexts": {rel: encode_context(context)
                                                                              for rel, context in pages.contexts.items()}})
        files = pages.made
        reused = list(pages.reused)
        mark = time.perf_counter()
        report = writer.finish(reused)
    saved = save_state(folder, state, previous, docs_saved=release is not None)
    page_count = sum(1 for name in [*files, *pages.reused] if name.endswith(".html"))
    stamp.save(folder, out, stamp.stamp_key(config, key), inputs, [*files, *reused], site.problems, page_count)
    timings["write"] = time.perf_counter() - mark + streamed
    site = replace(site, timings=timings)
    rebuilt = (f"{site.counts['reread']} read, {site.counts['rerendered']} rendered, "
               f"{pages.rendered} of {plural(sum(1 for u in pages.fingerprints if u.endswith('.html')), 'page')}, "
               f"{plural(report.written, 'file')} written, {report.removed} removed, "
               f"{plural(pages.hashed_documents, 'document')} digested")
    return BuildResult(site, out, page_count, report.written, report.unchanged + len(pages.reused), report.removed,
                       time.perf_counter() - started, rebuilt, pages.rendered_pages, saved)
