"""`make bench`'s harness works: the generator is deterministic and valid, a quick run writes its JSON.

No timing is asserted here; timings belong to `make bench` itself.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bench import browser as bench_browser
from bench import quality, run
from bench.generate import generate, write_docs
from bench.quality import queries_of, rename_quoted, score
from bench.readme import markdown
from bench.report import judge
from sitegen.build import build
from tests.helpers import ROOT, make_config


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    first = write_docs(tmp_path / "a", 25, seed=7)
    second = write_docs(tmp_path / "b", 25, seed=7)
    assert [d.rel for d in first] == [d.rel for d in second]
    for doc in first:
        assert (tmp_path / "a" / doc.rel).read_bytes() == (tmp_path / "b" / doc.rel).read_bytes()
    assert [d.text for d in generate(25, seed=8)] != [d.text for d in first]
    # Document i does not depend on how many are drawn: the small set is the start of the large one.
    assert [d.text for d in generate(10, seed=7)] == [d.text for d in first[:10]]


def test_generated_docs_parse_build_without_errors_and_have_distinct_symptoms(tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs", 40)
    symptoms = [s for doc in docs for s in doc.symptoms]
    assert len(symptoms) == len(set(symptoms))
    for doc in docs:
        front, body = doc.text.split("---\n", 2)[1:]
        meta = yaml.safe_load(front)
        assert {"module", "date", "problem_type", "component", "symptoms", "root_cause", "resolution_type",
                "severity", "tags"} <= set(meta)
        assert [s.strip() for s in meta["symptoms"]] == [s.strip() for s in doc.symptoms]
        assert 400 <= len(body.split()) <= 900
        for heading in ("## Problem", "## Environment", "## Symptoms", "## What Didn't Work", "## Solution",
                        "## Why This Works", "## Prevention", "```"):
            assert heading in body
    everything = "\n".join(symptoms)
    assert "from partially initialized module 'app." in everything
    assert "eth_" in everything or "Error" in everything

    result = build(make_config(tmp_path / "docs", tmp_path / "site"))
    assert [p for p in result.site.problems if p.level == "error"] == []
    assert len(result.site.documents) == 40
    assert sum(len(e.symptoms) for e in result.site.entries) == len(symptoms)


def test_renamed_queries_swap_only_quoted_names() -> None:
    text = "ImportError: cannot import name 'ParcelService' from partially initialized module 'app.models.parcel'"
    renamed = rename_quoted(text)
    assert renamed.startswith("ImportError: cannot import name '")
    assert "'ParcelService'" not in renamed and "'app.models." in renamed and "parcel'" not in renamed
    assert rename_quoted("no quotes here") == "no quotes here"


def test_scores_count_the_rank_of_the_expected_page() -> None:
    class Entry:
        def __init__(self, url: str, symptoms: tuple[str, ...]) -> None:
            self.url, self.symptoms = url, symptoms

    queries = queries_of([Entry("a.html", ("KeyError: 'x'",)), Entry("b.html", ("plain words",))])
    assert len(queries) == 3  # the quoted one also has a renamed variant
    results = [["b.html", "a.html"] if q.text.startswith("KeyError") else ["b.html"] for q in queries]
    scored = score(queries, results)
    assert scored["all"]["hit_at_1"] == 1 / 3
    assert scored["all"]["hit_at_3"] == 1.0
    assert scored["all"]["mrr"] == (0.5 + 0.5 + 1) / 3


def test_quick_run_without_browser_writes_results_json(tmp_path: Path) -> None:
    # --sizes keeps the smoke run well under 20 s; `--quick` alone builds 200 docs.
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--no-browser", "--sizes", "30", "--edits", "1",
                           "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(results) >= {"meta", "sizes", "peers", "quality", "targets", "search_runner"}
    size = results["sizes"]["30"]
    assert set(size) >= {"clean_build", "no_change_rebuild", "edit", "peak_memory_mb", "stages", "index"}
    assert set(size["stages"]["timings"]) >= {"read", "render", "group", "pages", "write"}
    assert size["stages"]["errors"] == 0 and size["stages"]["documents"] == 30
    # CPU by stage, steadier than wall time on a busy machine: each stage measured, together the build's.
    cpu = size["stages"]["cpu"]
    assert set(cpu) == {"gather", "pages", "index", "write"} and all(v > 0 for v in cpu.values()), cpu
    assert size["index"]["gzip_bytes"] > 0 and size["edit"]["count"] == 1
    # The held-out corpus leads (skipped with --quick); content/, the set the search was tuned on, follows.
    assert list(results["quality"]) == ["shared corpus", "sample content (tuning set)"]
    sample = results["quality"]["sample content (tuning set)"]
    assert set(sample["all"]) >= {"queries", "hit_at_1", "hit_at_3", "mrr"} and sample["all"]["queries"] > 0
    assert set(sample) >= {"index_raw_bytes", "index_gzip_bytes", "index_build_seconds", "renamed"}
    assert [t["what"] for t in results["targets"]][0] == "1,000 docs: clean build"
    assert "target" in done.stdout and "clean build" in done.stdout


def test_quality_builds_from_nothing_every_time(tmp_path: Path) -> None:
    # A kept output folder would make the second build stop at the up-to-date check and report a
    # cached index time; each measurement must be of a full build.
    write_docs(tmp_path / "docs", 12)
    content = tmp_path / "docs"
    answers = lambda site, queries: [[] for _ in queries]  # noqa: E731 - the ranking is not under test here
    first = quality.measure_corpus("x", content, tmp_path / "out", answers)
    second = quality.measure_corpus("x", content, tmp_path / "out", answers)
    for result in (first, second):
        assert result["pages_written"] > 12 and result["index_in_build_seconds"] > 0
        assert len(result["index_build_runs"]) == 3 and result["index_build_seconds"] > 0


def test_a_failed_measurement_makes_the_run_exit_non_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("search.js threw")

    monkeypatch.setattr(quality, "measure_corpus", broken)
    assert run.main(["--quick", "--no-browser", "--sizes", ",", "--out", str(tmp_path)]) == 1
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert "search.js threw" in results["quality"]["sample content (tuning set)"]["error"]


def test_a_missing_browser_is_a_failure_unless_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench_browser, "available", lambda: "/usr/bin/chromium is missing")
    assert run.main(["--quick", "--no-quality", "--sizes", ",", "--out", str(tmp_path)]) == 1
    assert run.main(["--quick", "--no-quality", "--no-browser", "--sizes", ",", "--out", str(tmp_path)]) == 0


def test_queries_are_timed_cold_on_fresh_pages_and_warm(tmp_path: Path, browser: object) -> None:
    assert bench_browser.available() is None, bench_browser.available()  # make test installs Chromium
    docs = write_docs(tmp_path / "docs", 8)
    build(make_config(tmp_path / "docs", tmp_path / "site"))
    queries = [s for d in docs for s in d.symptoms][:6]
    figures = bench_browser.browser_metrics(tmp_path / "site", queries, loads=2, browser=browser)
    assert figures["cold_queries"] == 6 and figures["queries"] == 6
    for key in ("query_median_ms", "query_p95_ms", "query_warm_median_ms", "query_warm_p95_ms", "index_load_ms"):
        assert figures[key] >= 0, key
    assert figures["no_result_queries"] == 0


def test_the_readme_table_says_met_or_missed_for_each_target() -> None:
    results = {"meta": {"commit": "abc1234", "date": "2026-12-03T10:00:00", "sizes": [1000], "machine": "2 cores"},
               "sizes": {"1000": {"clean_build": {"seconds": 3.5}, "no_change_rebuild": {"seconds": 0.9}}}}
    table = markdown(results)
    assert "commit abc1234 on 2026-12-03" in table and "| target | goal | measured | status |" in table
    assert "| 1,000 docs: clean build | ≤ 4 s | 3.50 s | met |" in table
    assert "| 1,000 docs: no-change rebuild | ≤ 0.5 s | 0.90 s | missed |" in table
    assert "| 10,000 docs: clean build | ≤ 40 s | - | not measured |" in table


def test_the_readme_shows_a_bench_run_with_its_commit_and_a_status_per_target() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Performance"):]
    section = section[:section.index("\n## ", 5)]
    assert re.search(r"Measured by `python -m bench[^`]*` at commit [0-9a-f]{7,40}\b", section), section[:600]
    # The targets table: from its header to the first line that is no table row (other tables may follow).
    table = section[section.index("| target | goal | measured | status |"):].split("\n\n", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| target")
            and not line.startswith("| ---")]
    assert [row.split(" | ")[0][2:] for row in rows] == [t["what"] for t in judge({})]
    assert all(row.rstrip(" |").rsplit("| ", 1)[1] in ("met", "missed", "not measured") for row in rows), rows


def test_readme_table_without_results_says_how_to_make_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`python -m bench.readme` on a missing results.json names the command that writes one."""
    from bench import readme

    with pytest.raises(SystemExit) as stop:
        readme.main([str(tmp_path / "results.json")])
    assert stop.value.code == 2
    assert "python -m bench" in capsys.readouterr().err


def test_readme_table_from_a_damaged_results_file_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench import readme

    damaged = tmp_path / "results.json"
    damaged.write_text('{"meta": {}\n "sizes": ', encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        readme.main([str(damaged)])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and str(damaged) in err and "line 2" in err


def test_search_ab_adds_up_the_cpu_of_chromium_tasks() -> None:
    """bench.search_ab's CPU figure: the tasks' thread time (tdur), the renderer's main thread apart,
    and no other event (a trace event nests inside a task: counting it too would count twice)."""
    import json

    from bench.search_ab import trace_cpu

    events = [{"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "CrRendererMain"}},
              {"ph": "M", "name": "thread_name", "pid": 2, "tid": 7, "args": {"name": "CrBrowserMain"}},
              {"ph": "X", "name": "ThreadControllerImpl::RunTask", "pid": 1, "tid": 1, "tdur": 3000},
              {"ph": "X", "name": "v8.run", "pid": 1, "tid": 1, "tdur": 2500},  # inside the task above
              {"ph": "X", "name": "ThreadControllerImpl::RunTask", "pid": 2, "tid": 7, "tdur": 1500},
              {"ph": "X", "name": "ThreadControllerImpl::RunTask", "pid": 1, "tid": 1, "dur": 9000}]  # no thread time
    assert trace_cpu(json.dumps({"traceEvents": events}).encode()) == (3.0, 4.5)


def test_a_scale_size_is_one_clean_build_with_stage_cpu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import measure

    monkeypatch.setattr(measure, "SCALE_SIZE", 30)
    docs = write_docs(tmp_path / "docs", 30)
    result = measure.measure_builds(tmp_path / "docs", tmp_path / "site", tmp_path / "work", [d.rel for d in docs], None, say=lambda m: None)
    assert "skipped" in result["edit"] and "skipped" in result["no_change_rebuild"]
    assert result["peak_memory_mb"] > 0 and result["stages"]["documents"] == 30 and result["index"]["files"] > 0
    assert set(result["stages"]["cpu"]) == {"gather", "pages", "index", "write"}


def test_stage_growth_from_10k_to_100k_is_judged_on_cpu_per_doc() -> None:
    from bench.report import table

    def size(docs: int, pages: float) -> dict[str, object]:
        return {"stages": {"documents": docs, "cpu": {"gather": docs * 0.004, "pages": pages, "index": docs * 0.001, "write": docs * 0.001}}}

    def growth(pages_100k: float) -> list[str]:
        shown = table({"sizes": {"10000": size(10_000, 15.0), "100000": size(100_000, pages_100k)}})
        return next(line for line in shown.splitlines() if line.startswith("100,000 docs: most stage CPU/doc growth")).split()[-2:]

    assert growth(150.0) == ["1.00x", "met"]
    assert growth(300.0) == ["2.00x", "MISSED"]
