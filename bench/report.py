"""The issue's targets, judged against a run's results, and the table `make bench` prints."""

from __future__ import annotations

from typing import Any, Callable, Mapping

STAGES = ("read", "render", "group", "index", "pages", "write")
CPU_STAGES = ("gather", "pages", "index", "write")  # measure.STAGES_SCRIPT's `cpu`: gather is read, render and group
MB = 2**20


def _get(results: Mapping[str, Any], *path: str) -> Any:
    value: Any = results
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _ratio(results: Mapping[str, Any]) -> float | None:
    ours = _get(results, "sizes", "1000", "clean_build", "seconds")
    theirs = _get(results, "peers", "seconds")
    return theirs / ours if ours and theirs else None


# (what, target text, value getter, shown as, met when)
TARGETS: tuple[tuple[str, str, Callable[[Mapping[str, Any]], Any], str, Callable[[float], bool]], ...] = (
    ("1,000 docs: clean build", "<= 4 s", lambda r: _get(r, "sizes", "1000", "clean_build", "seconds"), "{:.2f} s", lambda v: v <= 4),
    ("1,000 docs: vs MkDocs + Material", ">= 10x faster", _ratio, "{:.1f}x", lambda v: v >= 10),
    ("1,000 docs: no-change rebuild", "<= 0.5 s", lambda r: _get(r, "sizes", "1000", "no_change_rebuild", "seconds"), "{:.2f} s", lambda v: v <= 0.5),
    ("1,000 docs: one-doc edit (median)", "<= 0.5 s", lambda r: _get(r, "sizes", "1000", "edit", "median_seconds"), "{:.2f} s", lambda v: v <= 0.5),
    ("10,000 docs: clean build", "<= 40 s", lambda r: _get(r, "sizes", "10000", "clean_build", "seconds"), "{:.1f} s", lambda v: v <= 40),
    ("10,000 docs: peak memory", "<= 1.5 GB", lambda r: _get(r, "sizes", "10000", "peak_memory_mb"), "{:.0f} MB", lambda v: v <= 1536),
    ("1,000 docs: index gzipped", "<= 1 MB", lambda r: _get(r, "sizes", "1000", "index", "gzip_bytes"), "{:,.0f} B", lambda v: v <= MB),
    ("1,000 docs: index load (Chromium)", "<= 200 ms", lambda r: _get(r, "sizes", "1000", "browser", "index_load_ms"), "{:.0f} ms", lambda v: v <= 200),
    ("1,000 docs: query p95 (Chromium, cold)", "<= 20 ms", lambda r: _get(r, "sizes", "1000", "browser", "query_p95_ms"), "{:.1f} ms", lambda v: v <= 20),
    # Issue 17: CPU against Hugo on the same documents in the same run (sitegen CPU / Hugo CPU).
    ("1,000 docs: CPU / Hugo with Related", "<= 1.0", lambda r: _get(r, "sizes", "1000", "hugo", "hugo_related", "cpu_ratio"), "{:.2f}", lambda v: v <= 1),
    ("1,000 docs: CPU / Hugo, no Related", "<= 1.0 (stretch)", lambda r: _get(r, "sizes", "1000", "hugo", "hugo_plain", "cpu_ratio"), "{:.2f}", lambda v: v <= 1),
    ("10,000 docs: CPU / Hugo with Related", "<= 1.0", lambda r: _get(r, "sizes", "10000", "hugo", "hugo_related", "cpu_ratio"), "{:.2f}", lambda v: v <= 1),
    ("10,000 docs: one-doc edit (median)", "<= 1.5 s", lambda r: _get(r, "sizes", "10000", "edit", "median_seconds"), "{:.2f} s", lambda v: v <= 1.5),
    ("10,000 docs: first query downloads (gzip, max)", "<= 700 KB", lambda r: _get(r, "sizes", "10000", "browser", "first_query_gzip_max_bytes"),
     "{:,.0f} B", lambda v: v <= 700 * 1024),
    ("10,000 docs: first query's results after page load (p95)", "<= 300 ms",
     lambda r: _get(r, "sizes", "10000", "browser", "first_query_p95_ms"), "{:.0f} ms", lambda v: v <= 300),
    ("10,000 docs: query p95 (Chromium, cold / warm)", "<= 30 ms",
     lambda r: _max_or_none(_get(r, "sizes", "10000", "browser", "query_p95_ms"), _get(r, "sizes", "10000", "browser", "query_warm_p95_ms")),
     "{:.1f} ms", lambda v: v <= 30),
    ("10,000 docs: no-change rebuild", "<= 0.3 s", lambda r: _get(r, "sizes", "10000", "no_change_rebuild", "seconds"), "{:.2f} s", lambda v: v <= 0.3),
    # Issue 17's edit targets, as `sitegen serve` rebuilds: in-process, the interpreter warm.
    ("1,000 docs: one-doc edit, warm (serve)", "<= 0.3 s", lambda r: _get(r, "sizes", "1000", "edit_warm", "median_seconds"), "{:.2f} s", lambda v: v <= 0.3),
    ("10,000 docs: one-doc edit, warm (serve)", "<= 1.5 s", lambda r: _get(r, "sizes", "10000", "edit_warm", "median_seconds"), "{:.2f} s", lambda v: v <= 1.5),
)


def _cpu_per_doc(size: Mapping[str, Any], stage: str) -> float | None:
    """A stage's CPU milliseconds per document in the in-process clean build (measure.STAGES_SCRIPT)."""
    seconds, docs = _get(size, "stages", "cpu", stage), _get(size, "stages", "documents")
    return None if seconds is None or not docs else seconds * 1000 / docs


def _growth(results: Mapping[str, Any]) -> float | None:
    """The largest growth of any stage's CPU per document from 10,000 to 100,000 documents."""
    small, large = _get(results, "sizes", "10000"), _get(results, "sizes", "100000")
    if small is None or large is None:
        return None
    ratios = [b / a for a, b in ((_cpu_per_doc(small, st), _cpu_per_doc(large, st)) for st in CPU_STAGES) if a and b is not None]
    return max(ratios) if ratios else None


def _less_index(size: Mapping[str, Any]) -> float | None:
    """A warm edit's wall time without its search-index stage (issue 17 gives that stage its own work)."""
    wall, index = _get(size, "edit_warm", "median_seconds"), _get(size, "edit_warm", "median_index_seconds")
    return None if wall is None or index is None else wall - index


def judge(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for what, target, get, shown, met in TARGETS:
        value = get(results)
        out.append({"what": what, "target": target, "value": value,
                    "shown": "-" if value is None else _kb(value) if shown == "{:,.0f} B" else shown.format(value),
                    "status": "not measured" if value is None else "met" if met(value) else "MISSED"})
    return out


def _kb(size: float) -> str:
    return f"{size / 1024:,.0f} KB"


def _s(value: Any, fmt: str = "{:.2f} s") -> str:
    return "-" if value is None else fmt.format(value)


def _skipped(size: Mapping[str, Any], key: str) -> str:
    return "skipped (slow)" if _get(size, key, "skipped") else ""


def _size(raw: Any, gz: Any) -> str:
    return "-" if raw is None else f"{raw / 1024:,.0f} KB / {gz / 1024:,.0f} KB gz"


def table(results: Mapping[str, Any]) -> str:
    meta = results.get("meta", {})
    sizes = results.get("sizes", {})
    names = list(sizes)
    lines = [f"sitegen bench: {meta.get('machine', '')}, {meta.get('load_at_end', 0):.1f} at end; "
             f"commit {meta.get('commit', '?')}; seed {meta.get('seed')}", ""]

    def row(label: str, cell: Callable[[Mapping[str, Any]], str]) -> None:
        lines.append(f"{label:<34}" + "".join(f"{cell(sizes[n]):>26}" for n in names))

    lines.append(f"{'':<34}" + "".join(f"{int(n):>21,} docs" for n in names))
    for n in names:
        if "error" in sizes[n]:
            lines.append(f"{int(n):,} docs: FAILED: {sizes[n]['error'][:300]}")
        if "error" in (sizes[n].get("browser") or {}):
            lines.append(f"{int(n):,} docs, Chromium: FAILED: {sizes[n]['browser']['error'][:300]}")
    if "browser_error" in results:
        lines.append(f"FAILED: {results['browser_error']}")
    row("clean build (wall)", lambda s: _s(_get(s, "clean_build", "seconds")))
    row("  CPU (user + sys)", lambda s: _s(_get(s, "clean_build", "cpu_seconds")))
    row("  as sitegen reports it", lambda s: _s(_get(s, "clean_build", "build_seconds")))
    row("  interpreter + imports", lambda s: _s(_get(s, "startup_seconds")))
    row("peak memory", lambda s: _s(_get(s, "peak_memory_mb"), "{:,.0f} MB"))
    row("no-change rebuild (wall)", lambda s: _skipped(s, "no_change_rebuild") or _s(_get(s, "no_change_rebuild", "seconds")))
    row("  CPU (user + sys)", lambda s: _skipped(s, "no_change_rebuild") or _s(_get(s, "no_change_rebuild", "cpu_seconds")))
    row("  as sitegen reports it", lambda s: _skipped(s, "no_change_rebuild") or _s(_get(s, "no_change_rebuild", "build_seconds")))
    row("one-doc edit (wall, median)", lambda s: _skipped(s, "edit") or _s(_get(s, "edit", "median_seconds")) + f" (n={_get(s, 'edit', 'count')})")
    row("  CPU (user + sys)", lambda s: _skipped(s, "edit") or _s(_get(s, "edit", "median_cpu_seconds")))
    row("  as sitegen reports it", lambda s: _skipped(s, "edit") or _s(_get(s, "edit", "median_build_seconds")))
    row("one-doc edit, warm in-process", lambda s: _s(_get(s, "edit_warm", "median_seconds")))
    row("  CPU", lambda s: _s(_get(s, "edit_warm", "median_cpu_seconds")))
    row("  less the index stage", lambda s: _s(_less_index(s)))
    for stage in STAGES:
        def cell(s: Mapping[str, Any], stage: str = stage) -> str:
            value = _get(s, "stages", "timings", stage)
            if value is None and stage == "index":
                separate = _get(s, "stages", "index_timed_separately")
                return "-" if separate is None else f"({separate:.2f} s in pages)"
            return _s(value)
        row(f"stage: {stage}", cell)
    for stage in CPU_STAGES:
        row(f"stage CPU: {stage} (ms/doc)", lambda s, stage=stage: _s(_cpu_per_doc(s, stage), "{:.2f}"))
    row("pages written", lambda s: str(_get(s, "stages", "pages") or "-"))
    row("search index raw / gzip (all files)", lambda s: _size(_get(s, "index", "raw_bytes"), _get(s, "index", "gzip_bytes")))
    row("  files / manifest gzip", lambda s: "-" if _get(s, "index", "files") is None else
        f"{s['index']['files']:,} / {s['index']['manifest_gzip_bytes'] / 1024:,.0f} KB")
    row("index stage, one-doc edit", lambda s: _s(_get(s, "edit_stages", "timings", "index")))
    row("first query: gzip downloaded (median / max)", lambda s: "-" if _get(s, "browser", "first_query_gzip_max_bytes") is None else
        f"{s['browser']['first_query_gzip_median_bytes'] / 1024:,.0f} / {s['browser']['first_query_gzip_max_bytes'] / 1024:,.0f} KB")
    row("first query: results after (median / p95)", lambda s: "-" if _get(s, "browser", "first_query_median_ms") is None else
        f"{s['browser']['first_query_median_ms']:.0f} / {s['browser']['first_query_p95_ms']:.0f} ms")
    row("index load, Chromium (median)", lambda s: _s(_get(s, "browser", "index_load_ms"), "{:.0f} ms"))
    row("  of which search.js loadIndex", lambda s: _s(_get(s, "browser", "lunr_load_ms"), "{:.0f} ms"))
    row("query median / p95, cold", lambda s: "-" if _get(s, "browser", "query_median_ms") is None else
        f"{s['browser']['query_median_ms']:.1f} / {s['browser']['query_p95_ms']:.1f} ms")
    row("query median / p95, warm", lambda s: "-" if _get(s, "browser", "query_warm_median_ms") is None else
        f"{s['browser']['query_warm_median_ms']:.1f} / {s['browser']['query_warm_p95_ms']:.1f} ms")
    peers = results.get("peers") or {}
    lines.append("")
    if "seconds" in peers:
        ratio = _ratio(results)
        ours_cpu = _get(results, "sizes", "1000", "clean_build", "cpu_seconds")
        cpu = f", {peers['cpu_seconds'] / ours_cpu:.1f}x less CPU" if ours_cpu else ""
        lines.append(f"MkDocs + Material, same 1,000 docs: {peers['seconds']:.2f} s wall, {peers['cpu_seconds']:.2f} s CPU, "
                     f"{peers['peak_memory_mb']:,.0f} MB ({peers.get('version', '')})")
        if ratio:
            lines.append(f"  sitegen is {ratio:.1f}x faster (wall){cpu}")
    elif "error" in peers:
        lines.append(f"MkDocs + Material failed: {peers['error'][:300]}")
    else:
        lines.append(peers.get("skipped", "MkDocs + Material comparison not run"))

    quality = results.get("quality") or {}
    if quality:
        lines += ["", f"{'search quality':<29}{'docs':>6}{'entries':>9}{'queries':>9}{'hit@1':>8}{'hit@3':>8}{'MRR':>7}"
                  f"{'renamed hit@1/@3':>18}{'index raw / gzip':>26}{'index build':>13}"]
        for name, q in quality.items():
            if "skipped" in q or "error" in q:
                lines.append(f"{name:<29}{'FAILED: ' if 'error' in q else ''}{q.get('skipped') or q.get('error')}")
                continue
            a, r = q["all"], q["renamed"]
            lines.append(f"{name:<29}{q['documents']:>6}{q['entries']:>9}{a['queries']:>9}{a['hit_at_1']:>8.1%}"
                         f"{a['hit_at_3']:>8.1%}{a['mrr']:>7.3f}{r['hit_at_1']:>9.0%}/{r['hit_at_3']:>4.0%}    "
                         f"{_size(q['index_raw_bytes'], q['index_gzip_bytes']):>26}{q['index_build_seconds']:>11.2f} s")
        lines.append(f"(queries run through search.js in {results.get('search_runner', '?')}; index build: median of "
                     "fresh in-process builds after a clean site build)")
        lines += _split_rows(quality)

    lines += ["", f"{'target':<42}{'goal':<16}{'measured':>14}  status"]
    for t in judge(results):
        lines.append(f"{t['what']:<42}{t['target']:<16}{t['shown']:>14}  {t['status']}")
    growth = _growth(results)
    if growth is not None:  # the scale check, `--sizes 10000,100000`
        lines.append(f"{'100,000 docs: most stage CPU/doc growth':<42}{'<= 1.5x':<16}{growth:>13.2f}x  "
                     f"{'met' if growth <= 1.5 else 'MISSED'}")
    return "\n".join(lines)


def _split_rows(quality: dict[str, Any]) -> list[str]:
    """Issue 13's splits: where each query came from, and how it was pasted (bench/quality.py)."""
    lines: list[str] = []
    for name, q in quality.items():
        splits = q.get("splits") if isinstance(q, dict) else None
        if not splits:
            continue
        lines += ["", f"{'splits: ' + name:<30}{'queries':>8}{'hit@1':>8}{'hit@3':>8}{'MRR':>7}"]
        for split, s in splits.items():
            if split == "misses" or not s.get("queries"):
                continue
            lines.append(f"  {split:<28}{s['queries']:>8}{s['hit_at_1']:>8.1%}{s['hit_at_3']:>8.1%}{s['mrr']:>7.3f}")
    return lines


def _max_or_none(*values: Any) -> Any:
    present = [v for v in values if v is not None]
    return max(present) if present else None
