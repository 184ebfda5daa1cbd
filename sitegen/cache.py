"""What the last build knew, kept in a cache folder outside the site, so the next build redoes only what changed.

Staleness is decided by content hashes (of sources, templates, config and sitegen's own code), never
by modification times: a `git checkout` that restores an old file with a new mtime costs nothing,
and an edit that keeps the mtime is still seen.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from sitegen import lazy
from sitegen.config import CACHE_NAME, SiteConfig
from sitegen.diagnostics import Problem
from sitegen.document import Document, ProblemSection, QuickReferenceRow, SourceFile
from sitegen.folders import state_folder_for
from sitegen.jsoncodec import Codec
from sitegen.keys import STATE_FORMAT as _FORMAT
from sitegen.keys import code_key, digest, files_digest, settings_key, state_key  # noqa: F401 - the names callers know
from sitegen.related import RelatedLists
from sitegen.render import Heading, RenderedDoc
from sitegen.search import Analysis, FieldTerms

CACHE_DIR = CACHE_NAME  # the default cache folder, beside the config file (or beside the output folder)
STATE_DB = "state.sqlite"


@dataclass(frozen=True)
class CachedDoc:
    """One source file as read, normalised and rendered by an earlier build."""

    source_hash: str
    document: Document
    problems: tuple[Problem, ...]
    page_url: str = ""
    rendered: RenderedDoc | None = None


@dataclass(frozen=True)
class BuildState:
    key: str  # sitegen's code and the settings that shape reading and rendering
    docs: Mapping[str, CachedDoc] = field(default_factory=dict)  # source rel -> what was made of it
    pages: Mapping[str, str] = field(default_factory=dict)  # output path -> fingerprint of its inputs
    extra: Mapping[str, Any] = field(default_factory=dict)  # other stages' caches, e.g. search analysis


# Every class the state may hold; loading rebuilds these and nothing else (see jsoncodec).
STATE_CODEC = Codec([CachedDoc, Document, SourceFile, ProblemSection, QuickReferenceRow, Problem, RenderedDoc,
                     Heading, Analysis, FieldTerms])


def state_folder(config: SiteConfig) -> Path:
    """Where the build state of this output folder lives: in the cache folder, never in the site.

    One sub-folder per output folder (by its resolved path), so two sites built from one project
    keep apart, and a site published from its output folder carries nothing but itself.
    """
    return state_folder_for(config.output_dir, config.cache_dir)


def _key(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # file names that are not UTF-8 keep their lone surrogates


def _text(key: bytes) -> str:
    return key.decode("utf-8", "surrogatepass")


def _connect(folder: Path) -> sqlite3.Connection:
    folder.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(folder / STATE_DB, isolation_level=None)
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript("""
        CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS docs (rel BLOB PRIMARY KEY, data TEXT NOT NULL, body TEXT NOT NULL,
                                         html TEXT, text TEXT);
        CREATE TABLE IF NOT EXISTS pages (url BLOB PRIMARY KEY, fp TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS analyses (key BLOB PRIMARY KEY, data TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS digests (rel BLOB PRIMARY KEY, hash TEXT NOT NULL, digest TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS related (rel BLOB PRIMARY KEY, urls TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS contexts (rel BLOB PRIMARY KEY, data TEXT NOT NULL);
    """)
    return db


@dataclass(frozen=True)
class Kept:
    """A state a build saved, kept in memory by a long-running caller (`sitegen serve`) for the next
    build: used instead of loading the file while the file still holds exactly it (`generation`)."""

    generation: str
    state: BuildState


def load_state(folder: Path, key: str, kept: Kept | None = None) -> BuildState | None:
    """The last build's state, or None when there is none, it does not parse, a build that wrote
    after it did not finish, or it was made under other code or settings.

    Loading is SQLite and JSON: nothing in the file can make it run code.
    """
    path = folder / STATE_DB
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            meta = dict(db.execute("SELECT name, value FROM meta"))
            if meta.get("format") != str(_FORMAT) or meta.get("key") != key or meta.get("settled") != "1":
                return None
            if kept is not None and kept.state.key == key and meta.get("generation") == kept.generation:
                return kept.state  # nobody wrote since: what a load would give, without decoding it
            reader = _Reader(path)
            docs = {_text(k): _deferring(STATE_CODEC.loads(v), reader, k) for k, v in db.execute("SELECT rel, data FROM docs")}
            pages = {_text(k): str(v) for k, v in db.execute("SELECT url, fp FROM pages")}
            analyses = StoredAnalyses(path, frozenset(_text(k) for (k,) in db.execute("SELECT key FROM analyses")))
            digests = {_text(k): (str(h), str(d)) for k, h, d in db.execute("SELECT rel, hash, digest FROM digests")}
            related = _load_related(db, meta.get("related", ""))
        finally:
            db.close()
    except (sqlite3.Error, ValueError, TypeError, UnicodeDecodeError, OSError):
        return None
    if not all(isinstance(d, CachedDoc) for d in docs.values()):
        return None
    return BuildState(key, docs, pages, {"search": analyses, "digests": digests, "related": related})


def _load_related(db: sqlite3.Connection, signature: str) -> RelatedLists | None:
    """The related lists, plain JSON arrays of strings; None when any row is not one."""
    urls: dict[str, tuple[str, ...]] = {}
    for key, text in db.execute("SELECT rel, urls FROM related"):
        found = json.loads(text)
        if not isinstance(found, list) or not all(isinstance(u, str) for u in found):
            return None
        urls[_text(key)] = tuple(found)
    return RelatedLists(signature, urls)


class StoredAnalyses(Mapping[str, Analysis]):
    """The state's search analyses by key, each row decoded when first asked for.

    An edit needs the analyses of the few entries it changed, not all: decoding every row at load
    took 1.1 s of a 10,000-document edit. A full index build asks for all; past BULK_AFTER rows they
    are read in one query. A row that does not decode (damaged) counts as absent: its entry is
    analysed again, and the next save writes the row anew (see `save_state`).
    """

    BULK_AFTER = 64

    def __init__(self, path: Path, keys: frozenset[str]) -> None:
        self.path = path
        self._rows = keys  # every row of the file: what a save deletes when no longer used
        self._keys = set(keys)  # the rows not (yet) found damaged
        self._decoded: dict[str, Analysis] = {}
        self._asked = 0
        self._bulk = False

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:  # damaged rows included, so that `save_state` deletes them
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, key: str) -> Analysis:
        found = self._decoded.get(key)
        if found is not None:
            return found
        if key not in self._keys:
            raise KeyError(key)
        self._asked += 1
        try:
            db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
            try:
                if self._asked > self.BULK_AFTER and not self._bulk:
                    self._bulk = True
                    rows = db.execute("SELECT key, data FROM analyses").fetchall()
                else:
                    rows = db.execute("SELECT key, data FROM analyses WHERE key = ?", (_key(key),)).fetchall()
            finally:
                db.close()
        except sqlite3.Error:
            rows = []
        for k, v in rows:
            name = _text(k)
            if name in self._keys and name not in self._decoded:
                try:
                    value = STATE_CODEC.loads(v)
                except (ValueError, TypeError, UnicodeDecodeError):
                    value = None
                if isinstance(value, Analysis):
                    self._decoded[name] = value
        if key not in self._decoded:
            self._keys.discard(key)  # gone from the file, or damaged
            raise KeyError(key)
        return self._decoded[key]


def unsettle(folder: Path) -> None:
    """Called before a build writes: until `save_state` finishes, the state vouches for no output.

    A build killed or failed while writing (in place, file by file, or between the swap and the
    save) thus leaves a state the next build ignores: it rebuilds everything and writes exactly a
    clean build's bytes, instead of reusing pages the dead build may never have written.
    """
    if (folder / STATE_DB).is_file():
        try:
            db = _connect(folder)
            try:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('settled', '0')")
            finally:
                db.close()
        except sqlite3.Error:
            (folder / STATE_DB).unlink(missing_ok=True)


def save_docs_first(folder: Path, docs: Mapping[str, CachedDoc]) -> Callable[[str, RenderedDoc], None]:
    """A clean build's docs rows, saved before its pages are made (the state stays unsettled until
    `save_state(..., docs_saved=True)` adds the rest), and what lets go of a render's HTML once its
    page is written: read back from these rows if ever asked for again (a kept state, a re-render).
    At 100,000 documents the HTML held until the end was some 0.7 GB of the build's peak."""
    for suffix in ("", "-journal", "-wal", "-shm"):
        (folder / (STATE_DB + suffix)).unlink(missing_ok=True)
    for cached in docs.values():  # saved with the row, as a later save would have: the next build need not work them out
        _cached_properties(cached.document)
        if cached.rendered is not None:
            _cached_properties(cached.rendered)
    db = _connect(folder)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('settled', '0')")
        db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?)", (_doc_row(r, d) for r, d in docs.items()))
        db.execute("COMMIT")
    finally:
        db.close()
    reader = _Reader(folder / STATE_DB)

    def release(rel: str, rendered: RenderedDoc) -> None:
        state = rendered.__dict__
        if "html" in state and lazy.DEFERRED not in state:
            del state["html"]
            state[lazy.DEFERRED] = lazy.Deferred(functools.partial(reader.fetch, _key(rel)), ("html",))
    return release


def _cached_properties(obj: Any) -> None:
    """Work out `obj`'s cached properties (Document.solution_summary, RenderedDoc.html_digest: the
    codec saves them), which the pages stage would otherwise first ask for after the row is saved."""
    for name, value in vars(type(obj)).items():
        if isinstance(value, functools.cached_property):
            getattr(obj, name)


def save_state(folder: Path, state: BuildState, previous: BuildState | None, docs_saved: bool = False) -> Kept:
    """Record `state`, writing only the rows that differ from `previous` (the state this build loaded).

    A one-document edit of a 10,000-document site so rewrites a handful of rows, not the whole state.
    Returns it with the generation it was saved under, for a caller that keeps it (see `Kept`).
    `docs_saved`: the docs rows are in already (`save_docs_first`, a clean build).
    """
    generation = secrets.token_hex(8)
    if previous is None and not docs_saved:
        # Nothing of it was usable (absent, damaged, another format or key): start from an empty
        # file, so a table of an older format never meets rows of this one.
        for suffix in ("", "-journal", "-wal", "-shm"):
            (folder / (STATE_DB + suffix)).unlink(missing_ok=True)
    try:
        db = _connect(folder)
    except sqlite3.DatabaseError:  # not a database (damaged, or planted): start afresh
        (folder / STATE_DB).unlink(missing_ok=True)
        db = _connect(folder)
    try:
        db.execute("BEGIN IMMEDIATE")
        old_docs = previous.docs if previous else {}
        old_pages = previous.pages if previous else {}
        old_analyses = previous.extra.get("search", {}) if previous else {}
        new_analyses = state.extra.get("search", {})
        if previous is None:
            if not docs_saved:
                db.execute("DELETE FROM docs")
            db.execute("DELETE FROM pages")
            db.execute("DELETE FROM analyses")
            db.execute("DELETE FROM digests")
            db.execute("DELETE FROM related")
            db.execute("DELETE FROM contexts")
        db.executemany("DELETE FROM docs WHERE rel = ?", [(_key(r),) for r in old_docs if r not in state.docs])
        # Rows made one at a time as SQLite takes them: a clean build's rows, in one list, were the
        # whole site's text once more (some 2 GB at 100,000 documents).
        if not docs_saved:
            db.executemany("INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?)",
                           (_doc_row(r, d) for r, d in state.docs.items() if not _same_doc(old_docs.get(r), d)))
        db.executemany("DELETE FROM pages WHERE url = ?", [(_key(u),) for u in old_pages if u not in state.pages])
        db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?)",
                       [(_key(u), fp) for u, fp in state.pages.items() if old_pages.get(u) != fp])
        db.executemany("DELETE FROM analyses WHERE key = ?", [(_key(k),) for k in old_analyses if k not in new_analyses])
        # A key is a digest of the analysed text (and the state's key covers the analyser's code): a
        # key the last state holds holds this analysis. Asked by key only, no row is decoded.
        db.executemany("INSERT OR REPLACE INTO analyses VALUES (?, ?)",
                       ((_key(k), STATE_CODEC.dumps(new_analyses[k])) for k in new_analyses if k not in old_analyses))
        old_digests = previous.extra.get("digests", {}) if previous else {}
        new_digests = state.extra.get("digests", {})
        db.executemany("DELETE FROM digests WHERE rel = ?", [(_key(r),) for r in old_digests if r not in new_digests])
        db.executemany("INSERT OR REPLACE INTO digests VALUES (?, ?, ?)",
                       [(_key(r), h, d) for r, (h, d) in new_digests.items() if old_digests.get(r) != (h, d)])
        old_related = previous.extra.get("related") if previous else None
        new_related = state.extra.get("related") or RelatedLists()
        before = old_related.urls if isinstance(old_related, RelatedLists) else {}
        db.executemany("DELETE FROM related WHERE rel = ?", [(_key(r),) for r in before if r not in new_related.urls])
        db.executemany("INSERT OR REPLACE INTO related VALUES (?, ?)",
                       [(_key(r), json.dumps(u)) for r, u in new_related.urls.items() if before.get(r) != u])
        # Each document page's context as fastedit.py keeps it: written for the pages rendered this time.
        db.executemany("DELETE FROM contexts WHERE rel = ?", [(_key(r),) for r in old_docs if r not in state.docs])
        db.executemany("INSERT OR REPLACE INTO contexts VALUES (?, ?)",
                       [(_key(r), text) for r, text in state.extra.get("contexts", {}).items()])
        db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                       [("format", str(_FORMAT)), ("key", state.key), ("settled", "1"), ("related", new_related.signature),
                        ("generation", generation), ("facts", state.extra.get("facts", ""))])
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    finally:
        db.close()
    return Kept(generation, state)


_HEAVY_DOC = ("body",)  # Document fields kept in columns of their own
_HEAVY_RENDERED = ("html", "text")  # RenderedDoc fields kept in columns of their own


def _doc_row(rel: str, cached: CachedDoc) -> tuple[bytes, str, str, str | None, str | None]:
    """A docs row: the cached document less its body and rendered HTML and text, then those three."""
    doc, rendered = cached.document, cached.rendered
    lazy.complete(doc)
    light_doc = _without(doc, _HEAVY_DOC)
    light_rendered = None
    if rendered is not None:
        lazy.complete(rendered)
        light_rendered = _without(rendered, _HEAVY_RENDERED)
    light = CachedDoc(cached.source_hash, light_doc, cached.problems, cached.page_url, light_rendered)
    return (_key(rel), STATE_CODEC.dumps(light), doc.body,
            rendered.html if rendered is not None else None, rendered.text if rendered is not None else None)


def _without(obj: Any, names: tuple[str, ...]) -> Any:
    """A copy of a frozen dataclass whose `names` are empty strings (the codec saves what it is given)."""
    copy = object.__new__(type(obj))
    copy.__dict__.update(obj.__dict__)
    copy.__dict__.update(dict.fromkeys(names, ""))
    return copy


class _Reader:
    """Fetches deferred columns of the docs table: row by row for the few pages an edit renders,
    then, once many are asked for (the search index reads every text), all rows in one query."""

    BULK_AFTER = 32

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._asked: dict[str, int] = {}
        self._bulk: dict[str, dict[bytes, Any]] = {}

    def __getstate__(self) -> dict[str, Any]:  # sent to a worker: it opens its own connection
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

    def fetch(self, key: bytes, columns: tuple[str, ...]) -> dict[str, Any]:
        for column in columns:
            self._asked[column] = self._asked.get(column, 0) + 1
            if self._asked[column] > self.BULK_AFTER and column not in self._bulk:
                self._bulk[column] = dict(self._query(f"SELECT rel, {column} FROM docs"))
        if all(key in self._bulk.get(c, ()) for c in columns):
            return {c: self._bulk[c][key] for c in columns}
        row = self._query(f"SELECT {', '.join(columns)} FROM docs WHERE rel = ?", (key,))
        if not row:
            raise LookupError(f"the build state in {self.path.parent} changed while this build used it; build again")
        return dict(zip(columns, row[0]))

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        if self._db is None or self._pid != os.getpid():  # a forked worker never shares its parent's connection
            self._db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
            self._pid = os.getpid()
        return self._db.execute(sql, args).fetchall()


def _deferring(cached: Any, reader: _Reader, key: bytes) -> Any:
    """A loaded docs row: its document's body and its render's HTML and text left to fetch on demand."""
    if not isinstance(cached, CachedDoc) or not isinstance(cached.document, Document):
        return cached  # refused by the caller
    _defer(cached.document, _HEAVY_DOC, reader, key)
    if isinstance(cached.rendered, RenderedDoc):
        _defer(cached.rendered, _HEAVY_RENDERED, reader, key)
    return cached


def _defer(obj: Any, names: tuple[str, ...], reader: _Reader, key: bytes) -> None:
    for name in names:
        obj.__dict__.pop(name, None)
    obj.__dict__[lazy.DEFERRED] = lazy.Deferred(functools.partial(reader.fetch, key), names)


def _same_doc(old: CachedDoc | None, new: CachedDoc) -> bool:
    # Unchanged documents reach the new state as the very objects loaded: identity, not a deep compare.
    return (old is not None and old.document is new.document and old.rendered is new.rendered
            and old.source_hash == new.source_hash and old.page_url == new.page_url and old.problems == new.problems)

