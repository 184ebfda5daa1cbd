"""Build the site's search index: a lunr.js 2.3.9 index prebuilt in Python, shipped as a script.

The browser (themes/default/assets/search.js) loads `search-index.js` with a `<script>` tag, not
fetch, so search also works when the site is opened from disk (file://). Terms come from the
shared tokenizer (sitegen.tokenize / tokenizer.js) and lunr.js's own stemmer (sitegen.stemmer),
so the browser's query terms are exactly the index's terms.

Two steps, so the costly one can run in worker processes and be cached per document:

    analyse(entry) -> Analysis          per entry: tokenize, drop stop words, stem (pure, picklable)
    build_search_index(entries, analyses) -> str   the whole index: lunr.py's Builder, scores, JSON
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

from lunr import __TARGET_JS_VERSION__ as LUNR_JS_VERSION
from lunr.builder import Builder
from lunr.stop_word_filter import WORDS as STOP_WORDS
from lunr.stop_word_filter import stop_word_filter
from lunr.token_set import TokenSet
from lunr.vector import Vector

from sitegen.stemmer import stem, stemmer
from sitegen.tokenize import ASCII_COMPOUND, tokenize

# (field name in the index, boost). One-letter names because lunr stores every field name
# once per term in the inverted index: long names would grow the index by a third.
FIELDS: tuple[tuple[str, int], ...] = (
    ("t", 10),  # title
    ("s", 8),  # symptoms: the error messages users paste
    ("g", 5),  # tags
    ("c", 4),  # component
    ("p", 3),  # problem_type
    ("r", 3),  # root_cause
    ("h", 3),  # headings
    ("b", 1),  # body
)
# The whole body is indexed: an error message in the second half of a long guide must be found.
# (Until issue 13 only the first 400 words were, and such messages never were.)
SNIPPET_WORDS = 60  # words of body text kept in the store for result snippets
GLOBAL_NAME = "SITEGEN_SEARCH"

# Size bounds, measured on 1,000 generated documents of 400-800 words (numbers in the commit):
# together they take the index from 1.43 MB to 0.79 MB gzipped with the same hit@1/hit@3/MRR.
#
# A body term whose idf (times the field's boost) is under MIN_SCORES["b"] is dropped from every
# body: idf is under 1 when more than about 37% of documents hold the term; dropping such postings
# takes 40% off the gzipped index and moves no ranking we measured. The floor is on idf, not on
# the score: a long guide's length lowers every score in it, and a floor on scores dropped the
# rare words of the second half of long guides, the very words a pasted error is found by.
# The kept postings score exactly as if nothing were dropped (idf counts every posting).
MIN_SCORES: Mapping[str, float] = {"b": 1.0}
# lunr (py and js) rounds scores to 3 decimals; 2 keep 3 significant digits of every kept body
# score (all >= 1) and of most others (boosted 3 to 10 times), and gzip 8% smaller.
SCORE_DECIMALS = 2

# Part of the cache key of an Analysis: change it whenever analyse() would give other terms for
# the same text (tokenizer rules, stemmer, stop words, FIELDS or how much body is indexed).
ANALYSIS_VERSION = f"sitegen-search-2/lunr-2.3.9/{','.join(name for name, _ in FIELDS)}/body-whole"

# lunr.js 2.3.9 registers its functions under these labels; the index names them when loaded.
PIPELINE = (stop_word_filter, stemmer)
SEARCH_PIPELINE = (stemmer,)


@dataclass(frozen=True)
class SearchEntry:
    """One searchable unit: a document, or one problem section of a long guide."""

    ref: int  # short numeric ref; titles and urls live in the separate store
    url: str  # relative to the site root, e.g. "docs/db/pool-timeout.html#fix"
    title: str
    component: tuple[str, ...]
    problem_type: tuple[str, ...]
    severity: str
    symptoms: tuple[str, ...]  # error messages, indexed whole
    tags: tuple[str, ...]
    root_cause: tuple[str, ...]
    headings: tuple[str, ...]
    body: str  # plain text of the rendered body, no markup
    guide: str = ""  # for one problem of a long guide: the guide's title, which its result names


@dataclass(frozen=True)
class FieldTerms:
    """One field's terms after the tokenizer and the pipeline."""

    length: int  # number of terms, repeats included: lunr's field length
    terms: tuple[str, ...]  # each distinct term, in order of first occurrence
    counts: tuple[int, ...]  # how often each of `terms` occurs


@dataclass(frozen=True)
class Analysis:
    """The terms of one entry, one FieldTerms per field of FIELDS, in that order.

    Pure and picklable: it depends only on the entry's field texts (never on its ref or url, which
    shift as documents come and go), so it can be computed in a worker process, and kept for an
    unchanged document from one build to the next under a key that includes ANALYSIS_VERSION.
    """

    fields: tuple[FieldTerms, ...]


def _first_words(text: str, count: int) -> str:
    words = text.split(maxsplit=count)
    return " ".join(words[:count])


def field_texts(entry: SearchEntry) -> dict[str, str]:
    """The text indexed in each field of FIELDS, already bounded (tests give it to lunr.js too)."""
    return {
        "t": entry.title,
        "s": "\n".join(entry.symptoms),
        "g": "\n".join(entry.tags),
        "c": "\n".join(entry.component),
        "p": "\n".join(entry.problem_type),
        "r": "\n".join(entry.root_cause),
        "h": "\n".join(entry.headings),
        "b": entry.body,
    }


def _analyse_text(text: str) -> FieldTerms:
    # lunr.js's indexing pipeline (stopWordFilter, then stemmer), applied to plain strings.
    terms = Counter(index_terms(text))
    return FieldTerms(terms.total(), tuple(terms), tuple(terms.values()))


# An ASCII compound (a word, or words joined by `.`, `_` or `-`) -> its index terms. ASCII text
# tokenizes compound by compound (sitegen.tokenize), and a site repeats its words: each distinct
# one is tokenized, filtered and stemmed once, not at each of its occurrences.
_TERMS_OF: dict[str, tuple[str, ...]] = {}
_TERMS_OF_LIMIT = 1 << 18  # distinct compounds kept (a long-running `serve` must not grow without end)


def index_terms(text: str) -> list[str]:
    """`text`'s index terms in order: tokenized, stop words left out, stemmed."""
    if not text.isascii():
        return [stem(token) for token in tokenize(text) if token not in STOP_WORDS]
    cache = _TERMS_OF
    out: list[str] = []
    for whole in ASCII_COMPOUND.findall(text):
        found = cache.get(whole)
        if found is None:
            if len(cache) >= _TERMS_OF_LIMIT:
                cache.clear()
            found = cache[whole] = tuple(stem(token) for token in tokenize(whole) if token not in STOP_WORDS)
        out.extend(found)
    return out


def analyse(entry: SearchEntry) -> Analysis:
    """The index terms of each of `entry`'s fields."""
    return Analysis(tuple(_analyse_text(text) for text in field_texts(entry).values()))


class _SerialisedVector(Vector):
    """A field vector whose scores are already rounded: serialising need not round them again."""

    def serialize(self) -> list[float]:
        return self.elements


class AnalysedBuilder(Builder):
    """lunr.py's Builder, fed with analysed terms instead of documents to tokenize.

    `Builder.add` wraps every token in a Token, deep-copies its metadata and runs the pipeline on
    it, then `_create_field_vectors` inserts every score with a binary search; that was 90% of
    the time. Here `analyse` did the first part once per entry, and `build` makes the postings
    and vectors in one pass once every document is in. With no `min_scores` and 3 decimals the
    serialised index equals the stock Builder's for the same terms (tests/test_search_index.py).
    """

    def __init__(self, min_scores: Mapping[str, float] | None = None, decimals: int = 3, compact: bool = False) -> None:
        super().__init__()
        self.min_scores = dict(min_scores or {})
        self.decimals = decimals
        # compact: postings kept as {term: (term index, {field: [refs]})}, the form `compact`
        # gives, instead of lunr's object per field holding an empty object per document.
        self.compact = compact
        self.compact_postings: dict[str, tuple[int, dict[str, list[int | str]]]] = {}
        # Terms some of whose postings fell under `min_scores`: the index no longer shows how
        # common they are, so it lists them (search.js leaves them out of a query's coverage).
        self.dropped: set[str] = set()
        self._added: list[tuple[str, Analysis]] = []
        # Postings per term, counting a document once per field that holds the term (as lunr's
        # idf does); in order of first occurrence, which is the order of lunr's term indexes.
        self._postings: Counter[str] = Counter()

    def add_analysis(self, ref: str, analysis: Analysis) -> None:
        """`Builder.add` for one document, given its fields' terms."""
        if len(analysis.fields) != len(self._fields):
            raise ValueError(f"analysis of {ref} has {len(analysis.fields)} fields, not {len(self._fields)}")
        self._documents[ref] = {}
        self.document_count += 1
        self._added.append((ref, analysis))
        for field in analysis.fields:
            self._postings.update(field.terms)

    def _calculate_average_field_lengths(self) -> None:
        totals = [0] * len(self._fields)
        for _, analysis in self._added:
            for i, field in enumerate(analysis.fields):
                totals[i] += field.length
        count = len(self._added) or 1
        self.average_field_length = {name: total / count for name, total in zip(self._fields, totals)}

    def _create_field_vectors(self) -> None:
        """lunr's inverted index and BM25 field vectors, leaving out postings under `min_scores`.

        The arithmetic is lunr.py's (`Builder._create_field_vectors`, `lunr.idf`), in the same
        order, so every score is the same float before rounding; documents carry no boost. idf
        counts every posting, dropped or not, so a kept posting scores as if nothing were dropped.
        """
        k1, b, n = self._k1, self._b, self.document_count
        names = list(self._fields)
        # Per term: its idf and its term index, found with one look-up in the inner loop.
        known: dict[str, tuple[float, int]] = {}
        for index, (term, count) in enumerate(self._postings.items()):
            x = (n - count + 0.5) / (count + 0.5)
            known[term] = (math.log(1 + abs(x)), index)
        inverted_index: dict[str, dict[str, Any]] = {}
        compact_postings = self.compact_postings
        field_vectors: dict[str, Vector] = {}
        fields = [(name, field.boost, self.min_scores.get(name, 0.0)) for name, field in self._fields.items()]
        decimals, k1_plus_1 = self.decimals, k1 + 1
        for ref, analysis in self._added:
            short_ref: int | str = int(ref) if ref.isdigit() and str(int(ref)) == ref else ref
            for (name, boost, floor), field in zip(fields, analysis.fields):
                if not field.length:
                    # No terms; and a field empty in every document has an average length of 0.
                    field_vectors[f"{name}/{ref}"] = _SerialisedVector([])
                    continue
                norm = k1 * (1 - b + b * (field.length / self.average_field_length[name]))
                scored = []
                for term, tf in zip(field.terms, field.counts):
                    idf, index = known[term]
                    score = idf * (k1_plus_1 * tf) / (norm + tf) * boost
                    if idf * boost < floor:
                        self.dropped.add(term)
                        continue
                    if self.compact:
                        found = compact_postings.get(term)
                        if found is None:
                            found = compact_postings[term] = (index, {})
                        found[1].setdefault(name, []).append(short_ref)
                    else:
                        posting = inverted_index.get(term)
                        if posting is None:
                            posting = inverted_index[term] = {field_name: {} for field_name in names}
                            posting["_index"] = index
                        posting[name][ref] = {}  # no metadata: the whitelist is empty
                    scored.append((index, round(score, decimals)))
                scored.sort()
                field_vectors[f"{name}/{ref}"] = _SerialisedVector([x for pair in scored for x in pair])
        # A term whose every posting was dropped is left out; its term index is simply unused.
        self.inverted_index = inverted_index
        self.field_vectors = field_vectors
        self.term_index = len(known)

    def _create_token_set(self) -> None:
        """An empty token set: lunr.py searches with it but does not serialise it (lunr.js builds
        its own from the terms when it loads the index), and it costs 0.2 s per 1,000 docs."""
        self.token_set = TokenSet()


def configure(builder: Builder) -> Builder:
    """`builder` set up with sitegen's ref, fields, boosts and pipelines."""
    builder.pipeline.add(*PIPELINE)
    builder.search_pipeline.add(*SEARCH_PIPELINE)
    builder.ref("ref")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    return builder


def build_index(
    entries: Sequence[SearchEntry],
    analyses: Sequence[Analysis] | None = None,
    min_scores: Mapping[str, float] = MIN_SCORES,
    decimals: int = SCORE_DECIMALS,
) -> dict[str, Any]:
    """The serialised lunr index of `entries`, in lunr.js 2.3.9's format.

    `analyses[i]` must be `analyse(entries[i])`; when None, every entry is analysed here.
    """
    if analyses is None:
        analyses = [analyse(entry) for entry in entries]
    if len(analyses) != len(entries):
        raise ValueError(f"{len(entries)} search entries but {len(analyses)} analyses")
    builder = configure(AnalysedBuilder(min_scores, decimals))
    for entry, analysis in zip(entries, analyses):
        builder.add_analysis(str(entry.ref), analysis)
    return builder.build().serialize()


def build_compact_index(entries: Sequence[SearchEntry], analyses: Sequence[Analysis],
                        min_scores: Mapping[str, float] = MIN_SCORES, decimals: int = SCORE_DECIMALS) -> dict[str, Any]:
    """`compact(build_index(entries, analyses))`, made without lunr's form in between."""
    if len(analyses) != len(entries):
        raise ValueError(f"{len(entries)} search entries but {len(analyses)} analyses")
    builder = configure(AnalysedBuilder(min_scores, decimals, compact=True))
    for entry, analysis in zip(entries, analyses):
        builder.add_analysis(str(entry.ref), analysis)
    builder._calculate_average_field_lengths()
    builder._create_field_vectors()
    names = list(builder._fields)
    return {
        "version": LUNR_JS_VERSION,
        "fields": names,
        "fieldVectors": [[ref, vector.serialize()] for ref, vector in builder.field_vectors.items()],
        "pipeline": builder.search_pipeline.serialize(),
        "postings": [[term, index, {name: refs[name] for name in names if name in refs}]
                     for term, (index, refs) in sorted(builder.compact_postings.items())],
        "dropped": sorted(builder.dropped),
    }


def compact(serialized: Mapping[str, Any]) -> dict[str, Any]:
    """lunr's serialised index with its inverted index as `postings`: [term, term index, {field: [refs]}].

    lunr.js writes each term's postings as an object per field with an empty object per document,
    most fields empty: 1.8 of the 3 MB index of 1,000 docs. search.js's loadIndex rebuilds those
    objects from this form (sitegen indexes no term metadata, so every one is empty).
    """
    fields = serialized["fields"]
    postings = []
    for term, posting in serialized["invertedIndex"]:
        by_field = {}
        for name in fields:
            refs = posting.get(name) or {}
            if any(refs.values()):
                raise ValueError(f"term {term!r} carries metadata, which the compact form cannot hold")
            if refs:
                by_field[name] = [int(ref) if ref.isdigit() and str(int(ref)) == ref else ref for ref in refs]
        postings.append([term, posting["_index"], by_field])
    out = {key: value for key, value in serialized.items() if key != "invertedIndex"}
    out["postings"] = postings
    return out


def _store_entry(entry: SearchEntry) -> dict[str, Any]:
    """What a result shows: title, link, facets and the text its snippet is cut from."""
    snippet = " ".join((*entry.symptoms[:2], _first_words(entry.body, SNIPPET_WORDS)))
    return {
        "ref": entry.ref,
        "url": entry.url,
        "title": entry.title,
        "component": list(entry.component),
        "problem_type": list(entry.problem_type),
        "severity": entry.severity,
        "snippet": snippet.strip(),
        **({"guide": entry.guide} if entry.guide else {}),
    }


def _script_string(value: Any) -> str:
    """`value` as JSON inside a JavaScript string literal that is safe inside `<script>`."""
    literal = json.dumps(json.dumps(value, separators=(",", ":"), ensure_ascii=True))
    # `<`, `>` and `&` never appear raw, so `</script>` or `<!--` in a title cannot end the
    # script; JSON.parse sees the same characters after the string literal is decoded.
    return literal.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: an index is about a million small objects and no cycles,
    and the collector's repeated scans of them cost a third of the build."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_search_index(entries: Sequence[SearchEntry], analyses: Sequence[Analysis] | None = None) -> str:
    """The full text of search-index.js, identical bytes for identical entries in any order.

    `analyses[i]` must be `analyse(entries[i])` (perhaps from a cache or a worker process); when
    None, every entry is analysed here.
    """
    if analyses is None:
        analyses = [analyse(entry) for entry in entries]
    if len(analyses) != len(entries):
        raise ValueError(f"{len(entries)} search entries but {len(analyses)} analyses")
    order = sorted(range(len(entries)), key=lambda i: entries[i].ref)
    ordered = [entries[i] for i in order]
    duplicates = sorted(ref for ref, n in Counter(e.ref for e in ordered).items() if n > 1)
    if duplicates:
        raise ValueError(f"search entries share refs {duplicates}; each ref must be unique")
    with _collector_paused():
        index = _script_string(build_compact_index(ordered, [analyses[i] for i in order]))
        docs = _script_string([_store_entry(entry) for entry in ordered])
    # JSON.parse of a string literal is parsed about twice as fast as the same object literal.
    return (
        "/* Generated by sitegen: the search index and result store. Do not edit. */\n"
        f"window.{GLOBAL_NAME} = {{\n"
        f"  index: JSON.parse({index}),\n"
        f"  docs: JSON.parse({docs})\n"
        "};\n"
    )
