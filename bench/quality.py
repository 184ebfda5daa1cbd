"""Search quality: does pasting a document's own error message find that document first?

For every symptom of every entry of a built site, the symptom is a query and the entry's page is
the answer; a second query has the names in quotes changed (`'Parcel'` -> `'Invoice'`), as when the
same error hits another model. Queries run through search.js (Chromium, else node). Reported:
hit@1, hit@3 and MRR (over the top 10), and the index's size and build time.

`split_queries` adds queries that do not come from what sitegen extracted, so a document whose
metadata sitegen misreads is still measured: the error lines a document carries in its body (found
here by a scan of its own, not sitegen's extractor), each also pasted inside a traceback, and lines
from deep inside long documents (past word 400). The table splits them by where they came from.

The sample content/ is the set the search was tuned on; the shared corpus, when present, is not,
so it leads the table.
"""

from __future__ import annotations

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
    splits: frozenset[str] = frozenset()  # the rows of the split table this query counts in


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
    from sitegen.cache import state_folder
    from sitegen.pages import search_entries
    from bench.measure import index_size
    from sitegen.search import analyse
    from sitegen.shards import build_files
    from sitegen.stemmer import stem

    config, problems = load_config(None, {"content_dir": content, "output_dir": output})
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(state_folder(config), ignore_errors=True)  # the build state lives outside the site
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
        build_files(entries, [analyse(e) for e in entries])
        index_times.append(time.perf_counter() - mark)
    size = index_size(output)  # every file of the index: manifest, term shards, store chunks
    queries = queries_of(result.site.entries)
    results = search(output, [q.text for q in queries])
    if len(results) != len(queries):
        raise RuntimeError(f"{len(queries)} queries but {len(results)} answers from the search runner")
    split = split_queries(result.site)
    split_results = search(output, [q.text for q in split])
    if len(split_results) != len(split):
        raise RuntimeError(f"{len(split)} split queries but {len(split_results)} answers from the search runner")
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
        "index_raw_bytes": size["raw_bytes"],
        "index_gzip_bytes": size["gzip_bytes"],
        **score(queries, results),
        "splits": score_splits(split, split_results),
    }


# ------------------------------------------------------------------ split queries (issue 13)

LONG_WORDS = 400  # a body longer than this is a "long guide"; its deep queries start past this word
DEEP_PER_DOC = 3  # lines taken from deep inside each long document
TRACEBACK_HEAD = ('Traceback (most recent call last):\n  File "/srv/app/app/main.py", line 88, in <module>\n'
                  '    run()\n  File "/srv/app/app/runner.py", line 21, in run\n    return handler(event)\n')
_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# An error as a program prints it: `ValueError: ...`, `pkg.FooError: ...`, `Error: ...`, `ERROR ...`.
_ERROR_TEXT = re.compile(r"(?:\b[\w.]+\.)?\b[A-Z]\w*(?:Error|Exception)\b:\s+\S.*|^\s*(?:Error|ERROR|FATAL|fatal|error):?\s+\S.*")
_CODE_SPAN = re.compile(r"`([^`]+)`")
_MARKUP = re.compile(r"[*_]{1,2}(?=\S)|(?<=\S)[*_]{1,2}|\[([^\]]*)\]\([^)]*\)")


def _clean_error(text: str) -> str:
    text = text.strip().rstrip("|").strip().strip("`").strip()
    return " ".join(text.split())


def body_errors(body: str) -> list[tuple[str, int, bool]]:
    """The error messages written in a Markdown body: (text, word offset, inside a code block).

    Deliberately not sitegen's extractor: the bench must also catch what that extractor misses.
    """
    out: list[tuple[str, int, bool]] = []
    words = 0
    fence: str | None = None
    for line in body.split("\n"):
        at = words
        words += len(line.split())
        marker = _FENCE_LINE.match(line)
        if marker:
            fence = None if fence and line.strip().startswith(fence) else (fence or marker.group(1)[:3])
            continue
        if fence:
            match = _ERROR_TEXT.search(line)
            if match and not re.match(r"\s*(?:raise|except|class|def|import|from|assert|with)\b", line):
                out.append((_clean_error(match.group(0)), at, True))
            continue
        for span in _CODE_SPAN.findall(line):
            if _ERROR_TEXT.match(span):
                out.append((_clean_error(span), at, False))
    return [(text, at, code) for text, at, code in out if 12 <= len(text) <= 300]


def deep_lines(body: str, count: int = DEEP_PER_DOC) -> list[str]:
    """Up to `count` prose lines (6 to 14 words) starting past word LONG_WORDS, evenly spread."""
    found: list[str] = []
    words = 0
    fence = False
    for line in body.split("\n"):
        at = words
        words += len(line.split())
        if _FENCE_LINE.match(line):
            fence = not fence
            continue
        text = line.strip()
        if fence or at < LONG_WORDS or not text or text.startswith(("#", "|", ">", "<")):
            continue
        text = _MARKUP.sub(lambda m: m.group(1) or "", re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", text))
        picked = text.split()[:14]
        if len(picked) >= 6:
            found.append(" ".join(picked))
    if len(found) <= count:
        return found
    return [found[round(i * (len(found) - 1) / (count - 1))] for i in range(count)] if count > 1 else found[:1]


def _page(url: str) -> str:
    return url.split("#", 1)[0]


def split_queries(site: Any) -> list[Query]:
    """Queries labelled by split; every expected url is a page (a guide's sections count as it)."""
    errors: dict[str, set[str]] = {}  # error text -> pages carrying it
    origin: dict[str, set[str]] = {}  # error text -> splits from where it was found
    deep: dict[str, set[str]] = {}
    page_of = {doc.source.rel: _page(site.urls[doc.source.rel]) for doc in site.documents}
    listed = {_page(entry.url) for entry in site.entries}

    def note(text: str, page: str, splits: set[str]) -> None:
        errors.setdefault(text, set()).add(page)
        origin.setdefault(text, set()).update(splits)

    for entry in site.entries:
        fm = "front matter" if entry.doc.body_line > 1 else "no front matter"
        for symptom in entry.symptoms:
            if symptom.strip():
                note(symptom.strip(), _page(entry.url), {fm})
    for doc in site.documents:
        page = page_of[doc.source.rel]
        if page not in listed:
            continue  # templates and index pages are not search results
        fm = "front matter" if doc.body_line > 1 else "no front matter"
        long = len(doc.body.split()) > LONG_WORDS
        for text, _, in_code in body_errors(doc.body):
            note(text, page, {fm} | ({"long: error code blocks"} if long and in_code else set()))
        if long:
            for text in deep_lines(doc.body):
                deep.setdefault(text, set())
    # A text found in several documents is answered by any of them.
    flat = {page_of[d.source.rel]: " ".join(_MARKUP.sub(lambda m: m.group(1) or "", d.body).split())
            for d in site.documents if page_of[d.source.rel] in listed}
    for text in deep:
        deep[text] = {page for page, body in flat.items() if text in body}
    for text, pages in errors.items():
        pages.update(page for page, body in flat.items() if text in body)
    out: list[Query] = []
    for text, pages in errors.items():
        splits = origin[text]
        expected = frozenset(pages)
        out.append(Query(text, expected, False, frozenset(splits | {"verbatim"})))
        renamed = rename_quoted(text)
        if renamed != text:
            # Diagnostic: the message with its quoted names as wildcards found in no other page,
            # so the renamed query still has one answer (`No module named '...'` has many).
            alone = {"names changed: one page"} if not _pages_with_message(text, flat) - pages else set()
            out.append(Query(renamed, expected, True,
                             frozenset((splits - {"long: error code blocks"}) | {"names changed"} | alone)))
        out.append(Query(TRACEBACK_HEAD + text, expected, False,
                         frozenset((splits - {"long: error code blocks"}) | {"in a traceback"})))
    for text, pages in deep.items():
        if pages:
            out.append(Query(text, frozenset(pages), False, frozenset({"long: past word 400"})))
    return out


def _pages_with_message(text: str, flat: dict[str, str]) -> set[str]:
    """The pages whose text holds `text` with each name in quotes standing for any word, quoted or not."""
    parts = QUOTED.split(text)  # [before, quote, name, between, quote, name, ..., after]
    found = re.compile(r"\S+".join(re.escape(part) for part in parts[::3]))
    return {page for page, body in flat.items() if found.search(body)}


SPLITS = ("front matter", "no front matter", "verbatim", "names changed", "names changed: one page",
          "in a traceback", "long: past word 400", "long: error code blocks")


def score_splits(queries: Sequence[Query], results: Sequence[Sequence[str]]) -> dict[str, Any]:
    """hit@1, hit@3 and MRR per split and overall; a result counts by its page (fragment dropped)."""
    ranks = [next((i for i, url in enumerate(urls, 1) if _page(url) in q.expected), None)
             for q, urls in zip(queries, results)]

    def one(chosen: list[int]) -> dict[str, Any]:
        picked = [ranks[i] for i in chosen]
        n = len(picked) or 1
        return {"queries": len(picked), "hit_at_1": sum(1 for r in picked if r == 1) / n,
                "hit_at_3": sum(1 for r in picked if r is not None and r <= 3) / n,
                "mrr": sum(1 / r for r in picked if r is not None) / n}

    out = {"overall": one(list(range(len(queries))))}
    for name in SPLITS:
        out[name] = one([i for i, q in enumerate(queries) if name in q.splits])
    out["misses"] = {name: [q.text[-160:] for q, r in zip(queries, ranks) if name in q.splits and (r is None or r > 3)][:8]
                     for name in SPLITS}
    return out
