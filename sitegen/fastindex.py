"""The search index's share of an edit's fast path (fastedit.py): the files the edited entries touch.

The index is patched by `indexedit.edit_index` from the edited entries alone: their old analyses are
read from the state one row each (no other row is decoded), and only the shard rows whose counts
changed are rewritten (see shardupdate.patch_index). The result is the bytes a clean build writes
(tests/test_fastedit.py compares them). None when anything does not fit (a file missing or altered,
a row missing, a shard that would appear or empty): the full path then.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator, Mapping

from sitegen.cache import STATE_CODEC, CachedDoc, _key, _text
from sitegen.search import Analysis
from sitegen.shards import MANIFEST
from sitegen.shardupdate import ENTRIES_KEY, content_digest, is_index_file


class _Rows(Mapping[str, Analysis]):
    """The state's analyses, one row read when asked for: an edit asks for its own entries' only."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __getitem__(self, key: str) -> Analysis:
        row = self.db.execute("SELECT data FROM analyses WHERE key = ?", (_key(key),)).fetchone()
        found = STATE_CODEC.loads(row[0]) if row else None
        if not isinstance(found, Analysis):
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.db.execute("SELECT 1 FROM analyses WHERE key = ?", (_key(key),)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        raise TypeError("not listed: an edit reads the rows it names")

    def __len__(self) -> int:
        raise TypeError("not counted: an edit reads the rows it names")


def index_edit(db: sqlite3.Connection, out: Path, fresh: Mapping[str, CachedDoc],
               old: Mapping[str, CachedDoc]) -> tuple[dict[str, str], dict[str, str], dict[str, Analysis]] | None:
    """(files to write, their `pages` rows and the entries row, new analyses by key), or None."""
    from sitegen.group import entries_of
    from sitegen.indexedit import edit_index, search_entry
    from sitegen.shardupdate import load_record

    previous = {_text(u): str(fp) for u, fp in db.execute("SELECT url, fp FROM pages WHERE url = ? OR (url >= ? AND url < ?)",
                                                            (_key(MANIFEST), b"search/", b"search0"))}
    rows = load_record(previous.get(ENTRIES_KEY))
    if rows is None:
        return None
    ref_of = {row[0]: n for n, row in enumerate(rows)}
    changed = []
    for cached in fresh.values():
        assert cached.rendered is not None
        for entry in entries_of(cached.document, cached.page_url):
            n = ref_of.get(entry.url)
            if n is None:
                return None
            changed.append(search_entry(n, entry, cached.rendered))

    def read_old(url: str) -> str | None:
        try:
            text = (out / url).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return text if content_digest(text) == previous.get(url) else None

    index = edit_index(changed, previous, _Rows(db), read_old, rows)
    if index is None:
        return None
    old_index = {url for url in previous if is_index_file(url)}
    if not set(index.files) <= old_index or set(index.files) | set(index.kept) != old_index:
        return None  # a shard would appear or go: the full path lists the files anew
    written = {url: index.fingerprints[url] for url in index.files}
    written[ENTRIES_KEY] = index.fingerprints[ENTRIES_KEY]
    fresh_analyses = getattr(index.analyses, "fresh", {})
    return dict(index.files), written, dict(fresh_analyses)
