"""`sitegen lookup` in `make bench`: does a failing log find the document that fixes it, and how fast?

Queries: every symptom of a built site's entries (the generated documents, a sample of them, and
the shared corpus when present), each embedded in a synthetic CI log: noise lines before and
after (installs, passing tests, timestamps, warnings, lines that say `0 errors`), the symptom in
one of four dresses (an application log's ERROR line, a GitHub Actions `##[error]` line, pytest's
`E` line and FAILED summary, or bare as the tool printed it). The answer is the symptom's entry.

Reported: hit@1 and hit@3 over lookup's confident matches (a miss below the confidence bar counts
as a miss), both for every symptom and for those that name an error themselves (an exception or an
error word: what a log would show), and for those again with the names in quotes changed; how often a log of noise alone, or noise with an error no
document describes, still matched (false alarms); and the time for a 20,000-line log against the
1,000-document site (index load, extraction, ranking), median of 3.

    .venv/bin/python -m bench.lookup            # 1,000 generated docs (+ the shared corpus)
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from bench.corpus import shared_corpus
from bench.quality import rename_quoted
from sitegen.build import build, gather
from sitegen.config import load_config
from sitegen.lookup import LoadedIndex, load_index, lookup
from sitegen.signatures import classify, clean

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = 400  # generated symptoms tried per size: enough for a figure to 2-3 points
LOG_LINES = 20_000

NOISE = (
    "{ts} Collecting {pkg}=={ver}",
    "{ts}   Downloading {pkg}-{ver}-py3-none-any.whl ({kb} kB)",
    "{ts} Requirement already satisfied: {pkg} in ./venv/lib/python3.11/site-packages ({ver})",
    "{ts} tests/test_{mod}.py::test_{fn} PASSED [{pct}%]",
    "{ts} INFO [app.{mod}] handled GET /api/{mod}/{n} in {ms}ms",
    "{ts} DEBUG [app.{mod}] cache hit for key {mod}:{n}",
    "{ts} Step {n}/14 : RUN pip install -r requirements.txt",
    "{ts}  ---> Using cache",
    "{ts} ##[group]Run actions/setup-python@v5",
    "{ts} ##[endgroup]",
    "{ts} WARNING: pip is configured with locations that require TLS/SSL",
    "{ts} {mod}.py:{n}: DeprecationWarning: datetime.utcnow() is deprecated",
    "{ts} ruff check: 0 errors, {n} files checked",
    "{ts} Retrying after connection reset ({n}/5)",
    "{ts} ========== {n} passed, 3 skipped in {ms}.21s ==========",
    "{ts} npm WARN deprecated {pkg}@{ver}: this library is no longer supported",
    "{ts} added {n} packages, and audited {kb} packages in {ms}ms",
)
PACKAGES = ("requests", "urllib3", "pydantic", "fastapi", "sqlalchemy", "celery", "redis", "httpx", "alembic", "boto3")
MODULES = ("parcels", "billing", "tracking", "auth", "export", "carriers", "webhooks", "reports")
UNKNOWN_ERRORS = (
    "Error: frobnicator flux capacitor misaligned by a quarter turn",
    "ZorgException: the quantum widget refused to calibrate its gyroscope",
    "FATAL: lunar tide table exhausted before harvest moon",
)


def noise(rng: random.Random, count: int, start: int = 0) -> list[str]:
    out = []
    for i in range(count):
        s = start + i
        out.append(rng.choice(NOISE).format(
            ts=f"2024-05-01T10:{(s // 60) % 60:02d}:{s % 60:02d}.{rng.randint(0, 9999999):07d}Z",
            pkg=rng.choice(PACKAGES), ver=f"{rng.randint(0, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}",
            kb=rng.randint(10, 900), mod=rng.choice(MODULES), fn=f"{rng.choice(MODULES)}_{rng.randint(1, 99)}",
            pct=rng.randint(0, 100), n=rng.randint(1, 400), ms=rng.randint(1, 900)))
    return out


def dress(symptom: str, style: int) -> list[str]:
    """The symptom as a failing job's log shows it."""
    lines = symptom.splitlines() or [""]
    last = lines[-1]
    if style == 0:
        return lines[:-1] + [f"2024-05-01 10:59:59,123 ERROR [app.worker] {last}"]
    if style == 1:
        return lines[:-1] + [f"2024-05-01T10:59:59.1234567Z ##[error]{last}"]
    if style == 2:
        short = last if len(last) <= 80 else last[:77] + "..."  # pytest's summary cuts long messages so
        return lines[:-1] + [f"E       {last}", f"FAILED tests/test_app.py::test_case - {short}"]
    return lines


def names_an_error(symptom: str) -> bool:
    last = (symptom.splitlines() or [""])[-1]
    return bool(classify(*clean(last)))


def embed(rng: random.Random, symptom: str, style: int, before: int, after: int) -> str:
    return "\n".join(noise(rng, before) + dress(symptom, style) + noise(rng, after, before + 10))


def _rank(urls: Sequence[str], expected: set[str]) -> int | None:
    return next((i for i, url in enumerate(urls, 1) if url in expected), None)


def _rates(ranks: Sequence[int | None]) -> dict[str, Any]:
    n = len(ranks) or 1
    return {"queries": len(ranks), "hit_at_1": sum(r == 1 for r in ranks) / n,
            "hit_at_3": sum(r is not None and r <= 3 for r in ranks) / n}


def measure_site(name: str, content: Path, site: Path, seed: int, sample: int | None,
                 say: Callable[[str], None]) -> dict[str, Any]:
    """hit@1/hit@3 of symptom-in-a-log queries against `site`, built (or brought up to date) from `content`."""
    config, _ = load_config(None, {"content_dir": content, "output_dir": site})
    # Always build: a site left by an earlier run may be of another commit's index format. An
    # up-to-date site costs only the no-change check.
    build(config)
    entries = gather(config).entries
    loaded = load_index(site)
    owners: dict[str, set[str]] = {}
    for entry in entries:
        for symptom in entry.symptoms:
            if symptom.strip():
                owners.setdefault(symptom.strip(), set()).add(entry.url)
    rng = random.Random(f"{seed}:lookup:{name}")
    pairs = sorted(owners.items())
    if sample is not None and len(pairs) > sample:
        pairs = rng.sample(pairs, sample)
    ranks: list[int | None] = []
    named: list[int | None] = []
    renamed: list[int | None] = []
    misses: list[str] = []
    started = time.perf_counter()
    logs = 0
    for n, (symptom, urls) in enumerate(pairs):
        other = rename_quoted(symptom)
        for variant, text in enumerate((symptom, other) if other != symptom else (symptom,)):
            log = embed(rng, text, n % 4, rng.randint(20, 300), rng.randint(5, 100))
            logs += 1
            rank = _rank([m.url for m in lookup(log, loaded).matches], urls)
            if variant:
                if names_an_error(text):
                    renamed.append(rank)
                continue
            ranks.append(rank)
            if names_an_error(symptom):
                named.append(rank)
                if rank != 1 and len(misses) < 8:
                    misses.append(symptom[-160:])
    seconds = time.perf_counter() - started
    alarms = []
    for n in range(30):
        extra = [UNKNOWN_ERRORS[n % len(UNKNOWN_ERRORS)]] if n % 2 else []
        log = "\n".join(noise(rng, 300) + extra + noise(rng, 50, 300))
        alarms.append(lookup(log, loaded).found)
    out = {"name": name, "entries": len(entries), "all": _rates(ranks), "naming_an_error": _rates(named),
           "naming_an_error_renamed": _rates(renamed), "false_alarms": sum(alarms) / len(alarms),
           "seconds_per_log": seconds / max(1, logs), "misses": misses}
    say(f"  lookup over {name}: hit@1 {out['all']['hit_at_1']:.1%}, hit@3 {out['all']['hit_at_3']:.1%} "
        f"({len(ranks)} symptoms); naming an error: hit@1 {out['naming_an_error']['hit_at_1']:.1%}, "
        f"hit@3 {out['naming_an_error']['hit_at_3']:.1%} ({len(named)}), names in quotes changed: "
        f"hit@1 {out['naming_an_error_renamed']['hit_at_1']:.1%}, hit@3 {out['naming_an_error_renamed']['hit_at_3']:.1%} "
        f"({len(renamed)}); false alarms {out['false_alarms']:.0%} of {len(alarms)} logs with no known error")
    return out


def time_big_log(site: Path, content: Path, seed: int, say: Callable[[str], None]) -> dict[str, Any]:
    """Seconds for a 20,000-line log with one real error, index load included (median of 3)."""
    config, _ = load_config(None, {"content_dir": content, "output_dir": site})
    site_data = gather(config)
    entry = next(e for e in site_data.entries if any(names_an_error(s) for s in e.symptoms))
    symptom = next(s for s in entry.symptoms if names_an_error(s))
    rng = random.Random(f"{seed}:lookup:big")
    log = embed(rng, symptom, 1, LOG_LINES // 2, LOG_LINES // 2 - 1)
    runs = []
    for _ in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        loaded: LoadedIndex = load_index(site)
        loaded_at = time.perf_counter()
        result = lookup(log, loaded)
        done = time.perf_counter()
        runs.append((done - started, loaded_at - started, done - loaded_at, time.process_time() - cpu))
    total, load, rank, cpu = (statistics.median(r[i] for r in runs) for i in range(4))
    first = bool(result.matches) and result.matches[0].url == entry.url
    out = {"log_lines": len(log.splitlines()), "documents": len(site_data.documents), "seconds": total,
           "cpu_seconds": cpu, "load_seconds": load, "extract_and_rank_seconds": rank, "found_first": first}
    # In-process, so interpreter start-up (about 0.1 s, `sitegen lookup` pays it) is not counted.
    say(f"  lookup of a {out['log_lines']:,}-line log at {out['documents']:,} docs: {total:.2f} s, CPU {cpu:.2f} s "
        f"(index load {load:.2f} s, extract + rank {rank:.2f} s); its document first: {out['found_first']}")
    return out


def measure_all(out: Path, sizes: Sequence[int], corpus: Path | None, seed: int, say: Callable[[str], None]) -> dict[str, Any]:
    """The lookup figures for `make bench`, from the sites the run already built."""
    results: dict[str, Any] = {}
    size = 1000 if 1000 in sizes else min(sizes)
    content, site = out / f"docs-{size}", out / f"site-{size}"
    if not content.is_dir():
        from bench.generate import write_docs

        write_docs(content, size, seed)
    say(f"bench: sitegen lookup over {size:,} generated documents ...")
    results[f"generated {size}"] = measure_site(f"generated {size}", content, site, seed, SAMPLE, say)
    results["big log"] = time_big_log(site, content, seed, say)
    sample_site = out / "lookup-sample-site"
    shutil.rmtree(sample_site, ignore_errors=True)  # only this bench writes it: start clean, never from another commit's
    results["sample content"] = measure_site("sample content", ROOT / "content", sample_site, seed, None, say)
    if corpus is not None and corpus.is_dir():
        results["shared corpus"] = measure_site("shared corpus", corpus, out / "quality-shared-corpus", seed, None, say)
    else:
        results["shared corpus"] = {"skipped": "../shared/corpus not present"}
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lookup", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20240611)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--corpus", type=Path, default=shared_corpus())
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    import json

    results = measure_all(args.out.resolve(), [args.size], args.corpus, args.seed,
                          lambda m: print(m, file=sys.stderr, flush=True))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
