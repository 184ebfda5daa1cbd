"""An edit's fast path: documents whose text changed but nothing other pages show of them.

Most edits fix a sentence. Such an edit changes the document's own page and its search entries, and
nothing else: no list, related box, error table, count, link check or kb.json shows a body. The
full incremental path still decodes every row of the build state, regroups 10,000 entries and
fingerprints 10,000 pages to find that out. Here the edited documents are read and rendered alone,
each compared with its last build's row on everything other pages use of it (`listing`: its url, every
field but the body, its one-line fix, its anchors, whether it has a diagram); when all agree, only
their pages, the search files their entries touch and their own state rows are made again, from the
rows they need, and the output is the bytes a clean build writes. Anything else (a new, removed or
renamed document, another file, a theme, a listing that differs, a row missing) declines with None
before anything is written, and the caller takes the full path.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
import sqlite3
import time
from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from sitegen import stamp
from sitegen.cache import STATE_CODEC, STATE_DB, CachedDoc, _doc_row, _key
from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.document import Document, SourceFile
from sitegen.keys import STATE_FORMAT

FAST_LIMIT = 4  # changed documents; an edit of more takes the full path
_LISTED = tuple(f.name for f in dataclasses.fields(Document) if f.name != "body")


def facts(site: Any) -> str:
    """What the fast path needs of the whole site, kept in the state's meta table by every full build."""
    return json.dumps({
        "urls": list(site.urls.items()),  # in discovery order: the same documents found, the same pages (build.page_urls)
        "assets": {source.rel: url for url, source in site.assets.items()},
        "solutions": sum(1 for e in site.entries if e.section is None),
        "taxonomies": [[t.name, t.singular, t.plural, t.url] for t in site.taxonomies],
    })


def encode_context(context: Mapping[str, Any]) -> str:
    """The parts of a document page's context that come from other documents, as a state row: plain
    JSON (made in C: every page of a clean build keeps one), read back by `_decode_context`."""
    terms = {name: [[value] if link is None else [value, link.slug, link.url] for value, link in pairs]
             for name, pairs in context["terms"].items()}
    updated = context["updated"]
    when = None if updated is None else ["t" if isinstance(updated, dt.datetime) else "d", updated.isoformat()]
    return json.dumps([terms, context["breadcrumbs"], when, context["neighbours"], context["sources"]], separators=(",", ":"))


def _decode_context(text: str) -> dict[str, Any]:
    """A page context as `encode_context` kept it; the same page renders from it (tuples come back as
    lists, which the templates read alike)."""
    from sitegen.pages import TermLink

    terms, breadcrumbs, when, neighbours, sources = json.loads(text)
    updated = None if when is None else (dt.datetime if when[0] == "t" else dt.date).fromisoformat(when[1])
    return {"terms": {name: [(pair[0], TermLink(pair[1], pair[2]) if len(pair) == 3 else None) for pair in pairs]
                      for name, pairs in terms.items()},
            "breadcrumbs": breadcrumbs, "updated": updated, "neighbours": neighbours, "sources": sources}


def listing(cached: CachedDoc) -> tuple[Any, ...]:
    """Everything pages other than a document's own, and the site's lists and checks, use of it."""
    from sitegen.browse import toc_solution_anchor

    doc, rendered = cached.document, cached.rendered
    assert rendered is not None
    # The Solution heading's anchor: the error table links a row without a brief fix to it.
    return (cached.page_url, tuple(getattr(doc, name) for name in _LISTED), doc.solution_summary,
            frozenset(rendered.anchors), rendered.has_diagram, toc_solution_anchor(rendered.toc))


class _Rows:
    """The state's rows, fetched one at a time as the edit asks for them."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._docs: dict[str, CachedDoc | None] = {}

    def one(self, sql: str, key: str) -> Any:
        row = self.db.execute(sql, (_key(key),)).fetchone()
        return row

    def doc(self, rel: str, full: bool = False) -> CachedDoc | None:
        if rel in self._docs and not full:
            return self._docs[rel]
        row = self.one("SELECT data, body, html, text FROM docs WHERE rel = ?", rel)
        cached = STATE_CODEC.loads(row[0]) if row else None
        if not isinstance(cached, CachedDoc) or not isinstance(cached.document, Document) or cached.rendered is None:
            cached = None
        elif full:
            cached.document.__dict__["body"] = row[1]
            cached.rendered.__dict__.update(html=row[2], text=row[3])
        self._docs[rel] = cached
        return cached


class _Anchors:
    """Page url -> anchors, as fragment_problems asks: each target's row loaded when first asked for."""

    def __init__(self, rows: _Rows, rel_of: Mapping[str, str], fresh: Mapping[str, CachedDoc]) -> None:
        self.rows, self.rel_of, self.fresh = rows, rel_of, fresh

    def get(self, url: str) -> frozenset[str] | None:
        rel = self.rel_of.get(url)
        if rel is None:
            return None
        cached = self.fresh.get(rel) or self.rows.doc(rel)
        return cached.rendered.anchors if cached is not None and cached.rendered is not None else None


def _own_problems(cached: CachedDoc, anchors: _Anchors) -> list[Problem]:
    from sitegen.render import fragment_problems

    assert cached.rendered is not None
    return [*cached.problems, *cached.rendered.problems, *fragment_problems(cached.document, cached.rendered, anchors)]  # type: ignore[arg-type]


@dataclass(frozen=True)
class Edited:
    """What an edit done the fast way made (build.py reports it as a BuildResult)."""

    site: Any  # a Site with the edited documents, the taxonomies' names and every problem
    pages: int  # pages of the site, all in place
    written: int
    unchanged: int
    seconds: float
    rebuilt: str
    rendered_pages: tuple[str, ...]


def try_edit(config: SiteConfig, inputs: stamp.Inputs, folder: Path, key: str,
             order: Callable[[Problem], Any]) -> Edited | None:
    """An edit done the fast way, or None (nothing written) for the full path. `order`: how the
    build sorts its problems."""
    started = time.perf_counter()
    if config.theme != "default" or config.theme_dir is not None:
        return None  # templates of the user's may show anything of other documents on a page
    last = stamp.load(folder)
    if last is None or last.key != stamp.stamp_key(config, key) or len(last.rows) != len(inputs.files):
        return None
    changed = [k for k, h in inputs.files.items() if last.rows.get(k, "")[:1] != [h]]
    rels = [k[len("content:"):] for k in changed if k.startswith("content:")]
    if not changed or len(changed) > FAST_LIMIT or len(rels) != len(changed) or any(inputs.documents.get(r) is None for r in rels):
        return None
    if not stamp.outputs_in_place(last, config.output_dir):
        return None  # an output was touched: the full path finds which
    path = folder / STATE_DB
    if not path.is_file():
        return None
    db = sqlite3.connect(path, isolation_level=None)
    try:
        return _edit(config, inputs, folder, key, last, rels, db, started, order)
    except (sqlite3.Error, ValueError, TypeError, KeyError, IndexError, AttributeError, UnicodeDecodeError):
        return None  # a damaged or unexpected row: the full path rebuilds what it must
    finally:
        db.close()


def _edit(config: SiteConfig, inputs: stamp.Inputs, folder: Path, key: str, last: stamp.Stamp, rels: list[str],
          db: sqlite3.Connection, started: float, order: Callable[[Problem], Any]) -> Edited | None:
    from sitegen.parse import parse
    from sitegen.normalise import normalise
    from sitegen.read import read_source
    from sitegen.render import Renderer

    meta = dict(db.execute("SELECT name, value FROM meta"))
    if meta.get("format") != str(STATE_FORMAT) or meta.get("key") != key or meta.get("settled") != "1" or not meta.get("facts"):
        return None
    known = json.loads(meta["facts"])
    # The documents found in the order found, as the last build found them and read every one:
    # each keeps the page it had (not worked out again: ten thousand slugs).
    if [pair[0] for pair in known["urls"]] != list(inputs.walked.documents):
        return None
    urls = dict(known["urls"])
    sources = {rel: SourceFile(Path(inputs.walked.path(rel)), rel) for rel in rels}
    doc_keys = {rel.casefold(): url for rel, url in urls.items()}  # as build.RenderPlan has them
    asset_keys = {rel.casefold(): url for rel, url in known["assets"].items()}
    rows = _Rows(db)
    renderer = Renderer(config.raw_html)
    fresh: dict[str, CachedDoc] = {}
    old: dict[str, CachedDoc] = {}
    for rel in rels:
        before = rows.doc(rel, full=True)
        if before is None or before.document.source != sources[rel] or before.page_url != urls[rel]:
            return None
        raw, read_problems = read_source(sources[rel], config.max_file_bytes)
        if raw is None:
            return None
        parsed = parse(raw.body, config.raw_html != "escape")
        doc, doc_problems = normalise(raw, config, parsed)
        rendered = renderer.render(doc, urls[rel], doc_keys, asset_keys, parsed)
        made = CachedDoc(inputs.documents[rel] or "", doc, tuple(read_problems) + tuple(doc_problems), urls[rel], rendered)
        if listing(made) != listing(before):
            return None  # other pages show what changed
        fresh[rel], old[rel] = made, before
    read_seconds = time.perf_counter() - started

    rel_of = {url: rel for rel, url in urls.items()}
    anchors = _Anchors(rows, rel_of, fresh)
    problems = set(last.problems)
    for rel in rels:
        problems.difference_update(_own_problems(old[rel], anchors))
    for rel in rels:
        problems.update(_own_problems(fresh[rel], anchors))

    mark = time.perf_counter()
    pages = {}
    for rel in rels:
        html = _page(config, known, rows, rel_of, urls, fresh, rel)
        if html is None:
            return None
        pages[urls[rel]] = html.encode("utf-8")
    pages_seconds = time.perf_counter() - mark

    mark = time.perf_counter()
    from sitegen.fastindex import index_edit

    index = index_edit(db, config.output_dir, fresh, old)
    if index is None:
        return None
    index_files, index_rows, analyses = index
    index_seconds = time.perf_counter() - mark

    # Written from here: until the state and stamp are saved, neither vouches for the output (as build.py).
    mark = time.perf_counter()
    from sitegen.files import atomic_write

    stamp.forget(folder)
    db.execute("INSERT OR REPLACE INTO meta VALUES ('settled', '0')")
    files = {**pages, **{url: text.encode("utf-8") for url, text in index_files.items()}}
    written = [url for url, data in files.items() if atomic_write(config.output_dir / url, data)]
    _save_rows(db, fresh, old, index_rows, analyses)
    ordered = tuple(sorted(problems, key=order))
    stamp.save_edit(folder, config.output_dir, last, inputs, list(files), ordered)
    write_seconds = time.perf_counter() - mark

    site = _stub_site(config, known, fresh, urls, ordered)
    site = dataclasses.replace(site, timings={"read": read_seconds, "render": 0.0, "group": 0.0, "pages": pages_seconds,
                                              "index": index_seconds, "write": write_seconds},
                               counts={"reread": len(rels), "rerendered": len(rels)})
    rebuilt = (f"{len(rels)} read, {len(rels)} rendered, {len(pages)} of {last.pages} pages (fast path: no listing changed), "
               f"{len(written)} files written, 0 removed")
    return Edited(site, last.pages, len(written), len(last.outputs) - len(written), time.perf_counter() - started, rebuilt,
                  tuple(pages))


def _stub_site(config: SiteConfig, known: Mapping[str, Any], fresh: Mapping[str, CachedDoc], urls: Mapping[str, str],
               problems: tuple[Problem, ...]) -> Any:
    """A Site with what a document page's templates ask of the site (taxonomy names, that it has
    documents) and what a build's caller reports (problems); no lists: no page made here shows one."""
    from sitegen.group import Taxonomy
    from sitegen.site import Site

    taxonomies = tuple(Taxonomy(name, singular, plural, url, ()) for name, singular, plural, url in known["taxonomies"])
    return Site(config=config, documents=tuple(c.document for c in fresh.values()), urls={r: urls[r] for r in fresh},
                rendered={r: c.rendered for r, c in fresh.items()}, entries=(), taxonomies=taxonomies,  # type: ignore[misc]
                error_rows=(), matrix=None, assets={}, problems=problems, cache=dict(fresh))


def _page(config: SiteConfig, known: Mapping[str, Any], rows: _Rows, rel_of: Mapping[str, str], urls: Mapping[str, str],
          fresh: Mapping[str, CachedDoc], rel: str) -> str | None:
    """The document's page, from its new render and the context its last build kept."""
    from sitegen.group import entries_of
    from sitegen.pages import DOCUMENT_TEMPLATE, make_environment
    from sitegen.urls import page_linker, root_of

    row = rows.one("SELECT data FROM contexts WHERE rel = ?", rel)
    related_row = rows.one("SELECT urls FROM related WHERE rel = ?", rel)
    if row is None or related_row is None:
        return None
    context = _decode_context(row[0])
    related = []
    for url in json.loads(related_row[0]):
        other = rel_of.get(url.split("#", 1)[0])
        cached = (fresh.get(other) or rows.doc(other)) if other is not None else None
        if cached is None:
            return None
        entry = next((e for e in entries_of(cached.document, urls[other]) if e.url == url), None)  # type: ignore[index]
        if entry is None:
            return None
        related.append(entry)
    cached = fresh[rel]
    own = entries_of(cached.document, urls[rel])
    env = make_environment(_stub_site(config, known, fresh, urls, ()))
    env.globals["solution_count"] = known["solutions"]
    url = urls[rel]
    return env.get_template(DOCUMENT_TEMPLATE).render(page_url=url, root=root_of(url), link=page_linker(url), doc=cached.document,
                                                      body=cached.rendered, related=tuple(related),
                                                      summary=own[0].solution if own else "", **context)


def _save_rows(db: sqlite3.Connection, fresh: Mapping[str, CachedDoc], old: Mapping[str, CachedDoc],
               index_rows: Mapping[str, str], analyses: Mapping[str, Any]) -> None:
    """The edited documents' rows, their pages' rows and the index's, in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?)", [_doc_row(rel, c) for rel, c in fresh.items()])
        for rel, cached in fresh.items():
            # The same listed fields: the same digest (fingerprint.py), under the file's new hash.
            db.execute("UPDATE digests SET hash = ? WHERE rel = ?", (cached.source_hash, _key(rel)))
            # The page's fingerprint is not worked out here: without its row, the next full build renders it again.
            db.execute("DELETE FROM pages WHERE url = ?", (_key(cached.page_url),))
        db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)", [(_key(u), fp) for u, fp in index_rows.items()])
        db.executemany("INSERT OR REPLACE INTO analyses VALUES (?, ?)", [(_key(k), STATE_CODEC.dumps(a)) for k, a in analyses.items()])
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [("settled", "1"), ("generation", secrets.token_hex(8))])
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise

