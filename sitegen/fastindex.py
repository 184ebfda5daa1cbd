"""The search index's share of an edit's fast path (fastedit.py): the files the edited entries touch.

The full path hands shardupdate.update_files every entry and every analysis, which at 10,000
documents means decoding every analysis row of the state (a second) to learn field lengths the last
build's manifest already lists. Here update_files gets the edited entries and their analyses, old
and new, and, for every other ref, its field lengths as the manifest recorded them; the store chunk
of an edited entry is the last build's chunk with that entry's item replaced. The result is the
bytes a clean build writes (tests/test_fastedit.py compares them). None when anything does not fit
(a file missing or altered, a row missing, a shard that would appear or empty): the full path then.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from sitegen.cache import STATE_CODEC, CachedDoc, _key, _text
from sitegen.search import FIELDS, Analysis, SearchEntry, _store_entry
from sitegen.shards import MANIFEST, STORE_CHUNK, _script, chunk_file, parse_script
from sitegen.shardupdate import ENTRIES_KEY, content_digest, is_index_file, update_files


class _Length:
    __slots__ = ("length",)

    def __init__(self, length: int) -> None:
        self.length = length


class _Unchanged:
    """An entry's analysis as update_files reads it for an entry the edit did not touch: lengths only."""

    __slots__ = ("fields",)

    def __init__(self, fields: tuple[_Length, ...]) -> None:
        self.fields = fields


class _Ref:
    __slots__ = ("ref",)

    def __init__(self, ref: int) -> None:
        self.ref = ref


class _Seq(Sequence[Any]):
    def __init__(self, count: int, known: Mapping[int, Any], make: Callable[[int], Any]) -> None:
        self.count, self.known, self.make = count, known, make

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, n: Any) -> Any:
        if isinstance(n, slice):
            raise TypeError("no slices: the store chunks are patched by the caller")
        if not 0 <= n < self.count:
            raise IndexError(n)
        found = self.known.get(n)
        return found if found is not None else self.make(n)

    def __iter__(self) -> Iterator[Any]:
        return (self[n] for n in range(self.count))


def index_edit(db: sqlite3.Connection, out: Path, fresh: Mapping[str, CachedDoc],
               old: Mapping[str, CachedDoc]) -> tuple[dict[str, str], dict[str, str], dict[str, Analysis]] | None:
    """(files to write, their `pages` rows and the entries row, new analyses by key), or None."""
    from sitegen.group import entries_of
    from sitegen.pages import analysis_key, search_entry
    from sitegen.search import analyse

    previous = {_text(u): str(fp) for u, fp in db.execute("SELECT url, fp FROM pages WHERE url = ? OR (url >= ? AND url < ?)",
                                                            (_key(MANIFEST), b"search/", b"search0"))}
    if ENTRIES_KEY not in previous:
        return None
    old_rows = json.loads(previous[ENTRIES_KEY])
    ref_of = {row[0]: n for n, row in enumerate(old_rows)}
    if len(ref_of) != len(old_rows):
        return None
    new_rows = [list(row) for row in old_rows]
    entries: dict[int, SearchEntry] = {}
    for rel, cached in fresh.items():
        assert cached.rendered is not None
        for entry in entries_of(cached.document, cached.page_url):
            n = ref_of.get(entry.url)
            if n is None:
                return None
            found = search_entry(n, entry, cached.rendered)
            entries[n] = found
            new_rows[n] = [entry.url, analysis_key(found), content_digest(json.dumps(_store_entry(found), sort_keys=True))]
    analysed = [n for n in entries if new_rows[n][1] != old_rows[n][1]]
    before: dict[str, Analysis] = {}
    after: dict[int, Analysis] = {}
    saved: dict[str, Analysis] = {}
    for n in analysed:
        old_key, new_key = old_rows[n][1], new_rows[n][1]
        row = db.execute("SELECT data FROM analyses WHERE key = ?", (_key(old_key),)).fetchone()
        if row is None:
            return None
        before[old_key] = STATE_CODEC.loads(row[0])
        row = db.execute("SELECT data FROM analyses WHERE key = ?", (_key(new_key),)).fetchone()
        after[n] = STATE_CODEC.loads(row[0]) if row else analyse(entries[n])
        if not isinstance(before[old_key], Analysis) or not isinstance(after[n], Analysis):
            return None
        saved[new_key] = after[n]

    def read_old(url: str) -> str | None:
        try:
            text = (out / url).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return text if content_digest(text) == previous.get(url) else None

    old_index = {url for url in previous if is_index_file(url)}
    files: dict[str, str] = {}
    if analysed:
        manifest_text = read_old(MANIFEST)
        if manifest_text is None:
            return None
        lengths = parse_script(manifest_text)[1]["lengths"]
        names = [name for name, _ in FIELDS]
        columns = [lengths[name] for name in names]
        shared: dict[int, _Length] = {}

        def unchanged(n: int) -> _Unchanged:
            return _Unchanged(tuple(shared.get(c[n]) or shared.setdefault(c[n], _Length(c[n])) for c in columns))

        # The store digests as they were: update_files leaves the store chunks alone, patched below.
        record = json.dumps([[row[0], row[1], old[2]] for row, old in zip(new_rows, old_rows)], separators=(",", ":"))
        update = update_files(_Seq(len(old_rows), entries, _Ref), _Seq(len(old_rows), after, unchanged), record, previous,
                              before, read_old)
        if update is None:
            return None
        files, kept = update
        if not set(files) <= old_index or set(files) | set(kept) != old_index:
            return None  # a shard would appear or go: the full path lists the files anew
    for number in sorted({n // STORE_CHUNK for n in entries if new_rows[n][2] != old_rows[n][2]}):
        url = chunk_file(number)
        text = read_old(url)
        if text is None:
            return None
        items = parse_script(text)[1]
        for n in entries:
            if n // STORE_CHUNK == number:
                if items[n % STORE_CHUNK].get("ref") != n:
                    return None
                items[n % STORE_CHUNK] = _store_entry(entries[n])
        files[url] = _script(f"d:{number}", items)
    rows = {url: content_digest(text) for url, text in files.items()}
    rows[ENTRIES_KEY] = json.dumps(new_rows, separators=(",", ":"))
    return files, rows, saved
