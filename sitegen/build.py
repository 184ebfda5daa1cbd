"""The pipeline: discover -> read -> normalise -> render -> group -> index -> write. Gather all, then write."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.discover import discover
from sitegen.document import Document, SourceFile
from sitegen.group import (ErrorRow, Entry, Matrix, Taxonomy, build_error_rows, build_matrix, build_taxonomy,
                           entries_of)
from sitegen.normalise import normalise
from sitegen.read import read_source
from sitegen.render import RenderedDoc, Renderer
from sitegen.urls import asset_url, doc_url

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Site:
    """Everything the writer needs, gathered before anything is written."""

    config: SiteConfig
    documents: tuple[Document, ...]
    urls: Mapping[str, str]  # source rel -> page url
    rendered: Mapping[str, RenderedDoc]  # source rel -> rendered body
    entries: tuple[Entry, ...]
    taxonomies: tuple[Taxonomy, ...]
    error_rows: tuple[ErrorRow, ...]
    matrix: Matrix | None
    assets: Mapping[str, SourceFile]  # output url -> source file
    problems: tuple[Problem, ...]
    timings: Mapping[str, float] = field(default_factory=dict)

    def taxonomy(self, name: str) -> Taxonomy | None:
        return next((t for t in self.taxonomies if t.name == name), None)


def _quiet(_: str) -> None:
    pass


def read_all(config: SiteConfig, progress: Progress = _quiet) -> tuple[list[Document], tuple[SourceFile, ...], list[Problem]]:
    """Discover, read and normalise every document; a bad file is reported, never fatal."""
    found = discover(config.content_dir, config.output_dir)
    problems: list[Problem] = list(found.problems)
    documents: list[Document] = []
    for source in found.documents:
        raw, read_problems = read_source(source, config.max_file_bytes)
        problems.extend(read_problems)
        if raw is None:
            continue
        doc, doc_problems = normalise(raw, config)
        problems.extend(doc_problems)
        documents.append(doc)
    progress(f"read {len(documents)} documents and {len(found.assets)} assets from {config.content_dir}")
    return documents, found.assets, problems


def assign_urls(documents: list[Document], problems: list[Problem]) -> dict[str, str]:
    """One page per document; two documents that would share a page are both named, and both kept."""
    urls: dict[str, str] = {}
    owner: dict[str, str] = {}
    for doc in documents:
        url = doc_url(doc.source.rel)
        key = url.casefold()
        if key in owner:
            first = owner[key]
            problems.append(Problem(doc.source.rel, None, None, "duplicate-page",
                                    f"`{doc.source.rel}` and `{first}` would both be written to {url}; this one is written under another name",
                                    "rename one of the two files", "error"))
            stem = url[: -len(".html")]
            n = 2
            while f"{stem}-{n}.html".casefold() in owner:
                n += 1
            url = f"{stem}-{n}.html"
            key = url.casefold()
        owner[key] = doc.source.rel
        urls[doc.source.rel] = url
    return urls


def render_all(documents: list[Document], urls: Mapping[str, str], asset_urls: Mapping[str, str], config: SiteConfig) -> dict[str, RenderedDoc]:
    renderer = Renderer(config.raw_html)
    doc_keys = {rel.casefold(): url for rel, url in urls.items()}
    asset_keys = {src.casefold(): url for src, url in asset_urls.items()}
    return {doc.source.rel: renderer.render(doc, urls[doc.source.rel], doc_keys, asset_keys) for doc in documents}


def gather(config: SiteConfig, progress: Progress = _quiet) -> Site:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    documents, asset_sources, problems = read_all(config, progress)
    timings["read"] = time.perf_counter() - started

    mark = time.perf_counter()
    urls = assign_urls(documents, problems)
    asset_urls = {a.rel: asset_url(a.rel) for a in asset_sources}
    rendered = render_all(documents, urls, asset_urls, config)
    for doc in documents:
        problems.extend(rendered[doc.source.rel].problems)
    timings["render"] = time.perf_counter() - mark
    progress(f"rendered {len(rendered)} pages in {timings['render']:.2f}s")

    mark = time.perf_counter()
    entries = tuple(e for doc in documents for e in entries_of(doc, urls[doc.source.rel]))
    taxonomies = tuple(build_taxonomy(name, entries) for name in config.taxonomies)
    by_name = {t.name: t for t in taxonomies}
    components = by_name.get("component") or build_taxonomy("component", entries)
    problem_types = by_name.get("problem_type") or build_taxonomy("problem_type", entries)
    matrix = build_matrix(components, problem_types)
    error_rows = build_error_rows(entries)
    timings["group"] = time.perf_counter() - mark
    return Site(
        config=config,
        documents=tuple(documents),
        urls=urls,
        rendered=rendered,
        entries=entries,
        taxonomies=taxonomies,
        error_rows=error_rows,
        matrix=matrix,
        assets={asset_urls[a.rel]: a for a in asset_sources},
        problems=tuple(sorted(set(problems), key=_problem_order)),
        timings=timings,
    )


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


def build(config: SiteConfig, progress: Progress = _quiet) -> BuildResult:
    """Gather the whole site, then write it; raises OutputError before anything is written if unsafe."""
    from sitegen.pages import render_site  # the writer side imports Jinja; `check` does not need it
    from sitegen.write import check_output_dir, write_output

    started = time.perf_counter()
    check_output_dir(config.output_dir, config.content_dir)
    site = gather(config, progress)
    mark = time.perf_counter()
    files = render_site(site)
    timings = dict(site.timings)
    timings["pages"] = time.perf_counter() - mark
    mark = time.perf_counter()
    report = write_output(config.output_dir, files)
    timings["write"] = time.perf_counter() - mark
    pages = sum(1 for name in files if name.endswith(".html"))
    site = Site(**{**site.__dict__, "timings": timings})
    return BuildResult(site, config.output_dir, pages, report.written, report.unchanged, report.removed,
                       time.perf_counter() - started)
