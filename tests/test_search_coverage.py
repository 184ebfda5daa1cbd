"""How much of a pasted message a result covers (issue 13): words, not terms; telling words count
more; the user's own quoted names count half. Each case runs through search.js under node and
through its Python mirror (sitegen.ranking), which must agree."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from sitegen.lookup import load_index
from sitegen.pasted import query_terms
from sitegen.ranking import run_search
from sitegen.search import SearchEntry
from tests.helpers import write_search_index
from tests.test_search_index import entry, query

FILLER = "nothing of note here"


def first_refs(tmp_path: Path, entries: Sequence[SearchEntry], text: str) -> tuple[list[str], list[str]]:
    """The top three refs for `text`, from search.js and from sitegen.ranking."""
    script = write_search_index(tmp_path, entries)
    [found] = query(script, [text])
    index = load_index(tmp_path).index
    return found["refs"][:3], [str(hit.ref) for hit in run_search(index, text)[:3]]


def test_a_dotted_name_and_its_parts_are_one_word_of_the_message(tmp_path: Path) -> None:
    # Counted term by term, `app.settings.cache` is four terms of seven, and the document holding
    # its parts `app`, `settings` and `cache` covered more than the one holding the message's words.
    entries = [entry(1, "Pool notes", body="The worker pool exhausted its connections."),
               entry(2, "Settings", body="The worker reads settings and cache from app."),
               *(entry(n, f"Other {n}", body=FILLER) for n in range(3, 12))]
    js, py = first_refs(tmp_path, entries, "worker pool exhausted app.settings.cache")
    assert js[:1] == ["1"] and py == js


def test_rare_words_of_the_message_count_more_than_common_ones(tmp_path: Path) -> None:
    # Both documents hold two of the three words; the one holding the rare word comes first,
    # although the other holds the two common ones in its title (boost 10).
    entries = [entry(1, "Proxy notes", body="The flarnwick proxy drops the connection."),
               entry(2, "Connection timeout", body="Raise the limit."),
               *(entry(n, f"Fault {n}", body="a timeout or connection fault") for n in range(3, 6)),
               *(entry(n, f"Other {n}", body=FILLER) for n in range(6, 21))]
    js, py = first_refs(tmp_path, entries, "connection timeout flarnwick")
    assert js[:1] == ["1"] and py == js


def test_a_quoted_name_counts_half_a_word(tmp_path: Path) -> None:
    # The user's error names their own key: the document with the same message and another key
    # beats the one that holds the key but not the rest of the message.
    entries = [entry(1, "Workflow results", symptoms=("KeyError: 'user_id' in workflow",)),
               entry(2, "Ledger keys", symptoms=("KeyError: 'ledger_total'",)),
               *(entry(n, f"Other {n}", body=FILLER) for n in range(3, 12))]
    js, py = first_refs(tmp_path, entries, "KeyError: 'ledger_total' in workflow")
    assert js[:1] == ["1"] and py == js


def test_quoted_names_and_compounds_are_marked_as_search_js_marks_them() -> None:
    terms = {t.term: (t.word, t.quoted) for t in query_terms("KeyError: 'app.models' not in `cache_key` \"x\"")}
    assert terms["app.models"] == terms["app"] == terms["models"] and terms["app.models"][1] is True
    assert terms["cache_key"][1] is False  # backticks are Markdown's, not a user's quoted name
    assert terms["x"][1] is True and terms["keyerror"][0] == terms["key"][0] != terms["app"][0]


def test_a_message_held_in_one_field_beats_one_with_a_word_elsewhere_by_less_than_a_twentieth(tmp_path: Path) -> None:
    # Both documents hold every word of the message (the same coverage). Document 1 holds it all in
    # its symptoms; document 2 holds the common word `retry` only in its tags, so its best field
    # holds about 98% of the message, and its title makes its score higher. Compared in
    # twentieths, 98% and 100% were the same and the score put document 2 first.
    message = "flarn gizmo wobble quark zephyr tundra plinth vortex mango comet brisk ochre fjord lumen quill"
    entries = [entry(1, "Notes", symptoms=(f"{message} retry",)),
               entry(2, "Flarn gizmo wobble", symptoms=(message,), tags=("retry",)),
               *(entry(n, f"Other {n}", body="retry later") for n in range(3, 21)),
               *(entry(n, f"Other {n}", body=FILLER) for n in range(21, 31))]
    js, py = first_refs(tmp_path, entries, f"{message} retry")
    assert js[:2] == ["1", "2"] and py == js
