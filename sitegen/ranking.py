"""The browser's search ranking (themes/default/assets/search.js), in Python, for `sitegen lookup`.

Hand-written, not lunr.py's `Index.query`, because it must match search.js to the last bit and
lunr.py adds up scores in another order (and loads a 1,000-document index ten times slower,
building a token set search.js never builds). What is ported, step for step:

- query terms: sitegen.pasted ports `queryTerms(text)`;
- `rank(idx, terms)`: terms found in over a third of a large index's entries left out, then
  lunr.js 2.3.9's `Index#query`: one clause per term (stemmed), a query vector per field, each
  field's score the dot product with the field vector over the query vector's magnitude, summed
  per document in the order lunr meets the documents; then coverage first (the share of the
  message a document holds, in twentieths: each term weighs boost x idf, each word (a compound
  and its parts) as its strongest term, a quoted name half; a term the index dropped from bodies
  has idf ln 2), the best single field's share (in hundredths), the score, the ref;
- `search(idx, text)` / `runSearch`: when the best result covers under half the query, long
  unknown words are retried one edit away (the index term sharing their first letter held by
  the most postings).

tests/test_lookup_parity.py runs both rankings over the same queries and compares the top ten.
Change search.js's ranking, change this module.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Mapping, Sequence

from sitegen.pasted import QueryTerm, query_terms, utf16_units
from sitegen.stemmer import _to_units, stem

COMMON_SHARE = 0.35
COVERAGE_MIN_BOOST = 0.35  # coverage counts the message's words, not a traceback's frame and code words
COVERAGE_STEPS = 20  # coverage compared in steps of 1/20
# The best single field's share, compared in hundredths: it is the nearest thing to a phrase match
# the index allows, and a twentieth hid that one document holds the message in one field and
# another has a word of it elsewhere (search.js's TOGETHER_STEPS; numbers in search.js).
TOGETHER_STEPS = 100
WEAK_COVERAGE = 0.5  # a best result under this is retried with typos corrected
TYPO_MIN_LENGTH = 5
QUOTED_WEIGHT = 0.5  # a quoted name counts half a word in coverage: the user's name is likely not the document's
DROPPED_IDF = math.log(2)  # idf assumed for a term whose body postings the index dropped (in over ~37% of entries)
COMMON_MIN_DOCS = 100


@dataclass(frozen=True)
class Hit:
    ref: int
    score: float
    terms: frozenset[str]  # the stemmed index terms the document matched
    coverage: float = 0.0  # boost-weighted share of the query's message terms matched
    together: float = 0.0  # the same share, held by the document's best single field


K1, B = 1.2, 0.75  # lunr's BM25 parameters


@dataclass(frozen=True)
class SearchIndex:
    """The sharded search index (sitegen/shards.py), read as index-loader.js reads it, every shard at once.

    Scores are lunr's BM25, worked out from the term frequencies and field lengths with
    index-loader.js's arithmetic, operation for operation, and rounded as lunr.js rounds.
    """

    fields: tuple[str, ...]
    postings: Mapping[str, tuple[int, Mapping[str, Sequence[int]]]]  # stemmed term -> (term index, {field: refs})
    docs: int  # entries in the index
    dropped: frozenset[str] = frozenset()  # terms whose body postings the index left out
    tfs: Mapping[str, Mapping[str, Mapping[int, int]]] = dc_field(default_factory=dict)  # term -> field -> ref -> tf
    counts: Mapping[str, int] = dc_field(default_factory=dict)  # term -> postings its idf counts
    lengths: Mapping[str, Sequence[int]] = dc_field(default_factory=dict)  # field -> length in each entry, by ref
    boosts: Mapping[str, float] = dc_field(default_factory=dict)

    @classmethod
    def from_files(cls, manifest: Mapping[str, Any], shards: Sequence[Mapping[str, Any]]) -> SearchIndex:
        """The index of a manifest and every one of its term shards (their registered values)."""
        fields = tuple(name for name, _ in manifest["fields"])
        rows = sorted((row for shard in shards for row in shard["terms"]), key=lambda row: _js_order(row[0]))
        postings: dict[str, tuple[int, Mapping[str, Sequence[int]]]] = {}
        tfs: dict[str, dict[str, dict[int, int]]] = {}
        counts: dict[str, int] = {}
        for index, (term, count, by_field) in enumerate(rows):
            refs_of: dict[str, list[int]] = {}
            tf_of: dict[str, dict[int, int]] = {}
            for name, packed in by_field.items():
                refs, ref = [], 0
                for gap in packed[0]:
                    ref += gap
                    refs.append(ref)
                refs_of[name] = refs
                tf_of[name] = dict(zip(refs, packed[1])) if len(packed) > 1 else dict.fromkeys(refs, 1)
            postings[term], tfs[term], counts[term] = (index, refs_of), tf_of, count
        dropped = frozenset(term for shard in shards for term in shard["dropped"])
        return cls(fields, postings, int(manifest["docs"]), dropped, tfs, counts, dict(manifest["lengths"]),
                   {name: boost for name, boost in manifest["fields"]})

    def _average(self, field_name: str) -> float:
        cache = self.__dict__.setdefault("_averages", {})
        if field_name not in cache:
            cache[field_name] = sum(self.lengths[field_name]) / self.docs
        return cache[field_name]

    def _term_at(self, index: int) -> str:
        terms = self.__dict__.get("_by_index")
        if terms is None:
            terms = [""] * len(self.postings)
            for term, (i, _) in self.postings.items():
                terms[i] = term
            object.__setattr__(self, "_by_index", terms)
        return terms[index]

    def score(self, term: str, field_name: str, ref: int) -> float | None:
        """The score of `term` in `ref`'s field, as index-loader.js works it out; None when not there."""
        tf = self.tfs[term].get(field_name, {}).get(ref)
        if tf is None:
            return None
        count = self.counts[term]
        x = (self.docs - count + 0.5) / (count + 0.5)
        idf = math.log(1 + abs(x))
        length = self.lengths[field_name][ref]
        value = idf * ((K1 + 1) * tf) / (K1 * (1 - B + B * (length / self._average(field_name))) + tf)
        value *= self.boosts[field_name]
        return _js_round(value * 1000) / 1000

    def dot(self, query: Sequence[tuple[int, float]], field_name: str, ref: int) -> float:
        """lunr.Vector#dot of the query vector with the field vector of `ref`: only the query's
        terms meet, added in term order (the term index is the term's place in that order)."""
        total = 0.0
        for index, weight in query:
            value = self.score(self._term_at(index), field_name, ref)
            if value is not None:
                total += weight * value
        return total

    def sorted_terms(self) -> list[str]:
        """Every index term in JavaScript's sort order (UTF-16 code units), as search.js's Postings.sorted."""
        cached = self.__dict__.get("_sorted")
        if cached is None:
            cached = sorted(self.postings, key=lambda term: term.encode("utf-16-be", "surrogatepass"))
            object.__setattr__(self, "_sorted", cached)
        return cached

    def document_frequency(self, stemmed: str) -> int:
        """How many entries hold `stemmed` in any field (kept postings only)."""
        found = self.postings.get(stemmed)
        if found is None:
            return 0
        return len({ref for refs in found[1].values() for ref in refs})

    def is_common(self, term: str) -> bool:
        """search.js's isCommon: a term in over a fifth of a large index's entries says little."""
        found = self.postings.get(stem(term))
        most = max((len(refs) for refs in found[1].values()), default=0) if found else 0
        return self.docs >= COMMON_MIN_DOCS and most > self.docs * COMMON_SHARE


def searched_terms(index: SearchIndex, terms: Sequence[QueryTerm]) -> list[QueryTerm]:
    """The terms rank() queries: the common ones left out while rarer ones remain."""
    rare = [t for t in terms if not index.is_common(t.term)]
    return rare or list(terms)


def _lunr_query(index: SearchIndex, terms: Sequence[QueryTerm]) -> list[tuple[int, float, dict[str, set[str]]]]:
    """lunr.js's Index#query, one clause per term: (ref, score, {stem: fields}) in lunr's order."""
    query: dict[str, dict[int, float]] = {field: {} for field in index.fields}
    matching: dict[tuple[str, int], set[str]] = {}  # lunr's matchingFields, in insertion order
    seen_term_fields: set[tuple[str, str]] = set()
    for t in terms:
        stemmed = t.stem or stem(t.term)
        found = index.postings.get(stemmed)
        if found is None:
            continue
        term_index, by_field = found
        for field in index.fields:
            vector = query[field]
            vector[term_index] = vector[term_index] + t.boost if term_index in vector else t.boost
            if (stemmed, field) in seen_term_fields:
                continue
            # Object.keys lists integer-like keys in ascending order: lunr meets the refs so.
            for ref in sorted(by_field.get(field, ())):
                matching.setdefault((field, ref), set()).add(stemmed)
            seen_term_fields.add((stemmed, field))
    sorted_query = {field: sorted(vector.items()) for field, vector in query.items()}
    magnitudes = {field: math.sqrt(sum(v * v for _, v in pairs)) for field, pairs in sorted_query.items()}
    scores: dict[int, float] = {}
    matched: dict[int, dict[str, set[str]]] = {}
    for (field, ref), stems in matching.items():
        dot = index.dot(sorted_query[field], field, ref)
        magnitude = magnitudes[field]
        score = dot / magnitude if magnitude else (math.nan if dot == 0 else math.inf)
        if math.isnan(score):
            score = 0.0  # lunr's `dot / magnitude || 0`
        scores[ref] = scores[ref] + score if ref in scores else score
        fields = matched.setdefault(ref, {})
        for stemmed in stems:
            fields.setdefault(stemmed, set()).add(field)
    found_docs = [(ref, score, matched[ref]) for ref, score in scores.items()]
    found_docs.sort(key=lambda d: -d[1])  # stable, as V8's Array#sort
    return found_docs


def _js_round(value: float) -> int:
    """JavaScript's Math.round: halves round up."""
    low = math.floor(value)
    return low + 1 if value - low >= 0.5 else low


def term_idf(index: SearchIndex, stemmed: str) -> float:
    """lunr's idf of an index term over entries (search.js's termIdf); a term whose body postings the
    index dropped is in over a third of the entries, and is given the idf of one in half of them."""
    if stemmed in index.dropped:
        return DROPPED_IDF
    df = index.document_frequency(stemmed)
    return math.log(1 + abs((index.docs - df + 0.5) / (df + 0.5)))


def rank(index: SearchIndex, terms: Sequence[QueryTerm]) -> list[Hit]:
    """search.js's rank(idx, terms): coverage first, then the best field's share, then lunr's score."""
    terms = searched_terms(index, terms)
    if not terms:
        return []
    results = _lunr_query(index, terms)
    message = [t for t in terms if t.boost >= COVERAGE_MIN_BOOST]
    counted = message or terms
    # Coverage weighs each term by how telling it is (boost x idf) and each word of the message by
    # its most telling term, shared among the word's terms: `invoice_total` is one word, and a
    # document holding only its part `total` holds a third of that word, not two words of the message.
    # A quoted name (the user's own, as errors quote it) counts half a word.
    word_weight: dict[int, float] = {}  # in order of first occurrence, as search.js's `words`
    word_terms: dict[int, float] = {}
    weighed = []
    for t in counted:
        stemmed = t.stem or stem(t.term)
        weight = t.boost * term_idf(index, stemmed)
        word_weight[t.word] = max(word_weight.get(t.word, 0.0), weight * (QUOTED_WEIGHT if t.quoted else 1))
        word_terms[t.word] = word_terms.get(t.word, 0.0) + weight
        weighed.append((stemmed, weight, t.word))
    total = 0.0
    for weight in word_weight.values():
        total += weight
    wanted = [(stemmed, weight * word_weight[word] / word_terms[word] if word_terms[word] else 0.0)
              for stemmed, weight, word in weighed]
    hits = []
    for ref, score, fields in results:
        got = 0.0
        by_field: dict[str, float] = {}
        for stemmed, boost in wanted:
            if stemmed not in fields:
                continue
            got += boost
            for field in fields[stemmed]:
                by_field[field] = by_field.get(field, 0.0) + boost
        together = max(by_field.values(), default=0.0)
        hits.append(Hit(ref, score, frozenset(fields), got / total if total else 0.0,
                        together / total if total else 0.0))
    hits.sort(key=lambda h: (-_js_round(h.coverage * COVERAGE_STEPS), -_js_round(h.together * TOGETHER_STEPS),
                             -h.score, str(h.ref)))
    return hits


def _units(text: str) -> str:
    return text if text.isascii() else _to_units(text)


def _one_edit_apart(a: str, b: str) -> bool:
    """search.js's oneEditApart, on UTF-16 code units."""
    if a == b:
        return False
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        if a[i + 1:] == b[i + 1:]:
            return True  # substitution
        return a[i:i + 1] == b[i + 1:i + 2] and a[i + 1:i + 2] == b[i:i + 1] and a[i + 2:] == b[i + 2:]  # swap
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[i + 1:] == shorter[i:]


def _nearest_term(index: SearchIndex, word: str) -> str | None:
    """The index term one edit from `word` held by the most postings, among those sharing its first
    letter; the first in UTF-16 order on a tie (search.js's nearestTerm)."""
    best, best_count = None, 0
    terms = index.sorted_terms()
    for term in terms[bisect.bisect_left(terms, word[:1]):]:
        if term[:1] != word[:1]:
            break
        units = _units(term)
        if abs(len(units) - len(word)) > 1 or not _one_edit_apart(units, word):
            continue
        count = sum(len(refs) for refs in index.postings[term][1].values())
        if count > best_count:
            best, best_count = term, count
    return best


ASCII_WORD = re.compile("[a-z]+")


def correct_terms(index: SearchIndex, terms: Sequence[QueryTerm]) -> list[QueryTerm] | None:
    """search.js's correctTerms: each long unknown word replaced by its commonest neighbour, or None."""
    out, swapped = [], False
    for t in terms:
        stemmed = stem(t.term)
        if utf16_units(t.term) < TYPO_MIN_LENGTH or stemmed in index.postings or not ASCII_WORD.fullmatch(t.term):
            out.append(t)
            continue
        found = _nearest_term(index, stemmed)
        if found is None:
            out.append(t)
            continue
        swapped = True
        out.append(QueryTerm(found, t.boost, found, t.word, t.quoted))
    return out if swapped else None


def run_search(index: SearchIndex, text: str) -> list[Hit]:
    """search.js's runSearch(idx, text) for pasted text (no prefix): the hits, best first."""
    terms = query_terms(text)
    results = rank(index, terms)
    best = results[0].coverage if results else 0.0
    if best >= WEAK_COVERAGE:
        return results
    fixed = correct_terms(index, terms)
    if fixed is None:
        return results
    retried = rank(index, fixed)
    if not retried or retried[0].coverage <= best:
        return results
    return retried


def _js_order(term: str) -> bytes:
    return term.encode("utf-16-be", "surrogatepass")
