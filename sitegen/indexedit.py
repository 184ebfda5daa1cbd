"""Stage: the search index's files for a build, patched after an edit, built whole otherwise.

An edit of one document changes one or a few search entries. Finding which must not cost what
building the index costs: an entry of a document whose loaded Document and RenderedDoc are the very
objects the last build saved (nothing re-read or re-rendered), at the same ref and url, is the entry
the last build recorded (sitegen/shardupdate.py's ENTRIES_KEY record); only the others are made,
analysed and compared. The changed ones go to `shardupdate.patch_index`; when it declines, or refs
moved (an entry added, removed or reordered), every file is built (`shards.iter_files`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence

from sitegen.keys import digest
from sitegen.parallel import run_chunks, split
from sitegen.search import Analysis, SearchEntry, analyse, field_texts
from sitegen.shards import iter_files
from sitegen.shardupdate import (ENTRIES_KEY, PATCH_LIMIT, EntryEdit, content_digest, dump_record, is_index_file, load_record,
                                 patch_index, record_row)

if TYPE_CHECKING:
    from sitegen.cache import CachedDoc
    from sitegen.group import Entry
    from sitegen.site import Site

ANALYSE_PARALLEL_THRESHOLD = 200  # below this, worker start-up costs more than it saves


def analysis_key(entry: SearchEntry) -> str:
    """The key an entry's Analysis is kept under: a digest of the texts it indexes."""
    return digest(repr(tuple(field_texts(entry).items())).encode("utf-8", "surrogateescape"))


def search_entry(ref: int, entry: Entry, body: Any) -> SearchEntry:
    """What the index holds of one entry, the site's `ref`-th (`body`: its document's RenderedDoc)."""
    doc = entry.doc
    if entry.section is None:
        headings = tuple(h.title for h in body.toc)
        text = body.text
    else:
        headings = (entry.section.title,)
        text = " ".join((entry.section.solution, entry.section.root_cause))
    return SearchEntry(
        ref=ref, url=entry.url, title=entry.title, component=doc.component, problem_type=doc.problem_type,
        severity=doc.severity, symptoms=entry.symptoms, tags=doc.tags, root_cause=doc.root_cause,
        headings=headings, body=text, guide=doc.title if entry.section is not None else "",
    )


def analyse_entries(entries: list[SearchEntry], cache: Mapping[str, Analysis], jobs: int) -> tuple[list[Analysis], dict[str, Analysis], list[str]]:
    """Search analysis (tokenize, stem) of each entry: reused when its indexed text is unchanged,
    computed in worker processes when many entries are new. Also each entry's analysis key."""
    keys = [analysis_key(e) for e in entries]
    found: dict[str, Analysis] = {}
    missing: dict[str, SearchEntry] = {}
    for key, entry in zip(keys, entries):
        if key not in found and key not in missing:
            known = cache.get(key) if key in cache else None  # (a damaged row of a loaded state reads as absent)
            if known is None:
                missing[key] = entry
            else:
                found[key] = known
    todo = sorted(missing.items())
    chunks = split(range(len(todo)), jobs) if len(todo) >= ANALYSE_PARALLEL_THRESHOLD else [range(len(todo))]
    for chunk_result in run_chunks(_analyse_chunk, todo, chunks, jobs):
        found.update(chunk_result)
    return [found[k] for k in keys], {k: found[k] for k in keys}, keys


def _analyse_chunk(todo: list[tuple[str, SearchEntry]], positions: Sequence[int]) -> dict[str, Analysis]:
    return {key: analyse(entry) for key, entry in (todo[i] for i in positions)}


class AnalysisView(Mapping[str, Analysis]):
    """The analyses of this build's entries, for the state: the new ones in memory, the others
    left undecoded in the loaded state (`base`, often a cache.StoredAnalyses)."""

    def __init__(self, keys: Iterable[str], fresh: Mapping[str, Analysis], base: Mapping[str, Analysis]) -> None:
        self._keys = set(keys)
        if isinstance(base, AnalysisView):  # one level, however many builds a `serve` runs
            fresh = {**base.fresh, **fresh}
            base = base.base
        self.fresh = {k: v for k, v in fresh.items() if k in self._keys}
        self.base = base

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, key: str) -> Analysis:
        if key not in self._keys:
            raise KeyError(key)
        found = self.fresh.get(key)
        return found if found is not None else self.base[key]


@dataclass(frozen=True)
class IndexFiles:
    files: dict[str, str]  # to write
    kept: list[str]  # the last build's, kept as they are
    fingerprints: dict[str, str]  # fingerprint rows: every index file's digest, and ENTRIES_KEY
    analyses: Mapping[str, Analysis]  # analysis key -> Analysis of every entry, for the state
    # A clean build's files, one at a time (shards.iter_files): write each and fingerprint it as it
    # comes, so the index is never held whole (some 150 MB at 100,000 entries).
    stream: Iterable[tuple[str, str]] = ()


def index_files(site: Site, previous: Mapping[str, str], previous_analyses: Mapping[str, Analysis],
                previous_docs: Mapping[str, CachedDoc] | None, exists: Callable[[str], bool], out: Path) -> IndexFiles:
    """The search index of `site` after the build whose fingerprints are `previous`.

    `previous_docs`: the last build's state (source rel -> CachedDoc) as loaded; its Document and
    RenderedDoc objects, met again in `site`, mark documents whose entries need no look.
    """
    rows = load_record(previous.get(ENTRIES_KEY))
    if rows is not None and len(rows) == len(site.entries) and all(exists(url) for url in previous if is_index_file(url)):
        changed = _changed(site, rows, previous_docs or {})
        if changed is not None:
            def read_old(url: str) -> str | None:
                try:
                    return (out / url).read_text(encoding="utf-8") if exists(url) else None
                except (OSError, UnicodeDecodeError):
                    return None

            edited = edit_index(changed, previous, previous_analyses, read_old, rows)
            if edited is not None:
                return edited
    entries = search_entries(site)
    analyses, cache, keys = analyse_entries(entries, previous_analyses, site.config.jobs)
    record = dump_record([record_row(e, k) for e, k in zip(entries, keys)])
    return IndexFiles({}, [], {ENTRIES_KEY: record}, cache, iter_files(entries, analyses))


def edit_index(changed: Sequence[SearchEntry], previous: Mapping[str, str], previous_analyses: Mapping[str, Analysis],
               read_old: Callable[[str], str | None], rows: list[list[str]] | None = None) -> IndexFiles | None:
    """The search index after an edit that changed at most the entries `changed`, or None: build it whole.

    The entry point for an edit path that knows what it changed (e.g. one document re-rendered):
    - `changed`: each entry, as it is now, that may differ from the last build's at the same ref
      (`search_entry(ref, site.entries[ref], rendered)`). Listing an unchanged one costs its
      analysis key; leaving out a changed one gives a wrong index. The refs must be the last
      build's: the same number of entries, none added, removed or moved.
    - `previous`: the last build's fingerprint rows (BuildState.pages); `previous_analyses`: its
      analyses (BuildState.extra["search"]), of which only the changed entries' old ones are read.
    - `read_old(path)`: the last build's output file's text, or None; read for touched files only.
    - `rows`: the ENTRIES_KEY record, when the caller has decoded it already.
    Returns the files to write, the index files to keep, the fingerprint rows of every index file
    and ENTRIES_KEY (put them into the new fingerprints), and the analyses for the new state.
    """
    rows = rows if rows is not None else load_record(previous.get(ENTRIES_KEY))
    if rows is None or len(changed) > PATCH_LIMIT or any(not 0 <= e.ref < len(rows) for e in changed):
        return None
    made = []
    for entry in changed:
        key = analysis_key(entry)
        if record_row(entry, key) != list(rows[entry.ref]):
            made.append((entry, key))
    old = [url for url in previous if is_index_file(url)]
    if not made:
        return IndexFiles({}, old, {**{url: previous[url] for url in old}, ENTRIES_KEY: previous[ENTRIES_KEY]},
                          AnalysisView([r[1] for r in rows], {}, previous_analyses))
    fresh = dict(zip((key for _, key in made), analyse_entries([e for e, _ in made], previous_analyses, 1)[0]))
    patch = patch_index([EntryEdit(e.ref, e, fresh[key], key) for e, key in made], previous, previous_analyses, read_old, rows=rows)
    if patch is None:
        return None
    keys = [r[1] for r in rows]
    for e, key in made:
        keys[e.ref] = key
    return IndexFiles(patch.files, patch.kept, {**{url: previous[url] for url in patch.kept}, **patch.fingerprints},
                      AnalysisView(keys, fresh, previous_analyses))


def search_entries(site: Site) -> list[SearchEntry]:
    return [search_entry(ref, entry, site.rendered[entry.doc.source.rel]) for ref, entry in enumerate(site.entries)]


def _changed(site: Site, rows: Sequence[Sequence[str]], previous_docs: Mapping[str, Any]) -> list[SearchEntry] | None:
    """Each entry that may differ from the last build's at its ref; None past PATCH_LIMIT.

    An entry whose document's Document and RenderedDoc are the objects the last build saved, at
    the url the last build's row of its ref has, is that row's entry: its RenderedDoc was made for
    the same page url (cache.CachedDoc.page_url; build.render_all renders again otherwise), and
    a build's entry urls are unique (load_record checks), so the url names the same entry.
    """
    unchanged: dict[str, bool] = {}
    changed = []
    rendered = site.rendered
    for ref, entry in enumerate(site.entries):
        rel = entry.doc.source.rel
        row = rows[ref]
        same = unchanged.get(rel)
        if same is None:
            old = previous_docs.get(rel)
            same = unchanged[rel] = old is not None and old.document is entry.doc and old.rendered is rendered.get(rel)
        if same and row[0] == entry.url:
            continue  # the same objects made the same entry
        changed.append(search_entry(ref, entry, rendered[rel]))
        if len(changed) > PATCH_LIMIT:
            return None
    return changed
