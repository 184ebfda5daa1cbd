"""The Python-built index holds exactly the browser's terms, loads in lunr.js, and answers queries."""

from __future__ import annotations

from collections import Counter

import dataclasses
import hashlib
import json
import pickle
import random
import re
import subprocess
import textwrap
from pathlib import Path
from typing import Any, Sequence

import pytest
from lunr.builder import Builder

from sitegen.build import build, gather
from sitegen.pages import search_entries
from sitegen.search import (FIELDS, MIN_SCORES, build_compact_index, compact, SCORE_DECIMALS, AnalysedBuilder, Analysis, SearchEntry, analyse,
                            build_index, configure, field_texts)
from sitegen.shards import build_files
from sitegen.tokenize import tokenize
from tests.helpers import ROOT, make_config, write_search_index

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "themes" / "default" / "assets" / "vendor"
JS = Path(__file__).parent / "js"
LUNR_SHA256 = "0c50d9002b85780a842afffb567bb54ede402dae7c6dc5997a018614d8044fc8"


def entry(ref: int, title: str, **fields: Any) -> SearchEntry:
    values: dict[str, Any] = {
        "url": f"docs/doc-{ref}.html",
        "component": (),
        "problem_type": (),
        "severity": "medium",
        "symptoms": (),
        "tags": (),
        "root_cause": (),
        "headings": (),
        "body": "",
    }
    values.update(fields)
    return SearchEntry(ref=ref, title=title, **values)


ENTRIES = [
    entry(
        0,
        "Deploy fails when the gateway key rotates",
        component=("deploy", "gateway"),
        problem_type=("configuration",),
        severity="high",
        symptoms=("502 Bad Gateway after every deploy",),
        tags=("nginx", "tls"),
        root_cause=("stale key in the gateway cache",),
        headings=("Symptoms", "Fix"),
        body="The gateway always caches the old key. Restart it after each deploy.",
    ),
    entry(
        1,
        "Async session used outside greenlet",
        url="docs/db/async.html",
        component=("database",),
        problem_type=("runtime-error",),
        severity="critical",
        symptoms=(
            "sqlalchemy.exc.InvalidRequestError: greenlet_spawn has not been called; "
            "can't call await_only() here. Was IO attempted in an unexpected place?",
        ),
        tags=("sqlalchemy", "asyncio"),
        root_cause=("lazy loading in async context",),
        headings=("Use selectinload",),
        body="Lazy loading triggers IO outside the event loop. " + "Filler words here. " * 300,
    ),
    entry(
        2,
        "Ethereum transactions rejected",
        url="docs/guide.html#eth-errors",
        component=("blockchain",),
        problem_type=("api-error",),
        severity="low",
        symptoms=("eth_sendRawTransaction: nonce too low",),
        tags=("web3",),
        body="Resend with the next nonce. Try a replacement transaction.",
    ),
    entry(
        3,
        "Import errors after upgrading </script><!-- & friends",
        url="docs/python/imports.html",
        component=("python",),
        problem_type=("dependency",),
        severity="medium",
        symptoms=("ImportError: cannot import name 'X' from 'pkg'",),
        tags=("pip", "--no-cache"),
        body="Reinstall with pip install --no-cache-dir. 数据库连接超时 is unrelated text. Ünïcödé.",
    ),
    entry(4, "An empty page", severity=""),
]


def run_node(script: str, *args: str, stdin: Any) -> Any:
    completed = subprocess.run(
        ["node", str(JS / script), *args],
        input=json.dumps(stdin),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def index_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_search_index(tmp_path_factory.mktemp("site"), ENTRIES)


def query(index_script: Path, queries: list[Any]) -> list[dict[str, Any]]:
    return run_node("run_queries.js", str(index_script), stdin=queries)["results"]


def test_python_terms_equal_lunr_js_terms() -> None:
    spec = {
        "fields": [list(field) for field in FIELDS],
        "docs": [{"ref": str(e.ref), "fields": field_texts(e)} for e in ENTRIES],
    }
    browser = run_node("build_index.js", stdin=spec)
    python = build_index(ENTRIES, min_scores={}, decimals=3)  # lunr.js neither drops nor rounds to 2
    assert [term for term, _ in python["invertedIndex"]] == [term for term, _ in browser["invertedIndex"]]
    terms = {term for term, _ in python["invertedIndex"]}
    assert {"deploy", "key", "alway", "gateway", "greenlet", "invalidrequesterror", "raw"} <= terms
    assert not {"deploi", "kei", "alwai", "gatewai"} & terms  # lunr.py's own stems
    # Same scores too (both round to 3 decimals; allow one unit of rounding difference).
    python_vectors = dict((ref, vector) for ref, vector in python["fieldVectors"])
    for ref, vector in browser["fieldVectors"]:
        assert len(python_vectors[ref]) == len(vector)
        for mine, theirs in zip(python_vectors[ref], vector):
            assert mine == pytest.approx(theirs, abs=0.0011)
    assert python["pipeline"] == browser["pipeline"] == ["stemmer"]


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("deploy", "0"),
        ("key", "0"),
        ("always", "0"),
        ("gateway", "0"),
        ("greenlet", "1"),
        ("InvalidRequestError", "1"),
        ("RawTransaction", "2"),
        ("ImportError: cannot import name 'Foo' from 'bar'", "3"),
        ("--no-cache", "3"),
        ("数据库", "3"),
    ],
)
def test_browser_query_finds_the_document_first(index_script: Path, text: str, ref: str) -> None:
    [result] = query(index_script, [text])
    assert "error" not in result, result.get("error")
    assert result["refs"][:1] == [ref]


def test_prefix_of_the_last_word_matches_while_typing(index_script: Path) -> None:
    [result] = query(index_script, [{"text": "sqlalchemy greenl", "prefix": True}])
    assert result["refs"][:1] == ["1"]


TRACEBACK = textwrap.dedent(
    """\
    Traceback (most recent call last):
      File "/home/app/.venv/lib/python3.11/site-packages/gateway/deploy.py", line 88, in run
        key = rotate(gateway)
      File "/home/app/service.py", line 12, in <module>
        main()
      File "/home/app/.venv/lib/python3.11/site-packages/sqlalchemy/orm/session.py", line 2043, in execute
        return await_only(conn.execute(stmt))
    sqlalchemy.exc.InvalidRequestError: greenlet_spawn has not been called at 0x7f3a2b1c9d40
    """
)


def test_pasted_traceback_ranks_the_final_exception_first(index_script: Path) -> None:
    # The frames mention deploy and gateway (document 0); the exception line is document 1's.
    flattened = " ".join(TRACEBACK.split())  # what an <input> makes of a pasted traceback
    results = query(index_script, [TRACEBACK, flattened, "\n" * 50 + TRACEBACK * 60])
    for result in results:
        assert result["refs"][:1] == ["1"], result


HOSTILE = [
    "",
    "   ",
    "\n\t\r ",
    "ImportError: cannot import name 'X'",
    "--no-cache",
    "a:b",
    ":",
    "::::",
    "title:",
    "*",
    "***",
    "+",
    "-",
    "~",
    "^",
    "+foo -bar ~baz ^qux foo~2 bar^10 *baz*",
    '"unterminated quote',
    "'''",
    "`backticks` ```code```",
    "(a|b)*[c-d]{2,}\\s+$^.?",
    "\\",
    "\\\\u0000 \u0000 \ufffd",
    "数据库连接超时 エラー 한국어",
    "🔥🔥🔥",
    "</script><script>alert(1)</script>",
    "constructor __proto__ prototype hasOwnProperty toString valueOf",
    "a" * 5000,
    ("Traceback (most recent call last):\n" + '  File "/x/y.py", line 1, in f\n    g()\n' * 400)[:20000]
    + "ValueError: boom",
    "x" * 20_000,
    "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p",
]


def test_hostile_queries_never_throw(index_script: Path) -> None:
    assert len(HOSTILE) >= 30
    queries = HOSTILE + [{"text": q, "prefix": True} for q in HOSTILE]
    for text, result in zip(queries, query(index_script, queries)):
        assert "error" not in result, f"{text!r:.80}: {result['error']}"
    assert query(index_script, ["", "   "]) == [{"refs": [], "terms": 0}] * 2


def index_files(entries: Sequence[SearchEntry], **options: Any) -> dict[str, str]:
    return build_files(entries, [analyse(e) for e in entries], **options)


def test_script_is_safe_to_embed_and_deterministic() -> None:
    files = index_files(ENTRIES)
    assert files == index_files(list(reversed(ENTRIES)))
    assert "search-index.js" in files and any(name.startswith("search/t-") for name in files)
    for script in files.values():
        assert "<" not in script and ">" not in script and "&" not in script.replace("&&", "")
        assert script.isascii()
        assert script.startswith("/*") and "window.SITEGEN_SEARCH_ADD(" in script
        assert "JSON.parse(" in script


def test_store_holds_what_results_show(index_script: Path) -> None:
    docs = run_node("run_queries.js", str(index_script), stdin=[])["docs"]
    by_ref = {doc["ref"]: doc for doc in docs}
    assert by_ref[3]["title"] == "Import errors after upgrading </script><!-- & friends"
    assert by_ref[2]["url"] == "docs/guide.html#eth-errors"
    assert by_ref[1]["component"] == ["database"] and by_ref[1]["severity"] == "critical"
    assert by_ref[1]["problem_type"] == ["runtime-error"]
    assert "greenlet_spawn" in by_ref[1]["snippet"]
    assert len(by_ref[1]["snippet"].split()) < 100  # bounded, unlike the indexed symptoms


def test_whole_body_and_whole_symptoms_are_indexed(tmp_path: Path) -> None:
    long_symptom = "E" + " word" * 2000 + " needle"
    texts = field_texts(entry(9, "t", symptoms=(long_symptom,), body="w " * 5000 + "needle"))
    assert texts["s"].endswith("needle") and texts["b"].endswith("needle")
    # An error message at word 5,000 of a long guide is found (issue 13: only 400 words were indexed).
    entries = [entry(1, "Long guide", body="filler words here " * 2000 + "GreenletSpawnError: loop closed"),
               *(entry(n, f"Other {n}", body="nothing of note") for n in range(2, 12))]
    script = write_search_index(tmp_path, entries)
    [found] = query(script, ["GreenletSpawnError: loop closed"])
    assert found["refs"][:1] == ["1"]


def test_duplicate_refs_are_refused() -> None:
    with pytest.raises(ValueError, match="refs"):
        index_files([entry(1, "a"), entry(1, "b")])


def test_vendored_lunr_is_the_expected_release() -> None:
    digest = hashlib.sha256((VENDOR / "lunr.min.js").read_bytes()).hexdigest()
    assert digest == LUNR_SHA256
    license_text = (VENDOR / "lunr-LICENSE.txt").read_text(encoding="utf-8")
    assert "MIT" in license_text


# ------------------------------------------------------------ analysis, builder, size bounds

WORDS = [a + b for a in ("ba", "ko", "mi", "su", "te", "ra", "lo", "ne", "vi", "do") for b in ("rk", "nt", "lp", "sh", "x")]


def generated_entries(count: int = 40, seed: int = 7) -> list[SearchEntry]:
    """Entries over a Zipf-like vocabulary: a few words in every body, most in a handful."""
    rng = random.Random(seed)
    weights = [1 / rank for rank in range(1, len(WORDS) + 1)]

    def words(n: int) -> str:
        return " ".join(rng.choices(WORDS, weights, k=n))

    return [
        entry(
            ref,
            words(4).title(),
            symptoms=tuple(f"{rng.choice(WORDS).title()}Error: {words(8)} '{rng.choice(WORDS)}'" for _ in range(ref % 3)),
            tags=(rng.choice(WORDS),),
            component=(rng.choice(WORDS),),
            headings=("Fix", words(2)),
            body=words(rng.randint(20, 300)),
        )
        for ref in range(count)
    ]


MIXED = ENTRIES + [dataclasses.replace(e, ref=e.ref + 10) for e in generated_entries()]


def stock_index(entries: Sequence[SearchEntry], fields_of: Any, pipeline: bool = True) -> dict[str, Any]:
    """The index lunr.py's own Builder makes, each field given as a list of tokens."""
    builder = configure(Builder())
    if not pipeline:
        builder.pipeline.reset()
    for e in entries:
        builder.add({"ref": str(e.ref), **fields_of(e)})
    return builder.build().serialize()


def test_builder_equals_stock_lunr_py() -> None:
    ours = json.dumps(build_index(MIXED, min_scores={}, decimals=3))
    # As sitegen built the index before: tokens through lunr.py's pipeline (stop words, stemmer).
    tokens = stock_index(MIXED, lambda e: {name: tokenize(text) for name, text in field_texts(e).items()})
    assert ours == json.dumps(tokens)
    # The same analysed terms given to the stock Builder with an empty pipeline.
    def terms(e: SearchEntry) -> dict[str, list[str]]:
        fields = analyse(e).fields
        return {name: [t for t, n in zip(f.terms, f.counts) for _ in range(n)] for (name, _), f in zip(FIELDS, fields)}

    assert ours == json.dumps(stock_index(MIXED, terms, pipeline=False))


def postings(index: dict[str, Any]) -> tuple[dict[tuple[str, str, int], float], set[tuple[str, str, int]]]:
    """(field, ref, term index) -> score from the field vectors, and the same keys from the inverted index."""
    scores = {}
    for field_ref, elements in index["fieldVectors"]:
        field, ref = field_ref.split("/")
        scores.update({(field, ref, elements[i]): elements[i + 1] for i in range(0, len(elements), 2)})
    inverted = {(field, ref, posting["_index"]) for _, posting in index["invertedIndex"]
                for field in index["fields"] for ref in posting[field]}
    return scores, inverted


def test_weak_body_postings_are_dropped_and_the_rest_keep_their_scores() -> None:
    full, _ = postings(build_index(MIXED, min_scores={}, decimals=3))
    kept, inverted = postings(build_index(MIXED))
    assert set(kept) == inverted  # a document matches a term only where it has a score for it
    dropped = set(full) - set(kept)
    assert dropped and set(kept) <= set(full)
    # Dropped: only body postings of terms most documents hold (idf under 1: postings over ~37%,
    # counted once per field as lunr's idf does); never a rare term, however long the document.
    share = Counter(term for _, _, term in full)
    assert all(field == "b" and share[term] > 0.36 * len(MIXED) for field, ref, term in dropped)
    assert all(key in kept for key in full if share[key[2]] == 1)
    for key, score in kept.items():  # only rounded, to SCORE_DECIMALS instead of lunr's 3
        assert score == pytest.approx(full[key], abs=0.5 * 10**-SCORE_DECIMALS + 0.0005)


def test_cached_analyses_give_identical_bytes() -> None:
    fresh = index_files(MIXED)
    cached = [pickle.loads(pickle.dumps(analyse(e))) for e in MIXED]
    assert all(isinstance(a, Analysis) for a in cached)
    assert build_files(MIXED, cached) == fresh
    order = list(range(len(MIXED)))
    random.Random(3).shuffle(order)
    assert build_files([MIXED[i] for i in order], [cached[i] for i in order]) == fresh
    # An analysis depends on the texts only: refs and urls shift as documents come and go.
    moved = [dataclasses.replace(e, ref=e.ref + 1000, url="moved/" + e.url) for e in MIXED]
    assert [analyse(e) for e in moved] == cached


def test_analyses_must_match_entries() -> None:
    with pytest.raises(ValueError, match="analyses"):
        build_files(ENTRIES, [analyse(e) for e in ENTRIES[:-1]])
    builder = configure(AnalysedBuilder())
    with pytest.raises(ValueError, match="fields"):
        builder.add_analysis("0", Analysis(analyse(ENTRIES[0]).fields[:3]))


# ------------------------------------------------------------ quality on the sample content

QUOTED = re.compile(r"""(['"])([A-Za-z_][\w.]*)\1""")


def rename_quoted(text: str) -> str:
    """`text` with each quoted name changed, as when the same error hits another model."""
    def swap(match: re.Match[str]) -> str:
        quote, name = match.groups()
        head, _, last = name.rpartition(".")
        new = "Sprocket" if last[:1].isupper() else "sprocket_total"
        return f"{quote}{head + '.' if head else ''}{new}{quote}"

    return QUOTED.sub(swap, text)


def symptom_quality(entries: Sequence[SearchEntry], index_script: Path) -> dict[str, dict[str, float]]:
    """hit@1, hit@3 and MRR (over the top 10) of every symptom as a query for the entries listing it,
    as pasted and with its quoted names changed, through search.js's runSearch under node."""
    owners: dict[str, set[str]] = {}
    for e in entries:
        for symptom in e.symptoms:
            owners.setdefault(symptom.strip(), set()).add(str(e.ref))
    cases = {"pasted": [(s, refs) for s, refs in owners.items()],
             "renamed": [(rename_quoted(s), refs) for s, refs in owners.items() if rename_quoted(s) != s]}
    quality = {}
    for name, pairs in cases.items():
        results = query(index_script, [text for text, _ in pairs])
        ranks = [next((i for i, ref in enumerate(r["refs"][:10], 1) if ref in refs), None)
                 for (_, refs), r in zip(pairs, results)]
        quality[name] = {
            "queries": len(ranks),
            "hit@1": sum(r == 1 for r in ranks) / len(ranks),
            "hit@3": sum(r is not None and r <= 3 for r in ranks) / len(ranks),
            "mrr": sum(1 / r for r in ranks if r) / len(ranks),
        }
    return quality


def test_sample_symptoms_find_their_documents(tmp_path: Path) -> None:
    entries = search_entries(gather(make_config(ROOT / "content", tmp_path / "site")))
    script = write_search_index(tmp_path, entries)
    quality = symptom_quality(entries, script)
    assert quality["pasted"]["queries"] > 100 and quality["renamed"]["queries"] > 10
    # Measured when the size bounds were chosen (the same as before them): hit@3 1.0 both ways,
    # MRR 0.991 as pasted and 0.969 renamed. Since quoted names count half a word in coverage
    # (issue 13, session 3) renamed MRR is 0.9375: two of the 16 lose a first place to a document
    # with the same message and another name (`No module named 'X'`), while make bench's
    # "names changed" rose from 60% to 73% hit@1 on ../shared/corpus and from 88% to 94% here.
    assert quality["pasted"]["hit@3"] == 1.0 and quality["renamed"]["hit@3"] == 1.0, quality
    assert quality["pasted"]["mrr"] >= 0.98 and quality["renamed"]["mrr"] >= 0.93, quality


def compare_with_stock(manifest: Path, reference: dict[str, Any], queries: list[dict[str, Any]]) -> dict[str, Any]:
    """tests/js/compare_load.js: stock lunr.Index.load of `reference` against the sharded index at
    `manifest`, whole and loaded shard by shard as a first query in the browser loads it."""
    path = manifest.parent / "reference.json"
    path.write_text(json.dumps(reference), encoding="utf-8")
    return run_node("compare_load.js", str(manifest), str(path), stdin=queries)


def typed_queries(titles: Sequence[str]) -> list[dict[str, Any]]:
    queries: list[dict[str, Any]] = []
    for title in titles:
        words = title.split()
        queries.append({"text": title, "prefix": False})
        queries.append({"text": " ".join(words[:2])[:-2], "prefix": True})  # typing, a word half done
        longest = max(words, key=len)
        if len(longest) >= 6:  # a typo: the retry loads the shards of every term one edit away
            queries.append({"text": longest[0] + longest[2:], "prefix": False})
            # the second letter changed, or swapped with the third: its shards differ from the word's
            queries.append({"text": longest[0] + ("q" if longest[1] != "q" else "z") + longest[2:], "prefix": False})
            queries.append({"text": longest[0] + longest[2] + longest[1] + longest[3:], "prefix": False})
    return queries


def short_prefixes(titles: Sequence[str]) -> list[dict[str, Any]]:
    """A word typed two or three letters in, alone or after a whole one: it expands to many terms,
    and a document holding several of them (not the typed letters' stem) counts the one its MatchData
    lists first; index-match.js picks it without MatchData (its coverage and field share are compared)."""
    queries: list[dict[str, Any]] = []
    for n, title in enumerate(titles[::4]):
        words = [w for w in title.split() if w.isalpha()]
        if len(words) >= 2:
            queries.append({"text": f"{words[0]} {words[-1][:2 + n % 2]}", "prefix": True})
            queries.append({"text": words[-1][:2 + n % 2], "prefix": True})
    return queries


def test_load_index_answers_exactly_as_lunr_index_load(tmp_path: Path) -> None:
    """The sharded index, scored in the browser, ranks and scores every query as stock lunr.Index.load
    of the same index with its scores baked in by Python (the body postings dropped alike)."""
    out = tmp_path / "site"
    result = build(make_config(ROOT / "content", out))
    entries = search_entries(result.site)
    queries = typed_queries([e.title for e in entries])
    queries += [{"text": "zzzz-nothing", "prefix": True}, {"text": "a", "prefix": True}, {"text": "", "prefix": False}]
    queries += [{"term": "conection", "editDistance": 1}, {"term": "*pool"}, {"term": "p*ol"},
                {"term": "time", "wildcard": 2}]  # a trailing wildcard clause, as the typing prefix uses
    found = compare_with_stock(out / "search-index.js", build_index(entries, min_scores=MIN_SCORES, decimals=3), queries)
    assert found["compared"] == len(queries) > 80
    assert found["differences"] == []


@pytest.mark.parametrize(("prefix", "limit"), [(None, None), (0, None), (2, None), (None, 1500)])
def test_rankings_of_the_sharded_index_equal_stock_lunr_js(tmp_path: Path, prefix: int | None, limit: int | None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated documents (bench.generate), indexed by lunr.js's own builder in node and by sitegen's
    shards: the same top results in the same order, with the same scores, over many queries.
    `limit` 1500: most shards split by size (shards.split_payload), many more than once."""
    from bench.generate import write_docs

    write_docs(tmp_path / "docs", 260, seed=11)
    entries = search_entries(gather(make_config(tmp_path / "docs", tmp_path / "site")))
    site = tmp_path / "site"
    site.mkdir()
    # lunr.js drops no posting: nor does the index compared with it.
    if limit is not None:
        import sitegen.shards

        monkeypatch.setattr(sitegen.shards, "SPLIT_PREFIX", 1)  # 260 entries: keys of one letter
    manifest = write_search_index(site, entries, min_scores={}, prefix=prefix, limit=limit)
    keys = json.loads(json.loads(manifest.read_text().split("JSON.parse(", 1)[1].rsplit("));", 1)[0]))["shards"]
    if limit is not None:  # split twice over at least, and a term equal to a split key in a shard of its own
        assert max(len(key) for key in keys) >= 3 and any(other.startswith(key) for key in keys for other in keys if other != key)
    spec = {"fields": [list(field) for field in FIELDS],
            "docs": [{"ref": str(e.ref), "fields": field_texts(e)} for e in entries]}
    reference = run_node("build_index.js", stdin=spec)
    queries = typed_queries([e.title for e in entries])
    queries += [{"text": symptom, "prefix": False} for e in entries for symptom in e.symptoms]
    queries += short_prefixes([e.title for e in entries])
    found = compare_with_stock(manifest, reference, queries)
    assert found["compared"] == len(queries) > 500
    assert found["differences"] == [], found["differences"][:3]
    # Cold queries, each on a fresh index loading only the shards prepare() asks for, answered alike.
    assert found["lazyQueries"] >= 100 and found["lazyShards"] >= found["lazyQueries"] - 5


def test_only_the_word_being_typed_is_a_prefix() -> None:
    typed, done, pasted = run_node("query_terms.js", stdin=[
        {"text": "ImportError app.db.perm", "prefix": True},
        {"text": "ImportError app.db.perm ", "prefix": True},
        {"text": "No module named 'app.db.permission_deps'", "prefix": True},
    ])
    assert {t["term"] for t in typed if t["prefix"]} == {"app.db.perm", "perm"}  # not `app` or `db`: complete
    assert not any(t["prefix"] for t in done)  # a space after it: the word is finished
    assert not any(t["prefix"] for t in pasted)  # a closing quote: likewise


def test_terms_in_most_documents_are_left_out_while_rarer_ones_remain(tmp_path: Path) -> None:
    entries = [entry(i, f"Everywhere note {i}", body=f"marker{i:03d} and other words") for i in range(120)]
    script = write_search_index(tmp_path, entries)
    alone, with_rare = query(script, ["everywhere", "everywhere marker007"])
    assert len(alone["refs"]) == 120  # alone, a common term still finds what it can
    assert with_rare["refs"] == ["7"]  # beside a rarer one, it no longer drags in every document
    (tmp_path / "few").mkdir()
    few = write_search_index(tmp_path / "few", entries[:40])
    [small_site] = query(few, ["everywhere marker007"])
    assert len(small_site["refs"]) == 40 and small_site["refs"][0] == "7"  # small sites keep every term


def test_compact_postings_keep_every_term_field_and_document() -> None:
    serialized = build_index(ENTRIES)
    small = compact(serialized)
    assert "invertedIndex" not in small and small["fields"] == serialized["fields"]
    rebuilt = [[term, {"_index": index, **{f: {str(r): {} for r in by_field.get(f, [])} for f in small["fields"]}}]
               for term, index, by_field in small["postings"]]
    assert rebuilt == serialized["invertedIndex"]
    assert len(json.dumps(small)) < len(json.dumps(serialized)) * 0.8


def test_compact_index_equals_compacting_lunr_form() -> None:
    analyses = [analyse(e) for e in ENTRIES]
    direct = build_compact_index(ENTRIES, analyses)
    # Only the direct build knows which terms lost body postings; lunr's form does not say.
    dropped = direct.pop("dropped")
    assert json.dumps(direct) == json.dumps(compact(build_index(ENTRIES, analyses)))
    full = build_compact_index(ENTRIES, analyses, min_scores={})
    lost = {term for term, _, fields in full["postings"] if fields.get("b")} - {
        term for term, _, fields in direct["postings"] if fields.get("b")}
    assert dropped and set(dropped) >= lost and full["dropped"] == []


def test_a_result_covering_the_whole_query_beats_a_title_match_of_two_words(tmp_path: Path) -> None:
    entries = [
        entry(1, "Cleanup registry", body="How the registry is laid out."),
        entry(2, "Workers stop", body="The cleanup worker reports registry stalled while the queue drains."),
        *(entry(n, f"Unrelated {n}", body="nothing of note here") for n in range(3, 14)),
    ]
    script = write_search_index(tmp_path, entries)
    [found] = query(script, ["cleanup worker registry stalled queue"])
    assert found["refs"][:2] == ["2", "1"]  # by score alone, the title match of two words came first


def test_a_pasted_word_is_not_a_prefix_but_a_typed_one_is(tmp_path: Path) -> None:
    entries = [entry(1, "Session errors", symptoms=("greenlet_spawn has not been called",)),
               *(entry(n, f"Other {n}", body="cleanup of caches") for n in range(2, 6))]
    script = write_search_index(tmp_path, entries)
    pasted, typed = query(script, [{"text": "cache greenl", "prefix": False}, {"text": "cache greenl", "prefix": True}])
    assert "1" not in pasted["refs"] and typed["refs"][:1] == ["1"]


def test_a_typo_in_a_longer_word_is_corrected_one_edit_away(tmp_path: Path) -> None:
    entries = [entry(1, "Gateway timeout", body="The gateway closes idle connections."),
               *(entry(n, f"Other {n}", body="nothing of note here") for n in range(2, 6))]
    script = write_search_index(tmp_path, entries)
    found = run_node("typo.js", str(script), stdin=["gatway timeuot", "gate"])
    assert found[0]["refs"][:1] == ["1"] and found[0]["showing"] == "gateway timeout"
    assert found[1]["showing"] is None  # short words are never "corrected"
