"""The Python stemmer gives lunr.js's stem for every word the site could index: tens of thousands of them.

The Python index must hold the very terms the browser's lunr.js looks up, so sitegen/stemmer.py is
compared with the theme's own lunr.min.js under node. The word list is made here, not checked in:
every token of content/, of generated troubleshooting documents (bench.generate) and of
../shared/corpus when it is present, each also with the suffixes the Porter rules take off.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from bench.corpus import shared_corpus
from bench.generate import generate
from sitegen.stemmer import stem
from sitegen.tokenize import tokenize
from tests.helpers import ROOT

NODE_SCRIPT = Path(__file__).parent / "js" / "stem.js"
CORPUS = shared_corpus()  # optional: adds its words when this checkout sits beside it
GENERATED_DOCS = 400
# The endings Porter's algorithm (1980) strips or rewrites, from its paper rather than from
# sitegen/stemmer.py: a rule missing there must still be exercised here.
SUFFIXES = ("s", "es", "ies", "sses", "ed", "ing", "eed", "y", "ly", "ational", "tional", "enci", "anci", "izer",
            "bli", "alli", "entli", "eli", "ousli", "ization", "ation", "ator", "alism", "iveness", "fulness",
            "ousness", "aliti", "iviti", "biliti", "logi", "logy", "ology", "icate", "ative", "alize", "iciti",
            "ical", "ful", "ness", "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent",
            "sion", "tion", "ou", "ism", "ate", "iti", "ous", "ive", "ize", "e", "ll")


def words() -> list[str]:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((ROOT / "content").rglob("*.md"))]
    texts += [doc.text for doc in generate(GENERATED_DOCS, seed=19)]
    if CORPUS is not None:
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(CORPUS.rglob("*.md"))]
    tokens = {token for text in texts for token in tokenize(text)}
    roots = {part for token in tokens for part in re.findall(r"[a-z]{3,}", token)}
    variants = {root + suffix for root in sorted(roots)[::7] for suffix in SUFFIXES}  # a seventh: enough, and quick
    return sorted(tokens | roots | variants)


def lunr_stems(batch: list[str]) -> list[str]:
    done = subprocess.run(["node", str(NODE_SCRIPT)], input=json.dumps(batch), capture_output=True, text=True,
                          check=True, timeout=300)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def vocabulary() -> list[str]:
    return words()


def test_the_word_list_is_large_and_holds_the_tricky_endings(vocabulary: list[str]) -> None:
    assert len(vocabulary) >= 30_000, len(vocabulary)
    for suffix in SUFFIXES:
        assert sum(1 for word in vocabulary if word.endswith(suffix)) >= 100, suffix


def test_every_word_stems_as_lunr_js_stems_it(vocabulary: list[str]) -> None:
    expected = lunr_stems(vocabulary)
    assert len(expected) == len(vocabulary)
    differ = [(word, ours, theirs) for word, theirs in zip(vocabulary, expected) if (ours := stem(word)) != theirs]
    assert differ == [], f"{len(differ)} of {len(vocabulary)} words differ (word, stemmer.py, lunr.js): {differ[:20]}"
