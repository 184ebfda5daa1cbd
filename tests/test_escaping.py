"""Titles (and the other front-matter text shown in listings) are escaped on every built page.

The build holds documents whose titles are markup. Every HTML file of the output is parsed and
scanned: no element, attribute or script from a title may exist, and the title must be shown as
text wherever it is listed. One template that marks a title `|safe` fails this, on whichever
page (home, group page, error table, document) it is.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from tests.helpers import build_docs

MARK = "pwnmark"  # in every payload: an element or attribute carrying it came from a title
TITLE = f'Evil <img src=x data-{MARK}=1 onerror="{MARK}()"> & <script>{MARK}()</script> "q" \'a\' </title></a>'
SECTION_TITLE = f"Queue <b data-{MARK}=2>stuck</b>"
DOCS = {
    "hostile.md": f"""\
        ---
        title: {json.dumps(TITLE)}
        component: cache
        problem_type: performance_issue
        root_cause: config_error
        severity: high
        tags: [redis, ops]
        symptoms: ["Cache evicts everything at noon"]
        date: 2026-01-02
        ---
        # Heading

        ## Solution
        Raise maxmemory.
        """,
    "neighbour.md": """\
        ---
        title: Neighbour with the same tags
        component: cache
        problem_type: performance_issue
        root_cause: config_error
        tags: [redis, ops]
        symptoms: ["Neighbour symptom"]
        date: 2026-01-03
        ---
        # Neighbour

        ## Solution
        Nothing.
        """,
    "guide.md": f"""\
        ---
        title: {json.dumps(TITLE)}
        component: background_task
        problem_type: runtime_error
        ---
        # Guide

        ## Queue problems

        ### {SECTION_TITLE}

        #### Symptoms
        - Jobs stay queued forever

        #### Solution
        Restart the worker.
        """,
}


class Scan(HTMLParser):
    """Every trace of a payload that became markup, and the page's text."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.found: list[str] = []
        self.text: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if MARK in name or (name.startswith("on") and MARK in (value or "")):
                self.found.append(f"<{tag} {name}={value!r}>")
        self._script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and f"{MARK}()" in data and "<script>" not in data:
            self.found.append(f"script running {data[:80]!r}")
        self.text.append(data)


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Scan]:
    result = build_docs(tmp_path_factory.mktemp("escaping"), DOCS)
    scans = {}
    for path in sorted(result.output_dir.rglob("*.html")):
        scan = Scan(path.read_text(encoding="utf-8"))
        scan.feed(scan.source)
        scan.close()
        scans[path.relative_to(result.output_dir).as_posix()] = scan
    return scans


def test_no_page_turns_a_title_into_markup(pages: dict[str, Scan]) -> None:
    assert len(pages) >= 8  # home, errors, documents, group pages: the scan covers the whole site
    broken = {rel: scan.found for rel, scan in pages.items() if scan.found}
    assert broken == {}


def test_raw_title_markup_appears_in_no_page_source(pages: dict[str, Scan]) -> None:
    # The parser above reads what a browser would build; the bytes also show markup that landed
    # where the parser sees only text (inside a <script> or <textarea>, say).
    raw = ("<img src=x", "<script>pwnmark", "</title></a>", f"<b data-{MARK}")
    assert {rel: [r for r in raw if r in scan.source] for rel, scan in pages.items() if any(r in scan.source for r in raw)} == {}


def test_the_title_is_shown_as_text_wherever_it_is_listed(pages: dict[str, Scan]) -> None:
    shown = {rel for rel, scan in pages.items() if TITLE in "".join(scan.text)}
    # Its own page, the home page's listing, its component, problem type, root cause, severity and
    # tag pages, and the error table: every listing that names the document by its title.
    expected = {"index.html", "errors.html", "component/cache.html", "tags/redis.html", "tags/ops.html",
                "problem-type/performance-issue.html", "root-cause/config-error.html", "severity/high.html"}
    listed = {rel for rel in pages if rel in expected}
    assert listed == expected, f"pages not built where expected: {expected - listed}"
    assert expected <= shown, f"title missing (or mangled) on {sorted(expected - shown)}"
    doc_pages = {rel for rel in pages if rel.startswith("docs/")}
    assert len(doc_pages & shown) >= 2, sorted(doc_pages)
