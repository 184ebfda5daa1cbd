"""`python -m bench`: generate docs, measure builds, search in Chromium, score quality, print, write JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable, Sequence

from bench import browser, hugo, peers, quality
from bench import lookup as lookup_bench
from bench.corpus import shared_corpus
from bench.generate import SEED, GeneratedDoc, write_docs
from bench.measure import measure_builds
from bench.report import judge, table

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
QUICK_SIZE = 200
LATENCY_QUERIES = 50


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def latency_queries(docs: Sequence[GeneratedDoc], seed: int, count: int = LATENCY_QUERIES) -> list[str]:
    """Pasted errors: symptoms of random docs, every fourth wrapped in a full traceback, some renamed."""
    rng = random.Random(f"{seed}:queries")
    out = []
    for n, doc in enumerate(rng.sample(list(docs), min(count, len(docs)))):
        text = rng.choice(doc.symptoms)
        if n % 4 == 0 and not text.startswith("Traceback"):
            text = ('Traceback (most recent call last):\n  File "/srv/app/app/main.py", line 88, in <module>\n'
                    '    run()\n  File "/srv/app/app/runner.py", line 21, in run\n    return handler(event)\n' + text)
        if n % 5 == 1:
            text = quality.rename_quoted(text)
        out.append(text)
    return out


def _machine() -> str:
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / 2**20
    except OSError:
        mem = 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0
    return f"{os.cpu_count()} cores, {mem:.0f} GB, Python {platform.python_version()}, load {load:.1f} at start"  # a busy machine slows wall times: compare CPU


def _commit() -> str:
    """The measured commit, and whether sitegen's code or theme differ from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "sitegen", "themes"], cwd=ROOT,
                               capture_output=True, text=True).stdout
    except OSError:
        return "unknown (no git)"
    if head.returncode != 0:
        return "unknown (not a git checkout)"
    return head.stdout.strip() + (" + uncommitted changes" if dirty.strip() else "")


def _guarded(what: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one measurement; a failure is printed and recorded, and the rest of the run goes on."""
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - reported in full, never swallowed
        say(f"bench: {what} failed:\n{traceback.format_exc()}")
        return {"error": f"{type(exc).__name__}: {exc}"}


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", help="document counts, comma-separated (default: 1000,10000; with --quick: 200)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZE} docs, 3 edits, no corpus or MkDocs: a smoke test")
    parser.add_argument("--no-browser", action="store_true", help="skip Chromium: no load/latency figures; quality runs search.js under node")
    parser.add_argument("--no-quality", action="store_true", help="skip the search-quality queries")
    parser.add_argument("--no-peers", action="store_true", help="skip the MkDocs + Material comparison")
    parser.add_argument("--no-hugo", action="store_true", help="skip the interleaved Hugo clean builds")
    parser.add_argument("--edits", type=int, help="one-document edits per size (default: 10, or 3 when a rebuild takes over 5 s)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"generator seed (default: {SEED})")
    parser.add_argument("--out", type=Path, default=OUT, help="work folder (default: bench/out)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    default = str(QUICK_SIZE) if args.quick else "1000,10000"
    sizes = [int(s) for s in (args.sizes or default).split(",") if s.strip()]
    edits = 3 if args.quick and args.edits is None else args.edits
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    path.unlink(missing_ok=True)  # a run that dies early must not leave the last run's figures behind
    no_browser = "--no-browser" if args.no_browser else browser.available()
    started = time.perf_counter()
    results: dict[str, Any] = {
        "meta": {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": _machine(), "commit": _commit(),
                 "seed": args.seed, "sizes": sizes, "quick": args.quick},
        "sizes": {},
    }
    if no_browser:
        say(f"bench: no browser figures ({no_browser})")
        if not args.no_browser:  # asked for and not there: a failed measurement, not a quiet omission
            results["browser_error"] = f"Chromium figures were not measured: {no_browser}"

    def save() -> None:
        """Written after every step, so an interrupted run still leaves what it measured."""
        results["targets"] = judge(results)
        results["meta"]["seconds"] = time.perf_counter() - started
        results["meta"]["load_at_end"] = os.getloadavg()[0]
        path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")

    for size in sizes:
        say(f"bench: {size:,} documents")
        content = out / f"docs-{size}"
        docs = write_docs(content, size, args.seed)
        site = out / f"site-{size}"
        result = _guarded(f"builds of {size}", lambda: measure_builds(content, site, out / f"work-{size}",
                                                                      [d.rel for d in docs], edits, say))
        if not no_browser and "error" not in result:
            say("  Chromium: index load and query latency ...")
            result["browser"] = _guarded("browser", lambda: browser.browser_metrics(site, latency_queries(docs, args.seed)))
        if not args.no_hugo and not args.quick and "error" not in result:
            say("  Hugo and sitegen clean builds, interleaved ...")
            result["hugo"] = _guarded("hugo", lambda: hugo.measure_side_by_side(content, out / f"hugo-{size}", hugo.rounds_for(size), say))
        results["sizes"][str(size)] = result
        save()
        if size == 1000 and not args.no_peers:
            if peers.available():
                say("  MkDocs + Material, same documents ...")
                results["peers"] = _guarded("mkdocs", lambda: peers.measure_mkdocs(content, out / "peers-1000"))
            else:
                results["peers"] = {"skipped": peers.HOW_TO_ENABLE}
            save()
    if "peers" not in results:
        results["peers"] = {"skipped": "MkDocs + Material comparison skipped (it builds the 1,000-doc set: --sizes 1000)"}

    if not args.no_quality:
        search = browser.node_search if no_browser else browser.browser_search
        results["search_runner"] = "node (search.js + lunr.js)" if no_browser else "Chromium (search.js on file://)"
        # The held-out corpus first: content/ is the set the search was tuned on.
        corpus = shared_corpus()
        corpora: dict[str, Path | None] = {"shared corpus": corpus, "sample content (tuning set)": ROOT / "content"}
        results["quality"] = {}
        for name, folder in corpora.items():
            if folder is None:
                results["quality"][name] = {"skipped": "../shared/corpus not present"}
            elif args.quick and folder == corpus:
                results["quality"][name] = {"skipped": "skipped with --quick"}
            else:
                say(f"bench: search quality over {name} ...")
                slug = name.split(" (")[0].replace(" ", "-")
                results["quality"][name] = _guarded(f"quality of {name}", lambda: quality.measure_corpus(
                    name, folder, out / f"quality-{slug}", search))
                save()
        results["lookup"] = _guarded("lookup", lambda: lookup_bench.measure_all(out, sizes, corpus, args.seed, say))

    save()
    print(table(results))
    print("\n".join(["", *hugo.table_lines(results)]))
    say(f"bench: wrote {path} in {results['meta']['seconds']:.0f}s")
    failures = failed_measurements(results)
    for failure in failures:
        say(f"bench: FAILED: {failure}")
    return 1 if failures else 0


def failed_measurements(results: dict[str, Any]) -> list[str]:
    """Every measurement that was attempted and failed: any of them makes the run exit non-zero."""
    failed = [f"{size} docs: {v['error']}" for size, v in results.get("sizes", {}).items() if "error" in v]
    failed += [f"{size} docs, browser: {v['browser']['error']}" for size, v in results.get("sizes", {}).items()
               if "error" in (v.get("browser") or {})]
    failed += [f"quality of {name}: {v['error']}" for name, v in (results.get("quality") or {}).items() if "error" in v]
    if "error" in (results.get("peers") or {}):
        failed.append(f"MkDocs comparison: {results['peers']['error']}")
    if "browser_error" in results:
        failed.append(results["browser_error"])
    return failed
