"""`make bench`'s harness works: the generator is deterministic and valid, a quick run writes its JSON.

No timing is asserted here; timings belong to `make bench` itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from bench.generate import generate, write_docs
from bench.quality import queries_of, rename_quoted, score
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
    assert size["index"]["gzip_bytes"] > 0 and size["edit"]["count"] == 1
    sample = results["quality"]["sample content"]
    assert set(sample["all"]) >= {"queries", "hit_at_1", "hit_at_3", "mrr"} and sample["all"]["queries"] > 0
    assert set(sample) >= {"index_raw_bytes", "index_gzip_bytes", "index_build_seconds", "renamed"}
    assert [t["what"] for t in results["targets"]][0] == "1,000 docs: clean build"
    assert "target" in done.stdout and "clean build" in done.stdout
