"""Search quality: does pasting a document's own error message find that document first?

For every symptom of every entry of a built site, the symptom is a query and the entry's page is
the answer; a second query has the names in quotes changed (`'Parcel'` -> `'Invoice'`), as when the
same error hits another model. Queries run through search.js (Chromium, else node). Reported:
hit@1, hit@3 and MRR (over the top 10), and the index's size and build time.

The sample content/ is the set the search was tuned on; the shared corpus, when present, is not,
so it leads the table.
"""

from __future__ import annotations

import gzip
import re
import shutil
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from sitegen.build import build
from sitegen.config import load_config

Search = Callable[[Path, Sequence[str]], list[list[str]]]
QUOTED = re.compile(r"""(['"])([A-Za-z_][\w.]*)\1""")
CAMEL_SWAPS = ("Invoice", "Widget", "Tenant", "Ledger", "Gadget", "Booking", "Voucher", "Sprocket")
SNAKE_SWAPS = ("invoice_total", "widget_id", "tenant_slug", "ledger_entry", "booking_ref", "sprocket")


@dataclass(frozen=True)
class Query:
    text: str
    expected: frozenset[str]  # urls of every entry that lists exactly this symptom
    renamed: bool


def rename_quoted(text: str) -> str:
    """`text` with each name in quotes swapped for another (the last part of a dotted name)."""
    swaps: dict[str, str] = {}

    def swap(match: re.Match[str]) -> str:
        quote, name = match.groups()
        head, _, last = name.rpartition(".")
        if last not in swaps:
            pool = CAMEL_SWAPS if last[:1].isupper() else SNAKE_SWAPS
            swaps[last] = next(w for w in pool[len(swaps) % len(pool):] + pool if w.casefold() != last.casefold())
        return f"{quote}{head + '.' if head else ''}{swaps[last]}{quote}"

    return QUOTED.sub(swap, text)


def queries_of(entries: Sequence[Any]) -> list[Query]:
    owners: dict[str, set[str]] = {}
    for entry in entries:
        for symptom in entry.symptoms:
            if symptom.strip():
                owners.setdefault(symptom.strip(), set()).add(entry.url)
    out = []
    for symptom, urls in owners.items():
        out.append(Query(symptom, frozenset(urls), False))
        renamed = rename_quoted(symptom)
        if renamed != symptom:
            out.append(Query(renamed, frozenset(urls), True))
    return out


def score(queries: Sequence[Query], results: Sequence[Sequence[str]]) -> dict[str, Any]:
    def one(pairs: list[tuple[Query, Sequence[str]]]) -> dict[str, Any]:
        ranks = [next((i for i, url in enumerate(urls, 1) if url in q.expected), None) for q, urls in pairs]
        n = len(ranks) or 1
        return {
            "queries": len(ranks),
            "hit_at_1": sum(1 for r in ranks if r == 1) / n,
            "hit_at_3": sum(1 for r in ranks if r is not None and r <= 3) / n,
            "mrr": sum(1 / r for r in ranks if r is not None) / n,
        }

    pairs = list(zip(queries, results))
    return {
        "all": one(pairs),
        "exact": one([p for p in pairs if not p[0].renamed]),
        "renamed": one([p for p in pairs if p[0].renamed]),
        "misses": [q.text[:160] for q, urls in pairs if not q.renamed and not set(urls[:3]) & q.expected][:10],
    }


def measure_corpus(name: str, content: Path, output: Path, search: Search, repeats: int = 3) -> dict[str, Any]:
    """Build `content` from nothing, time its index fresh, and score its symptom queries through `search`.

    The output folder is removed first: a second run over a kept folder would stop at the
    up-to-date check and report a cached index time. The index is then built `repeats` more times
    in this process, with the stemmer's memo emptied each time, and the median reported.
    """
    from sitegen.pages import search_entries
    from sitegen.search import build_search_index
    from sitegen.stemmer import stem

    shutil.rmtree(output, ignore_errors=True)
    config, problems = load_config(None, {"content_dir": content, "output_dir": output})
    started = time.perf_counter()
    result = build(config)
    build_seconds = time.perf_counter() - started
    if result.written < result.pages or "index" not in result.site.timings:
        raise RuntimeError(f"the build of {content} into {output} was not a clean build "
                           f"({result.written} of {result.pages} pages written; {result.rebuilt or 'no index timing'})")
    entries = search_entries(result.site)
    index_times = []
    for _ in range(repeats):
        stem.cache_clear()
        mark = time.perf_counter()
        build_search_index(entries)
        index_times.append(time.perf_counter() - mark)
    data = (output / "search-index.js").read_bytes()
    queries = queries_of(result.site.entries)
    results = search(output, [q.text for q in queries])
    if len(results) != len(queries):
        raise RuntimeError(f"{len(queries)} queries but {len(results)} answers from the search runner")
    return {
        "name": name,
        "content": str(content),
        "documents": len(result.site.documents),
        "entries": len(result.site.entries),
        "build_seconds": build_seconds,
        "pages_written": result.written,
        "index_in_build_seconds": result.site.timings["index"],
        "index_build_seconds": statistics.median(index_times),
        "index_build_runs": index_times,
        "index_raw_bytes": len(data),
        "index_gzip_bytes": len(gzip.compress(data, 9, mtime=0)),
        **score(queries, results),
    }
