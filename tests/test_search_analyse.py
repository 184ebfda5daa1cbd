"""The index's analysis of a text, memoised per ASCII compound (sitegen.search.index_terms), gives the
very terms of tokenize -> stop words out -> stem, in the same order."""

from __future__ import annotations

from collections import Counter

from sitegen import search
from sitegen.search import STOP_WORDS, _analyse_text, index_terms
from sitegen.stemmer import stem
from sitegen.tokenize import tokenize

TEXTS = [
    "Connection pool exhausted: QueuePool limit of size 5 overflow 10 reached, connection timed out",
    "ImportError: cannot import name 'app.db.permission_deps' from partially initialized module",
    "the HTTPServerError was raised by getHTTPResponse in my-app_v2.config-loader (the the the)",
    "Ｆｕｌｌ-width ＡＢＣ and ﬁ ligature, then 接続がタイムアウトしました and café crème",
    "x.y.z __init__ a--b ..leading trailing.. 0x1F 2024-06-11T10:00:00Z user@example.com",
    "",
]


def reference(text: str) -> list[str]:
    return [stem(token) for token in tokenize(text) if token not in STOP_WORDS]


def test_memoised_terms_equal_the_pipeline_in_order() -> None:
    search._TERMS_OF.clear()
    for _ in range(2):  # the second time every compound comes from the memo
        for text in TEXTS:
            assert index_terms(text) == reference(text), text
            field = _analyse_text(text)
            counts = Counter(reference(text))
            assert (field.length, field.terms, field.counts) == (counts.total(), tuple(counts), tuple(counts.values()))
    assert "QueuePool" in search._TERMS_OF and "my-app_v2.config-loader" in search._TERMS_OF


def test_the_memo_is_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "_TERMS_OF_LIMIT", 4)
    search._TERMS_OF.clear()
    text = "alpha beta gamma delta epsilon zeta eta theta"
    assert index_terms(text) == reference(text)
    assert len(search._TERMS_OF) <= 4
