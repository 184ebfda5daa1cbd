"""`python -m bench.search_ab SITE [SITE ...]`: the bench's Chromium search figures for built sites,
interleaved round by round, without building anything (for A/B runs of the search index's loading).

The queries are the bench's own (bench.run.latency_queries: 50 pasted errors of the generated docs
of `--size`), so the figures compare with `python -m bench`'s. On a shared machine wall times swing
with the load; `--cpu` adds the CPU Chromium spends on each cold first query (manifest and query,
from a trace: the renderer's main thread, and every thread of every process), which does not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path
from typing import Any, Sequence

from bench import browser

KEYS = ("index_load_ms", "query_median_ms", "query_p95_ms", "query_warm_p95_ms", "first_query_median_ms", "first_query_p95_ms",
        "first_query_gzip_median_bytes", "first_query_gzip_max_bytes", "index_gzip_total_bytes")
TASK = "ThreadControllerImpl::RunTask"  # every task a Chromium thread runs: their CPU (tdur) adds up


def trace_cpu(trace: bytes) -> tuple[float, float]:
    """(renderer main thread, all threads) CPU milliseconds of the tasks in a Chromium trace."""
    events = json.loads(trace)["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
    tasks = [e for e in events if e.get("ph") == "X" and e.get("name") == TASK and "tdur" in e]
    main = sum(e["tdur"] for e in tasks if names.get((e["pid"], e["tid"])) == "CrRendererMain") / 1000
    return main, sum(e["tdur"] for e in tasks) / 1000


def cold_cpu(chromium: Any, site: Path, queries: Sequence[str]) -> dict[str, float]:
    """Median and p95 CPU of a first query on a fresh page (manifest, shards, ranking, store chunks)."""
    main, every = [], []
    for text in list(queries)[:browser.COLD_QUERIES]:
        page = browser._open(chromium, site)
        chromium.start_tracing(page=page, categories=["toplevel", "disabled-by-default-devtools.timeline"])
        page.evaluate(browser.LOAD_INDEX)
        page.evaluate(browser.RUN_QUERIES, [[text], browser.TOP_SHOWN, False])
        one, all_threads = trace_cpu(chromium.stop_tracing())
        main.append(one)
        every.append(all_threads)
        page.context.close()
    main.sort()
    every.sort()
    return {"cpu_main_median_ms": statistics.median(main), "cpu_main_p95_ms": browser._percentile(main, 95),
            "cpu_all_median_ms": statistics.median(every), "cpu_all_p95_ms": browser._percentile(every, 95)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search_ab", description=__doc__.splitlines()[0])
    parser.add_argument("sites", nargs="+", type=Path, help="built sites (folders holding index.html)")
    parser.add_argument("--size", type=int, default=10000, help="the generated docs the sites were built from (default 10000)")
    parser.add_argument("--seed", type=int, default=None, help="generator seed (default: the bench's)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each site once a round (default 3)")
    parser.add_argument("--cpu", action="store_true", help="also trace Chromium's CPU per cold first query")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from bench.generate import SEED, generate
    from bench.run import latency_queries

    seed = SEED if args.seed is None else args.seed
    queries = latency_queries(generate(args.size, seed), seed)
    with sync_playwright() as p:
        chromium = browser._launch(p)
        try:
            for n in range(args.rounds):
                for site in args.sites:
                    load = os.getloadavg()[0]
                    figures = browser._metrics(chromium, site, queries, 3)
                    row = {"round": n, "site": str(site), "load": round(load, 2), **{k: round(figures[k], 1) for k in KEYS}}
                    if args.cpu:
                        row.update((k, round(v, 1)) for k, v in cold_cpu(chromium, site, queries).items())
                    print(json.dumps(row), flush=True)
        finally:
            chromium.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
