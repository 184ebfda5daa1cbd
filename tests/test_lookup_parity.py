"""`sitegen lookup` and the browser agree: same ranking (search.js vs sitegen.ranking), same error lines
(signatures.js vs sitegen.signatures), run side by side under node over the same queries and logs."""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sitegen import signatures
from sitegen.build import build, gather
from sitegen.lookup import load_index
from sitegen.ranking import run_search
from sitegen.search import SearchEntry
from tests.helpers import ROOT, make_config, write_search_index
from tests.lookup_logs import SAMPLE_LOGS

JS = Path(__file__).parent / "js"
# /work/shared/corpus, beside the project's checkout (or its worktree's parent), when present.
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus") if p.is_dir()),
              ROOT / "no-shared-corpus")


def node(payload: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(["node", str(JS / "lookup_parity.js")], input=json.dumps(payload), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def python_top_ten(site: Path, queries: list[str]) -> list[list[list[float]]]:
    index = load_index(site).index
    return [[[hit.ref, hit.score] for hit in run_search(index, q)[:10]] for q in queries]


def sample_queries(entries: Any) -> list[str]:
    """Every symptom and title as pasted, renamed, in a traceback, cut short; and some awkward input."""
    from bench.quality import rename_quoted

    rng = random.Random(18)
    out: list[str] = []
    for e in entries:
        out.append(e.title)
        longest = max(e.title.split(), key=len)
        if len(longest) >= 6:  # typos: one letter dropped from the title's longest word, or its first changed
            out.append(e.title.replace(longest, longest[0] + longest[2:]).lower())
            out.append(e.title.replace(longest, chr(ord(longest[0].lower()) % 122 + 1) + longest[1:]).lower())
            out += [longest[0] + longest[2:], chr(ord(longest[0].lower()) % 122 + 1) + longest[1:].lower()]  # alone
        for symptom in e.symptoms:
            out += [symptom, rename_quoted(symptom), " ".join(symptom.split()[: max(1, len(symptom.split()) // 2)])]
            if rng.random() < 0.3:
                out.append('Traceback (most recent call last):\n  File "/srv/app/main.py", line 12, in run\n'
                           f"    handler(event)\n{symptom}")
    out += ["", "   ", "the of and", "a", "0x7f3a2c1d 12345 /usr/lib/x/y.py", "ÜNÏCÖDÉ 数据库连接超时 error",
            "ImportError: cannot import name 'X' --no-cache a:b +~^* `x` (", "x" * 20000]
    out += [s.query for log in SAMPLE_LOGS.values() for s in signatures.extract(log)]
    return out


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    out = tmp_path_factory.mktemp("lookup-parity") / "site"
    result = build(make_config(ROOT / "content", out))
    return out, sample_queries(result.site.entries)


def test_lookup_ranks_the_sample_queries_exactly_as_search_js(sample_site: tuple[Path, list[str]]) -> None:
    site, queries = sample_site
    assert len(queries) > 300
    browser = node({"index": str(site / "search-index.js"), "queries": queries})["searches"]
    python = python_top_ten(site, queries)
    differing = [(q[:80], py[:3], js[:3]) for q, py, js in zip(queries, python, browser) if py != js]
    assert differing == [], differing[:5]
    # Not a vacuous agreement: most queries find something, and refs and scores are compared.
    assert sum(1 for r in python if len(r) == 10) > len(queries) / 2


def test_parity_holds_where_common_terms_are_left_out(tmp_path: Path) -> None:
    """Over 100 entries, terms in a fifth of them are dropped while rarer ones remain (search.js isCommon)."""
    rng = random.Random(7)
    words = [f"{a}{b}" for a in ("pool", "cache", "queue", "token", "route", "table") for b in ("", "s", "ing", "er")]
    entries = []
    for ref in range(140):
        picked = rng.sample(words, 6)
        entries.append(SearchEntry(ref=ref, url=f"docs/d{ref}.html", title=f"{picked[0]} {picked[1]} issue {ref}",
                                   component=("database" if ref % 3 else "cache",), problem_type=("runtime_error",),
                                   severity="high", symptoms=(f"RuntimeError: {' '.join(picked[:3])} failed {ref}",),
                                   tags=tuple(picked[3:5]), root_cause=(), headings=("Fix",),
                                   body=" ".join(rng.choice(words) for _ in range(60)) + " everywhere"))
    site = tmp_path / "site"
    write_search_index(site, entries)
    queries = [f"RuntimeError: {' '.join(rng.sample(words, 3))} failed {n}" for n in range(60)]
    queries += ["everywhere", "everywhere pools", "issue 7 everywhere", "runtime error database"]
    browser = node({"index": str(site / "search-index.js"), "queries": queries})["searches"]
    assert python_top_ten(site, queries) == browser
    assert browser[0] and browser[1]


def test_parity_over_the_shared_corpus_when_present(tmp_path: Path) -> None:
    """The shared corpus (a larger, messier set of real documents) when it is there; a small set of
    generated documents always, so the test runs, and checks something, without it."""
    from bench.generate import write_docs

    folders = [write_docs(tmp_path / "generated", 110, seed=18) and tmp_path / "generated"]  # over 100: common-term rules apply
    folders += [CORPUS] if CORPUS.is_dir() else []
    for n, folder in enumerate(folders):
        result = build(make_config(folder, tmp_path / f"site-{n}"))
        queries = sample_queries(result.site.entries)[:1500]
        browser = node({"index": str(tmp_path / f"site-{n}" / "search-index.js"), "queries": queries})["searches"]
        python = python_top_ten(tmp_path / f"site-{n}", queries)
        assert [q for q, py, js in zip(queries, python, browser) if py != js] == [], folder
        assert sum(1 for r in python if r) > len(queries) / 2


def test_signatures_js_uses_the_same_patterns_and_limits() -> None:
    found = node({"index": None, "queries": [], "logs": []})
    for name, (source, _flags) in found["patterns"].items():
        assert getattr(signatures, name).pattern == source, name
    assert found["limits"] == {name: getattr(signatures, name) for name in found["limits"]}
    assert len(found["patterns"]) >= 20 and len(found["limits"]) == 4


@pytest.mark.parametrize("name", sorted(SAMPLE_LOGS))
def test_signatures_js_finds_the_same_lines_as_python(name: str) -> None:
    log = SAMPLE_LOGS[name]
    [browser] = node({"index": None, "queries": [], "logs": [log]})["signatures"]
    python = [s.as_dict() for s in signatures.extract(log)]
    assert python == browser
    assert python, f"{name}: no error line found"
