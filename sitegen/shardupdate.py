"""An edit's search index: the last build's files, patched where the edited entries' terms are.

No score is in the index (sitegen/shards.py), so an entry's edit changes only the shards of the
terms it had and has (their postings and counts), its store chunk and the manifest (every entry's
field lengths). This module rewrites those and keeps every other file of the last build, giving
the very bytes a clean build gives (tests/test_incremental.py compares them).

It reads the last build's shard files from the output folder, each checked against the digest the
build state recorded for it, and the last build's entries ([url, analysis key, store digest] per
ref) from the state. It declines (None: the caller builds every file) when refs moved (an entry
added, removed or reordered), when a file is missing or altered, when an old analysis is not in
the cache, or when a term's body postings must come back (its idf rose over the floor: the file
never held them).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable, Mapping, Sequence

from sitegen.search import FIELDS, MIN_SCORES, Analysis, SearchEntry, _store_entry
from sitegen.shards import (MANIFEST, STORE_CHUNK, Inverted, _script, chunk_file, idf, manifest_payload, parse_script,
                            prefix_length, shard_file, shard_keys, shard_payload)

ENTRIES_KEY = "search/.entries"  # a fingerprint row, not a file: the last build's entries, as JSON
HIDDEN = "search/."  # rows under it are bookkeeping, never files
GONE = (-1, 0)  # stands for a field's dropped postings, which the last build's file does not hold


def content_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def is_index_file(url: str) -> bool:
    return url == MANIFEST or (url.startswith("search/") and not url.startswith(HIDDEN))


def entry_record(entries: Sequence[SearchEntry], keys: Sequence[str]) -> str:
    """What the next build compares its entries with: [url, analysis key, store digest] per ref."""
    rows = [[e.url, key, content_digest(json.dumps(_store_entry(e), sort_keys=True))] for e, key in zip(entries, keys)]
    return json.dumps(rows, separators=(",", ":"))


def _decode(payload: Mapping[str, Any]) -> tuple[dict[str, dict[str, list[tuple[int, int]]]], dict[str, int]]:
    postings: dict[str, dict[str, list[tuple[int, int]]]] = {}
    counts: dict[str, int] = {}
    for term, count, by_field in payload["terms"]:
        fields: dict[str, list[tuple[int, int]]] = {}
        for name, packed in by_field.items():
            refs, ref = [], 0
            for gap in packed[0]:
                ref += gap
                refs.append(ref)
            fields[name] = list(zip(refs, packed[1] if len(packed) > 1 else [1] * len(refs)))
        postings[term], counts[term] = fields, count
    for term, count in payload["gone"].items():
        postings[term], counts[term] = {}, count
    return postings, counts


def update_files(entries: Sequence[SearchEntry], analyses: Sequence[Analysis], record: str,
                 previous: Mapping[str, str], old_analyses: Mapping[str, Analysis],
                 read_old: Callable[[str], str | None], min_scores: Mapping[str, float] = MIN_SCORES,
                 fields: Sequence[tuple[str, int]] = FIELDS) -> tuple[dict[str, str], list[str]] | None:
    """(files rewritten, files kept) for `entries` (refs 0..n-1, in order), or None to build them all."""
    floored = [(name, boost, min_scores[name]) for name, boost in fields if name in min_scores]
    if len(floored) > 1 or ENTRIES_KEY not in previous:
        return None  # with one floored field, a dropped term's file says which postings it lacks
    old_rows, new_rows = json.loads(previous[ENTRIES_KEY]), json.loads(record)
    if len(old_rows) != len(new_rows) or any(a[0] != b[0] for a, b in zip(old_rows, new_rows)):
        return None
    if any(e.ref != n for n, e in enumerate(entries)):
        return None

    def old_file(url: str) -> str | None:
        text = read_old(url)
        return text if text is not None and content_digest(text) == previous.get(url) else None

    manifest_text = old_file(MANIFEST)
    if manifest_text is None:
        return None
    manifest = parse_script(manifest_text)[1]
    count, prefix = len(entries), prefix_length(len(entries))
    if manifest["prefix"] != prefix or manifest["docs"] != count:
        return None
    changed = [n for n, (a, b) in enumerate(zip(old_rows, new_rows)) if a[1] != b[1]]
    before = {n: old_analyses.get(old_rows[n][1]) for n in changed}
    if any(a is None for a in before.values()):
        return None
    names = [name for name, _ in fields]
    # Per touched term: (ref, field) -> tf before and after the edit.
    touched: dict[str, dict[tuple[int, str], tuple[int, int]]] = {}
    for n in changed:
        for side, analysis in ((0, before[n]), (1, analyses[n])):
            for name, field in zip(names, analysis.fields):  # type: ignore[union-attr]
                for term, tf in zip(field.terms, field.counts):
                    pair = touched.setdefault(term, {}).get((n, name), (0, 0))
                    touched[term][(n, name)] = (tf, pair[1]) if side == 0 else (pair[0], tf)
    keys = set(manifest["shards"])
    files: dict[str, str] = {}
    for key, terms in shard_keys(touched, prefix).items():
        url = shard_file(key)
        payload: Mapping[str, Any] = {"terms": [], "dropped": [], "gone": {}}
        if key in keys:
            text = old_file(url)
            if text is None:
                return None
            payload = parse_script(text)[1]
        postings, counts = _decode(payload)
        was_dropped = set(payload["dropped"])
        for term in postings:  # postings the last build dropped stay out, and the term stays marked
            if term in was_dropped:
                for name, boost, floor in floored:
                    if idf(counts[term], count) * boost < floor:
                        postings[term].setdefault(name, [GONE])
        for term in terms:
            by_field = postings.setdefault(term, {})
            total = counts.get(term, 0)
            for (ref, name), (old_tf, new_tf) in touched[term].items():
                total += (new_tf > 0) - (old_tf > 0)
                kept = [p for p in by_field.get(name, []) if p[0] != ref]
                if new_tf:
                    kept = sorted([*kept, (ref, new_tf)])
                by_field[name] = kept
            for name in [name for name, found in by_field.items() if not found]:
                del by_field[name]
            if total <= 0:
                del postings[term]
                counts.pop(term, None)
                continue
            counts[term] = total
            for name, boost, floor in floored:
                gone = GONE in by_field.get(name, ())
                if gone and idf(total, count) * boost >= floor:
                    return None  # its body postings must come back: only a full build has them
        inverted = Inverted(tuple(fields), count, {t: {n: [p for p in f if p != GONE] or [GONE] for n, f in b.items()}
                                                   for t, b in postings.items()}, {})
        if postings:
            files[url] = _script(f"t:{key}", shard_payload(postings, inverted, min_scores, counts))
            keys.add(key)
        else:
            keys.discard(key)
            files[url] = ""  # emptied: the caller leaves it out
    store_changed = {n // STORE_CHUNK for n, (a, b) in enumerate(zip(old_rows, new_rows)) if a[2] != b[2]}
    for number in sorted(store_changed):
        part = entries[number * STORE_CHUNK:(number + 1) * STORE_CHUNK]
        files[chunk_file(number)] = _script(f"d:{number}", [_store_entry(e) for e in part])
    lengths = {name: [0] * count for name in names}
    for n, analysis in enumerate(analyses):
        for name, field in zip(names, analysis.fields):
            lengths[name][n] = field.length
    chunks = sorted({n // STORE_CHUNK for n in range(count)})
    files[MANIFEST] = _script("index", manifest_payload(Inverted(tuple(fields), count, {}, lengths), list(keys), prefix, chunks))
    kept = [url for url in previous if is_index_file(url) and url not in files]
    return {url: text for url, text in files.items() if text}, kept
