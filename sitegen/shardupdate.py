"""An edit's search index: the last build's files, patched where the edited entries' terms are.

No score is in the index (sitegen/shards.py), so an entry's edit changes only the rows of the terms
whose frequency in it changed, its store chunk and the manifest (its field lengths, and the shard
keys and common terms those rows decide). `patch_index` rewrites those and keeps every other file of
the last build, giving the very bytes a clean build gives (tests/test_search_shards.py compares).

It works on the files' text: a shard's JSON is decoded from its string literal, the rows of the
touched terms are found by string search (a row starts with `["term",`), decoded, changed and
encoded again, and the other rows are spliced back as they were. A 700 KB shard costs a few
milliseconds, where decoding and encoding all of its rows cost 20 times more.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from sitegen.search import FIELDS, MIN_SCORES, Analysis, SearchEntry, _store_entry
from sitegen.shards import (MANIFEST, STORE_CHUNK, _script, chunk_file, common_terms, group_leaves, idf, parse_script,
                            same_layout, shard_file, shard_keys, split_payload, term_row, utf16_order)

ENTRIES_KEY = "search/.entries"  # a fingerprint row, not a file: the last build's entries, as JSON
HIDDEN = "search/."  # rows under it are bookkeeping, never files
GONE = (-1, 0)  # stands for a field's dropped postings, which the last build's file does not hold
# More changed entries than this (a reordering, a settings change): building every file is as quick.
PATCH_LIMIT = 256


def content_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def is_index_file(url: str) -> bool:
    return url == MANIFEST or (url.startswith("search/") and not url.startswith(HIDDEN))


def store_digest(entry: SearchEntry) -> str:
    """The digest of what the result store shows of `entry` (its ref and url included)."""
    return content_digest(json.dumps(_store_entry(entry), sort_keys=True))


def record_row(entry: SearchEntry, key: str) -> list[str]:
    """What the next build compares an entry with: [url, analysis key, store digest]."""
    return [entry.url, key, store_digest(entry)]


def dump_record(rows: Sequence[Sequence[str]]) -> str:
    return json.dumps(rows, separators=(",", ":"))


def load_record(text: str | None) -> list[list[str]] | None:
    """The rows of an ENTRIES_KEY record, or None when absent or not of this form (urls are unique)."""
    if not text:
        return None
    try:
        rows = json.loads(text)
    except ValueError:
        return None
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == 3 for r in rows):
        return None
    return rows if len({r[0] for r in rows}) == len(rows) else None


@dataclass(frozen=True)
class EntryEdit:
    """An entry, at a ref the last build had, whose indexed text or result-store row changed."""

    ref: int
    entry: SearchEntry  # as it is now (entry.ref == ref)
    analysis: Analysis  # analyse(entry)
    key: str  # its analysis key (sitegen.indexedit.analysis_key)


@dataclass(frozen=True)
class IndexPatch:
    files: dict[str, str]  # the files rewritten: output path -> text
    kept: list[str]  # the last build's index files that stay as they are
    fingerprints: dict[str, str]  # new fingerprint rows: each rewritten file's digest, and ENTRIES_KEY


def patch_index(edits: Sequence[EntryEdit], previous: Mapping[str, str], old_analyses: Mapping[str, Analysis],
                read_old: Callable[[str], str | None], min_scores: Mapping[str, float] = MIN_SCORES,
                fields: Sequence[tuple[str, int]] = FIELDS, rows: list[list[str]] | None = None) -> IndexPatch | None:
    """The index files after `edits`, or None when only building every file can tell.

    Contract (for any caller, e.g. an edit path that re-renders one document):
    - `edits`: every entry whose analysis key or store row differs from the last build's, at the
      same ref; the set of refs (0..n-1, in the last build's order) is unchanged: no entry added,
      removed or moved. An entry not listed is taken to be exactly as the last build had it.
    - `previous`: the last build's fingerprint rows (output path -> digest), which hold its
      ENTRIES_KEY record and the digest of every index file it wrote.
    - `old_analyses`: analysis key -> Analysis; only the edited refs' old keys are looked up.
    - `read_old(path)`: the text of the last build's output file, or None. Only the files the
      edits touch are read, and each must match its recorded digest.
    Returns the files to write, the index files to keep, and the fingerprint rows to record (each
    written file's digest, and the new ENTRIES_KEY record); the last build's index files in
    neither list (emptied shards) are no longer part of the site. None (build every file) when:
    the record or a file is missing or altered, an old analysis is not at hand, a term's dropped
    body postings must come back (its idf rose over the floor: no file holds them), more than
    PATCH_LIMIT entries changed, or more than one field has a floor.
    `rows`: the ENTRIES_KEY record, when the caller has decoded it already (it is not changed).
    """
    floored = [(name, boost, min_scores[name]) for name, boost in fields if name in min_scores]
    record = rows if rows is not None else load_record(previous.get(ENTRIES_KEY))
    if record is None:
        return None
    rows = list(record)  # (rows are replaced below, never changed: the caller's stay as they were)
    if len(floored) > 1 or len(edits) > PATCH_LIMIT:
        return None
    count = len(rows)
    if any(not 0 <= e.ref < count or e.entry.ref != e.ref for e in edits) or len({e.ref for e in edits}) != len(edits):
        return None

    def old_file(url: str) -> str | None:
        text = read_old(url)
        return text if text is not None and content_digest(text) == previous.get(url) else None

    manifest_text = old_file(MANIFEST)
    if manifest_text is None:
        return None
    manifest = parse_script(manifest_text)[1]
    prefix = manifest["prefix"]
    if manifest["docs"] != count or "common" not in manifest or not same_layout(manifest):
        # (a manifest without `common` is an older build's: its common terms are not known; one split
        # at another limit would keep its untouched shards in the old layout)
        return None
    names = [name for name, _ in fields]
    # Per touched term: (ref, field) -> tf before and after, for the pairs whose tf changed: a term
    # whose every count stayed has the same row (idf and the floor depend on its count alone).
    touched: dict[str, dict[tuple[int, str], tuple[int, int]]] = {}
    for edit in edits:
        old_key = rows[edit.ref][1]
        if old_key == edit.key:
            continue
        before = old_analyses.get(old_key)
        if before is None or len(before.fields) != len(names) or len(edit.analysis.fields) != len(names):
            return None
        for name, old_field, new_field in zip(names, before.fields, edit.analysis.fields):
            old_tfs = dict(zip(old_field.terms, old_field.counts))
            for term, tf in zip(new_field.terms, new_field.counts):
                was = old_tfs.pop(term, 0)
                if was != tf:
                    touched.setdefault(term, {})[(edit.ref, name)] = (was, tf)
            for term, tf in old_tfs.items():  # terms it no longer has
                touched.setdefault(term, {})[(edit.ref, name)] = (tf, 0)
    keys = set(manifest["shards"])
    common: dict[str, int] = {term: most for term, most in manifest["common"].items() if term not in touched}
    files: dict[str, str] = {}
    groups = group_leaves(keys, prefix)
    for key, terms in shard_keys(touched, prefix).items():
        # `key` is a group of terms (their first `prefix` units), in the shards split_payload split it
        # into (its leaves): patched as one, then split again as a clean build splits it.
        leaves = sorted(groups.get(key, []), key=utf16_order)
        texts = {leaf: old_file(shard_file(leaf)) for leaf in leaves}
        if None in texts.values():
            return None
        shard = _ShardText.joined([texts[leaf] for leaf in leaves])  # type: ignore[misc]
        for term in sorted(terms, key=utf16_order):
            row = _patch_term(term, shard, touched[term], count, fields, min_scores, floored)
            if row is _DECLINE:
                return None
            if row is not None:
                common.update(common_terms([row], count))
        parts = shard.split(key, prefix)
        for leaf in leaves:
            if leaf not in parts:
                keys.discard(leaf)
                files[shard_file(leaf)] = ""  # emptied, or split otherwise now: left out
        for leaf, text in parts.items():
            if text != texts.get(leaf):  # a part the edit left as it was is kept
                files[shard_file(leaf)] = text
            keys.add(leaf)
    store_changed: dict[int, list[EntryEdit]] = {}
    for edit in edits:
        if rows[edit.ref][2] != store_digest(edit.entry):
            store_changed.setdefault(edit.ref // STORE_CHUNK, []).append(edit)
    for number, changed in sorted(store_changed.items()):
        text = old_file(chunk_file(number))
        if text is None:
            return None
        name, part = parse_script(text)
        for edit in changed:
            at = edit.ref - number * STORE_CHUNK
            if not 0 <= at < len(part):
                return None
            part[at] = _store_entry(edit.entry)
        files[chunk_file(number)] = _script(name, part)
    lengths = manifest["lengths"]
    for edit in edits:
        for name, field in zip(names, edit.analysis.fields):
            lengths[name][edit.ref] = field.length
    manifest["shards"] = sorted(keys, key=utf16_order)
    manifest["common"] = {term: common[term] for term in sorted(common, key=utf16_order)}
    files[MANIFEST] = _script("index", manifest)
    for edit in edits:
        rows[edit.ref] = record_row(edit.entry, edit.key)
    written = {url: text for url, text in files.items() if text}
    fingerprints = {url: content_digest(text) for url, text in written.items()}
    fingerprints[ENTRIES_KEY] = dump_record(rows)
    kept = [url for url in previous if is_index_file(url) and url not in files]
    return IndexPatch(written, kept, fingerprints)


_DECLINE: Any = object()
ROW_START = re.compile(r'\["')  # in a shard's JSON, only a term row starts so (a term's own quotes are escaped)
TERMS_AT = len('{"terms":[')
TAIL = '],"dropped":['
ZERO = 'JSON.parse("0")'  # _script(name, 0)'s literal  # where the terms end: no row holds it (rows hold numbers and one-letter keys)


class _ShardText:
    """A term shard's JSON, its rows kept as text until one is asked for.

    The file is `_script(name, payload)`: the payload's compact ASCII JSON inside a string literal.
    Rows are spliced as text, so the JSON put back together is `json.dumps(payload)` of the new
    payload: JSON text is the concatenation of its items' texts.
    """

    def __init__(self, text: str | None) -> None:
        self.rows: list[str] = []
        self.dropped: set[str] = set()
        self.gone: dict[str, int] = {}
        self._terms: list[str | None] = []  # decoded lazily, for the binary search
        if text is None:
            return
        decoder = json.JSONDecoder()
        at = text.index("JSON.parse(") + len("JSON.parse(")
        inner = decoder.raw_decode(text, at)[0]
        end = inner.rindex(TAIL)
        body = inner[TERMS_AT:end]
        starts = [m.start() for m in ROW_START.finditer(body)]
        self.rows = [body[a:b - 1] for a, b in zip(starts, starts[1:])] + ([body[starts[-1]:]] if starts else [])
        self._terms = [None] * len(self.rows)
        tail = json.loads("{" + inner[end + 2:])
        self.dropped = set(tail["dropped"])
        self.gone = dict(tail["gone"])

    @classmethod
    def joined(cls, texts: Sequence[str]) -> _ShardText:
        """One group's rows from the texts of its shards, in key order (which is term order: each
        key starts every term of its shard, and no key starts another's terms)."""
        joined = cls(None)
        for text in texts:
            part = cls(text)
            joined.rows += part.rows
            joined._terms += part._terms
            joined.dropped |= part.dropped
            joined.gone.update(part.gone)
        return joined

    def split(self, key: str, prefix: int) -> dict[str, str]:
        """The texts of the shards `split_payload` makes of this group `key`: {} when emptied."""
        if self.empty():
            return {}
        decoded = json.loads("[" + ",".join(self.rows) + "]")
        row_text = {row[0]: text for row, text in zip(decoded, self.rows)}
        order = sorted({*self.dropped, *self.gone}, key=utf16_order)
        payload = {"terms": decoded, "dropped": [t for t in order if t in self.dropped],
                   "gone": {t: self.gone[t] for t in order if t in self.gone}}
        texts: dict[str, str] = {}
        for leaf, part in split_payload(key, payload, prefix).items():
            shard = _ShardText(None)
            shard.rows = [row_text[row[0]] for row in part["terms"]]
            shard.dropped = set(part["dropped"])
            shard.gone = dict(part["gone"])
            texts[leaf] = shard.text(f"t:{leaf}")
        return texts

    def _term(self, n: int) -> str:
        found = self._terms[n]
        if found is None:
            found = self._terms[n] = json.JSONDecoder().raw_decode(self.rows[n], 1)[0]
        return found

    def find(self, term: str) -> tuple[int, bool]:
        """(position of `term`'s row, or where it would go; whether it is there)."""
        lo, hi, key = 0, len(self.rows), utf16_order(term)
        while lo < hi:
            mid = (lo + hi) // 2
            if utf16_order(self._term(mid)) < key:
                lo = mid + 1
            else:
                hi = mid
        return lo, lo < len(self.rows) and self._term(lo) == term

    def row(self, n: int) -> list[Any]:
        return json.loads(self.rows[n])

    def put(self, n: int, there: bool, term: str, row: list[Any] | None) -> None:
        if row is None:
            if there:
                del self.rows[n]
                del self._terms[n]
        elif there:
            self.rows[n] = json.dumps(row, separators=(",", ":"))
        else:
            self.rows.insert(n, json.dumps(row, separators=(",", ":")))
            self._terms.insert(n, term)

    def empty(self) -> bool:
        return not self.rows and not self.gone

    def text(self, name: str) -> str:
        order = sorted({*self.dropped, *self.gone}, key=utf16_order)
        tail = {"dropped": [t for t in order if t in self.dropped], "gone": {t: self.gone[t] for t in order if t in self.gone}}
        inner = '{"terms":[' + ",".join(self.rows) + "]," + json.dumps(tail, separators=(",", ":"))[1:]
        literal = json.dumps(inner).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")  # as _script_string
        frame = _script(name, 0)  # the file around the literal, as shards.py writes it
        at = frame.rindex(ZERO)
        return frame[:at] + f"JSON.parse({literal})" + frame[at + len(ZERO):]


def _decode_row(row: Sequence[Any] | None) -> dict[str, list[tuple[int, int]]]:
    """A shard row's postings: field -> [(ref, tf)] (the row's count is row[1])."""
    fields: dict[str, list[tuple[int, int]]] = {}
    for name, packed in (row[2] if row else {}).items():
        refs, ref = [], 0
        for gap in packed[0]:
            ref += gap
            refs.append(ref)
        fields[name] = list(zip(refs, packed[1] if len(packed) > 1 else [1] * len(refs)))
    return fields


def _patch_term(term: str, shard: _ShardText, changes: Mapping[tuple[int, str], tuple[int, int]], count: int,
                fields: Sequence[tuple[str, int]], min_scores: Mapping[str, float],
                floored: Sequence[tuple[str, int, float]]) -> Any:
    """Apply `changes` to `term` in `shard`: its new row (None when it has no row now), or _DECLINE."""
    at, there = shard.find(term)
    old_row = shard.row(at) if there else None
    by_field = _decode_row(old_row)
    old_count = old_row[1] if old_row else shard.gone.pop(term, 0)
    # Postings the file does not hold (dropped): the count says how many.
    hidden = old_count - sum(len(found) for found in by_field.values())
    if term in shard.dropped:  # postings the last build dropped stay out, and the term stays marked
        shard.dropped.discard(term)
        for name, boost, floor in floored:
            if idf(old_count, count) * boost < floor:
                by_field.setdefault(name, [GONE])
    total = old_count
    for (ref, name), (old_tf, new_tf) in changes.items():
        total += (new_tf > 0) - (old_tf > 0)
        if old_tf and not any(p[0] == ref for p in by_field.get(name, [])):
            hidden -= 1  # one of the dropped postings is gone with the edit
        kept = [p for p in by_field.get(name, []) if p[0] != ref]
        if new_tf:
            kept = sorted([*kept, (ref, new_tf)])
        by_field[name] = kept
    if total <= 0:
        shard.put(at, there, term, None)
        return None
    if hidden <= 0:  # none of its dropped postings is left
        by_field = {name: [p for p in found if p != GONE] for name, found in by_field.items()}
    for name, boost, floor in floored:
        if GONE in by_field.get(name, ()) and idf(total, count) * boost >= floor:
            return _DECLINE  # its body postings must come back: only a full build has them
    cleaned = {n: [p for p in f if p != GONE] or [GONE] for n, f in by_field.items() if f}
    row, was_dropped = term_row(term, cleaned, count, fields, min_scores, total)
    if was_dropped:
        shard.dropped.add(term)
    if row[2]:
        shard.put(at, there, term, row)
        return row
    shard.put(at, there, term, None)
    shard.gone[term] = total
    return None
