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
from sitegen.shards import (MANIFEST, STORE_CHUNK, Inverted, _script, chunk_file, common_terms, group_leaves, idf, manifest_payload,
                            merge_payloads, parse_script, prefix_length, same_layout, shard_file, shard_keys, split_payload, term_row,
                            utf16_order)

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
    if manifest["prefix"] != prefix or manifest["docs"] != count or "common" not in manifest or not same_layout(manifest):
        return None  # (a manifest without `common` is an older build's: its common terms are not known)
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
    common: dict[str, int] = {term: most for term, most in manifest["common"].items() if term not in touched}
    files: dict[str, str] = {}
    groups = group_leaves(keys, prefix)
    for key, terms in shard_keys(touched, prefix).items():
        # `key` is a group of terms, in the shards split_payload split it into (`leaves`).
        leaves = groups.get(key, [])
        texts = {leaf: old_file(shard_file(leaf)) for leaf in leaves}
        if None in texts.values():
            return None
        payload = merge_payloads(parse_script(text)[1] for text in texts.values() if text is not None)
        # Only the touched terms are decoded and made again; every other row stays as it was read.
        rows = {row[0]: row for row in payload["terms"]}
        gone = dict(payload["gone"])
        dropped = set(payload["dropped"])
        for term in terms:
            old_row = rows.pop(term, None)
            by_field = _decode_row(old_row)
            old_count = old_row[1] if old_row else gone.pop(term, 0)
            # Postings the file does not hold (dropped): the count says how many.
            hidden = old_count - sum(len(found) for found in by_field.values())
            if term in dropped:  # postings the last build dropped stay out, and the term stays marked
                dropped.discard(term)
                for name, boost, floor in floored:
                    if idf(old_count, count) * boost < floor:
                        by_field.setdefault(name, [GONE])
            total = old_count
            for (ref, name), (old_tf, new_tf) in touched[term].items():
                total += (new_tf > 0) - (old_tf > 0)
                if old_tf and not any(p[0] == ref for p in by_field.get(name, [])):
                    hidden -= 1  # one of the dropped postings is gone with the edit
                kept = [p for p in by_field.get(name, []) if p[0] != ref]
                if new_tf:
                    kept = sorted([*kept, (ref, new_tf)])
                by_field[name] = kept
            if total <= 0:
                continue
            if hidden <= 0:  # none of its dropped postings is left
                by_field = {name: [p for p in found if p != GONE] for name, found in by_field.items()}
            for name, boost, floor in floored:
                if GONE in by_field.get(name, ()) and idf(total, count) * boost >= floor:
                    return None  # its body postings must come back: only a full build has them
            cleaned = {n: [p for p in f if p != GONE] or [GONE] for n, f in by_field.items() if f}
            row, was_dropped = term_row(term, cleaned, count, fields, min_scores, total)
            if row[2]:
                rows[term] = row
                common.update(common_terms([row], count))
            else:
                gone[term] = total
            if was_dropped:
                dropped.add(term)
        order = sorted({*rows, *gone}, key=utf16_order)
        parts = split_payload(key, {"terms": [rows[t] for t in order if t in rows], "dropped": [t for t in order if t in dropped],
                                    "gone": {t: gone[t] for t in order if t in gone}}, prefix) if order else {}
        for leaf in leaves:
            if leaf not in parts:
                keys.discard(leaf)
                files[shard_file(leaf)] = ""  # emptied or split otherwise: the caller leaves it out
        for leaf, part in parts.items():
            text = _script(f"t:{leaf}", part)
            if text != texts.get(leaf):  # a part the edit left as it was is kept
                files[shard_file(leaf)] = text
            keys.add(leaf)
    store_changed = {n // STORE_CHUNK for n, (a, b) in enumerate(zip(old_rows, new_rows)) if a[2] != b[2]}
    for number in sorted(store_changed):
        part = entries[number * STORE_CHUNK:(number + 1) * STORE_CHUNK]
        files[chunk_file(number)] = _script(f"d:{number}", [_store_entry(e) for e in part])
    lengths = {name: [0] * count for name in names}
    for n, analysis in enumerate(analyses):
        for name, field in zip(names, analysis.fields):
            lengths[name][n] = field.length
    chunks = sorted({n // STORE_CHUNK for n in range(count)})
    files[MANIFEST] = _script("index", manifest_payload(Inverted(tuple(fields), count, {}, lengths), list(keys), prefix, chunks,
                                                           common))
    kept = [url for url in previous if is_index_file(url) and url not in files]
    return {url: text for url, text in files.items() if text}, kept
