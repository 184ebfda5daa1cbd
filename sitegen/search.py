"""Build the site's search index: a lunr.js 2.3.9 index prebuilt in Python, shipped as a script.

The browser (themes/default/assets/search.js) loads `search-index.js` with a `<script>` tag, not
fetch, so search also works when the site is opened from disk (file://). Terms come from the
shared tokenizer (sitegen.tokenize / tokenizer.js) and lunr.js's own stemmer (sitegen.stemmer),
so the browser's query terms are exactly the index's terms.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from lunr.builder import Builder
from lunr.stop_word_filter import stop_word_filter

from sitegen.stemmer import stemmer
from sitegen.tokenize import tokenize

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
BODY_WORDS = 400  # words of body text indexed; symptoms are always indexed whole
SNIPPET_WORDS = 60  # words of body text kept in the store for result snippets
GLOBAL_NAME = "SITEGEN_SEARCH"

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


def _first_words(text: str, count: int) -> str:
    words = text.split()
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
        "b": _first_words(entry.body, BODY_WORDS),
    }


def build_index(entries: Sequence[SearchEntry]) -> dict[str, Any]:
    """The serialised lunr index of `entries`, in lunr.js 2.3.9's format."""
    builder = Builder()
    builder.pipeline.add(*PIPELINE)
    builder.search_pipeline.add(*SEARCH_PIPELINE)
    builder.ref("ref")
    for name, boost in FIELDS:
        builder.field(name, boost=boost)
    for entry in entries:
        # A list field skips lunr.py's whitespace tokenizer: each element is one token.
        doc: dict[str, Any] = {name: tokenize(text) for name, text in field_texts(entry).items()}
        doc["ref"] = str(entry.ref)
        builder.add(doc)
    return builder.build().serialize()


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
    }


def _script_string(value: Any) -> str:
    """`value` as JSON inside a JavaScript string literal that is safe inside `<script>`."""
    literal = json.dumps(json.dumps(value, separators=(",", ":"), ensure_ascii=True))
    # `<`, `>` and `&` never appear raw, so `</script>` or `<!--` in a title cannot end the
    # script; JSON.parse sees the same characters after the string literal is decoded.
    return literal.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def build_search_index(entries: Sequence[SearchEntry]) -> str:
    """The full text of search-index.js, identical bytes for identical entries in any order."""
    ordered = sorted(entries, key=lambda entry: entry.ref)
    duplicates = sorted(ref for ref, n in Counter(e.ref for e in ordered).items() if n > 1)
    if duplicates:
        raise ValueError(f"search entries share refs {duplicates}; each ref must be unique")
    index = _script_string(build_index(ordered))
    docs = _script_string([_store_entry(entry) for entry in ordered])
    # JSON.parse of a string literal is parsed about twice as fast as the same object literal.
    return (
        "/* Generated by sitegen: the search index and result store. Do not edit. */\n"
        f"window.{GLOBAL_NAME} = {{\n"
        f"  index: JSON.parse({index}),\n"
        f"  docs: JSON.parse({docs})\n"
        "};\n"
    )
