"""index-match.js: a query scored into typed arrays ranks exactly as lunr's query and search.js's
MatchData loop did, also in the corners the generated documents rarely reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sitegen.search import FIELDS, field_texts
from tests.helpers import write_search_index
from tests.test_search_index import compare_with_stock, entry, run_node


def _compare(tmp_path: Path, entries: list[Any], queries: list[dict[str, Any]]) -> dict[str, Any]:
    site = tmp_path / "site"
    site.mkdir()
    manifest = write_search_index(site, entries, min_scores={})
    spec = {"fields": [list(field) for field in FIELDS],
            "docs": [{"ref": str(e.ref), "fields": field_texts(e)} for e in entries]}
    return compare_with_stock(manifest, run_node("build_index.js", stdin=spec), queries)


def test_a_typed_number_counts_the_term_lunrs_match_data_lists_first(tmp_path: Path) -> None:
    """Typing `40`: a document without the term `40` counts the first of its terms starting with it in
    its MatchData's key order, where a number (`404`) comes before any other key (`40x`) whatever the
    order lunr met them in. Which one decides the field the typed word is counted in: here the
    title (with `alpha`: the whole query in one field) or the body."""
    entries = [entry(0, "Alpha 40x", body="code 404 seen"), entry(1, "Beta 40x", body="other 404 words"),
               entry(2, "Gamma 404", body="alpha 40x"), entry(3, "Delta", body="alpha nothing here")]
    queries = [{"text": text, "prefix": True} for text in ("alpha 40", "beta 40", "40", "alpha 4", "gamma 40")]
    found = _compare(tmp_path, entries, queries)
    assert found["compared"] == len(queries)
    assert found["differences"] == [], found["differences"]


def test_typed_arrays_score_to_the_last_bit_as_lunrs_own_query(tmp_path: Path) -> None:
    """Over one sharded index, index-match.js against lunr.Index#query itself (its field vectors made
    from the same postings): the same results in the same order, every score equal to the last bit
    (a document's field scores are added in the order lunr met the fields), and each MatchData with
    the same terms and fields in the same key order."""
    from bench.generate import write_docs
    from sitegen.build import gather
    from sitegen.pages import search_entries
    from tests.helpers import make_config
    from tests.test_search_index import short_prefixes, typed_queries

    write_docs(tmp_path / "docs", 200, seed=12)
    entries = search_entries(gather(make_config(tmp_path / "docs", tmp_path / "site")))
    site = tmp_path / "site"
    site.mkdir()
    manifest = write_search_index(site, entries)
    titles = [e.title for e in entries]
    queries = typed_queries(titles[::2]) + short_prefixes(titles)
    queries += [{"text": symptom, "prefix": False} for e in entries[::2] for symptom in e.symptoms]
    found = run_node("match_exact.js", str(manifest), stdin=queries)
    assert found["compared"] == len(queries) > 300 and found["results"] > 20000
    assert found["differences"] == [], found["differences"][:3]


def test_a_query_holding_a_rarer_word_loads_no_shard_of_its_common_one(tmp_path: Path) -> None:
    """The manifest lists the terms search.js leaves out beside rarer ones (isCommon): a cold query
    loads only the rare word's shard, and finds what the whole index finds; alone, the common word's
    shard loads. A typo retry may need the common words again (its corrections may all be common)."""
    from sitegen.shards import parse_script

    entries = [entry(i, f"Everywhere note {i}", body=f"marker{i:03d} and other words") for i in range(120)]
    manifest = write_search_index(tmp_path, entries, prefix=1)
    assert parse_script(manifest.read_text(encoding="utf-8"))[1]["common"] == {"everywher": 120, "note": 120}
    rare, alone, typo = run_node("prepare_keys.js", str(manifest), stdin=[
        {"text": "everywhere marker007", "prefix": False}, {"text": "everywhere", "prefix": False},
        {"text": "everywhere notte", "prefix": False}])
    assert rare == {"keys": ["m"], "refs": ["7"]}
    assert alone["keys"] == ["e"] and len(alone["refs"]) == 120
    assert typo["keys"] == ["n", "e"] and len(typo["refs"]) == 120  # `notte` corrected to `note`: both common
