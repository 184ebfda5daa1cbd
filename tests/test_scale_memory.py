"""The memory a clean build holds grows with the site only where it must (issue 17: 100,000
documents within 4 GB): the search index's postings are packed numbers, its files are made one
shard at a time, and a document's rendered HTML is let go once its page is written."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path
from typing import Any, Callable

from sitegen import shards
from sitegen.build import build
from sitegen.cache import load_state, settings_key, state_folder
from sitegen.search import FIELDS, Analysis, FieldTerms, SearchEntry
from tests.helpers import make_config, site_files, write_docs


def analyses(count: int, terms: int) -> list[Analysis]:
    """`count` entries, each with the same `terms` distinct terms in every field, over 26 first letters."""
    words = tuple(f"{chr(97 + n % 26)}{chr(97 + n // 26 % 26)}w{n}" for n in range(terms))
    return [Analysis(tuple(FieldTerms(terms + n % 3, words, tuple(1 + (n + i) % 2 for i in range(terms))) for _ in FIELDS))
            for n in range(count)]


def entries(count: int, title: str = "") -> list[SearchEntry]:
    return [SearchEntry(ref=n, url=f"docs/d{n}.html", title=f"Doc {n} {title}", component=(), problem_type=(), severity="",
                        symptoms=(), tags=(), root_cause=(), headings=(), body="") for n in range(count)]


def peak_of(work: Callable[[], Any]) -> int:
    """The most memory `work` held at once, beyond what was held before it."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        work()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_inverted_postings_cost_a_few_bytes_each() -> None:
    """A (ref, tf) tuple per posting was ~70 bytes (2.1 GB at 100,000 entries); packed, ~8."""
    found = analyses(1000, 30)
    postings = 1000 * 30 * len(FIELDS)
    kept: list[shards.Inverted] = []
    peak = peak_of(lambda: kept.append(shards.invert(list(range(1000)), found)))
    assert peak / postings < 11, f"{peak / postings:.1f} bytes a posting"  # 8.6 measured
    assert sum(len(a) // 2 for by_term in kept[0].postings.values() for a in by_term.values()) == postings


def test_index_files_come_one_file_at_a_time() -> None:
    """Consuming the files as they come holds far less than all of their text at once (here mostly
    the result store: long titles, few postings)."""
    found, listed = analyses(600, 3), entries(600, "word " * 400)
    total = sum(len(text) for text in shards.build_files(listed, found, prefix=1).values())

    def consume() -> None:
        for _ in shards.iter_files(listed, found, prefix=1):
            pass

    held = peak_of(lambda: shards.build_files(listed, found, prefix=1))
    streamed = peak_of(consume)
    assert held - streamed > total / 2, f"streaming held {streamed:,} bytes, the whole index {held:,}; its text is {total:,}"


def test_iter_files_is_build_files_one_by_one() -> None:
    found, listed = analyses(300, 12), entries(300)
    pairs = list(shards.iter_files(listed, found, prefix=1))
    assert pairs[-1][0] == shards.MANIFEST
    assert len({path for path, _ in pairs}) == len(pairs)
    assert dict(pairs) == shards.build_files(listed, found, prefix=1)


PARAGRAPH = "Sessions were never closed after the retry loop gave up, so the pool ran dry. " * 10


def test_rendered_html_is_let_go_once_its_page_is_written(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "kb", {
        f"d{n}.md": f"---\ntitle: Problem {n}\ncomponent: [c{n % 2}]\n---\n# Problem {n}\n\n## Solution\n{PARAGRAPH}{n}\n"
        for n in range(12)})
    result = build(make_config(content, tmp_path / "site"))
    files = site_files(tmp_path / "site")
    for rel, url in result.site.urls.items():
        rendered = result.site.rendered[rel]
        assert "html" not in rendered.__dict__, f"{rel}'s HTML is still held after its page was written"
        assert rendered.html in files[url].decode("utf-8")  # read back from the saved state when asked for


def test_a_clean_build_after_released_html_edits_like_a_clean_build(tmp_path: Path) -> None:
    """The state saved before the pages (docs rows first) serves the next build as a whole one did."""
    docs = {f"d{n}.md": f"---\ntitle: Problem {n}\n---\n# Problem {n}\n\n## Solution\n{PARAGRAPH}{n}\n" for n in range(8)}
    content = write_docs(tmp_path / "kb", docs)
    config = make_config(content, tmp_path / "site")
    first = build(config)
    saved = load_state(state_folder(config), settings_key(config))
    assert saved is not None and set(saved.docs) == set(docs)
    for rel, cached in saved.docs.items():  # every row whole, HTML included, as the state was saved before the pages
        assert cached.rendered is not None and cached.rendered.html == first.site.rendered[rel].html
    (content / "d3.md").write_text(docs["d3.md"].replace("Problem 3\n\n", "Problem 3\n\nEdited.\n\n"), encoding="utf-8")
    build(make_config(content, tmp_path / "site"), kept=first.kept)  # as `sitegen serve` builds again
    build(make_config(content, tmp_path / "clean"))
    assert site_files(tmp_path / "site") == site_files(tmp_path / "clean")
