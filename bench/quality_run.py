"""`python -m bench.quality_run`: make bench's search-quality figures alone, in a minute, not the whole bench.

Builds each corpus from nothing, asks make bench's queries (bench/quality.py: every symptom, the
same renamed, and issue 13's splits) through search.js under node, as `python -m bench
--no-browser` does, and prints the symptom table and the split table, with the index size:

    .venv/bin/python -m bench.quality_run                       # shared corpus, content/, 1,000 generated docs
    .venv/bin/python -m bench.quality_run --corpus shared --misses 8
    .venv/bin/python -m bench.quality_run --runner python       # sitegen.ranking (same ranking, faster)

The generated documents are the ones `python -m bench --sizes N` builds (same seed); the shared
corpus is held apart from tuning only in the sense that it is never tuned on single queries.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from bench import browser, quality
from bench.corpus import shared_corpus
from bench.generate import SEED, write_docs

ROOT = Path(__file__).resolve().parent.parent


def python_search(site: Path, queries: Sequence[str], top: int = 10) -> list[list[str]]:
    """sitegen.ranking's run_search, the Python mirror of search.js's runSearch (parity-tested)."""
    from sitegen.lookup import load_index
    from sitegen.ranking import run_search

    loaded = load_index(site)
    return [[str(loaded.docs[hit.ref]["url"]) for hit in run_search(loaded.index, q)[:top] if hit.ref in loaded.docs]
            for q in queries]


def lines_of(name: str, q: dict[str, Any], misses: int) -> list[str]:
    out = [f"== {name}: {q['documents']} docs, {q['entries']} entries; index {q['index_raw_bytes']:,} B raw, "
           f"{q['index_gzip_bytes']:,} B gzipped",
           f"  {'symptoms':<28}{'queries':>8}{'hit@1':>8}{'hit@3':>8}{'MRR':>7}"]
    for key in ("all", "exact", "renamed"):
        s = q[key]
        out.append(f"  {key:<28}{s['queries']:>8}{s['hit_at_1']:>8.1%}{s['hit_at_3']:>8.1%}{s['mrr']:>7.3f}")
    out.append(f"  {'splits':<28}")
    for split, s in q["splits"].items():
        if split != "misses" and s.get("queries"):
            out.append(f"  {split:<28}{s['queries']:>8}{s['hit_at_1']:>8.1%}{s['hit_at_3']:>8.1%}{s['mrr']:>7.3f}")
    for split, texts in q["splits"]["misses"].items():
        for text in texts[:misses]:
            out.append(f"    miss [{split}] {text!r}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality_run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", action="append", choices=("shared", "content", "generated"),
                        help="which to measure (repeatable; default: all three)")
    parser.add_argument("--size", type=int, default=1000, help="generated documents (default: 1000)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--runner", choices=("node", "python"), default="node")
    parser.add_argument("--misses", type=int, default=0, help="print up to this many misses per split")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "quality-run")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    search = browser.node_search if args.runner == "node" else python_search
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    corpora: dict[str, Path] = {}
    for which in args.corpus or ("shared", "content", "generated"):
        if which == "shared":
            found = shared_corpus()
            if found is None:
                print("no ../shared/corpus here: left out", file=sys.stderr)
                continue
            corpora["shared corpus"] = found
        elif which == "content":
            corpora["sample content"] = ROOT / "content"
        else:
            docs = out / f"docs-{args.size}"
            write_docs(docs, args.size, args.seed)
            corpora[f"{args.size} generated docs"] = docs
    figures = {}
    for name, folder in corpora.items():
        figures[name] = quality.measure_corpus(name, folder, out / f"site-{name.replace(' ', '-')}", search, repeats=1)
        print("\n".join(lines_of(name, figures[name], args.misses)), flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
