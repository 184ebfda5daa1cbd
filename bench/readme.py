"""The README's performance table, made from a bench run's results.json (never typed in by hand).

    python -m bench.readme [bench/out/results.json]

prints Markdown: the commit and machine measured, one row per target with its status (met,
missed, or not measured when the run left that size or step out), and the search quality lines.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Mapping

from bench.report import _get, judge

RESULTS = Path(__file__).resolve().parent / "out" / "results.json"
STATUS = {"met": "met", "MISSED": "missed", "not measured": "not measured"}
# CPU time beside a wall time: on a shared machine the steadier figure (see bench/README.md).
CPU = {"1,000 docs: clean build": ("1000", "clean_build"), "10,000 docs: clean build": ("10000", "clean_build"),
       "1,000 docs: no-change rebuild": ("1000", "no_change_rebuild")}


def markdown(results: Mapping[str, Any]) -> str:
    meta = results.get("meta", {})
    sizes = ", ".join(f"{int(n):,}" for n in meta.get("sizes", []))
    lines = [f"Measured by `python -m bench` at commit {meta.get('commit', '?')} on {str(meta.get('date', '?'))[:10]} "
             f"({sizes} documents; {meta.get('machine', '?')}, {meta.get('load_at_end', 0):.1f} at end):", "",
             "| target | goal | measured | status |", "| --- | --- | --- | --- |"]
    for t in judge(results):
        shown = t["shown"]
        if t["what"] in CPU and (cpu := _get(results, "sizes", CPU[t["what"]][0], CPU[t["what"]][1], "cpu_seconds")):
            shown += f" ({cpu:.2f} s CPU)"
        lines.append(f"| {t['what']} | {t['target'].replace('<=', '≤').replace('>=', '≥')} | {shown} | {STATUS[t['status']]} |")
    quality = results.get("quality") or {}
    measured = {name: q for name, q in quality.items() if "all" in q}
    if measured:
        lines.append("")
        for name, q in measured.items():
            a = q["all"]
            lines.append(f"Search quality, {name} ({q['documents']} documents, {a['queries']} pasted symptoms): "
                         f"hit@1 {a['hit_at_1']:.1%}, hit@3 {a['hit_at_3']:.1%}, MRR {a['mrr']:.3f}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.readme", description=__doc__.split("\n")[0],
                                     epilog="Paste the output over the README's table under 'Performance and make bench'.")
    parser.add_argument("results", nargs="?", type=Path, default=RESULTS,
                        help="a bench run's results.json (default: %(default)s, written by python -m bench)")
    path = parser.parse_args(argv).results
    if not path.is_file():
        parser.error(f"{path} not found: run `python -m bench` (or `make bench`) first, or name another results.json")
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        where = f"line {err.lineno}, column {err.colno}: {err.msg}" if isinstance(err, json.JSONDecodeError) else str(err)
        parser.error(f"{path}: not a bench results file ({where}); run `python -m bench` again to write a new one")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
