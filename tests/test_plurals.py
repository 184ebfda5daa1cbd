"""One of a thing is said as one: in the pages and in the search box's own strings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import build_docs

ONE = {"db/pool.md": "---\ncomponent: database\ntags: [postgres]\nsymptoms: ['TimeoutError: QueuePool limit reached']\n---\n"
                      "# Pool exhausted\n\n## Solution\nSize the pool.\n"}


@pytest.fixture(scope="module")
def one_doc_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("one")
    build_docs(tmp, ONE)
    return tmp / "site"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_pages_count_one_in_the_singular(one_doc_site: Path) -> None:
    home = _text((one_doc_site / "index.html").read_text(encoding="utf-8"))
    for phrase in ("1 solution ", "1 error message ", "1 component ", "1 tag "):
        assert phrase in home + " ", (phrase, home)
    assert not re.search(r"\b1 (solutions|error messages|components|tags|documents|results)\b", home)
    components = _text((one_doc_site / "component" / "index.html").read_text(encoding="utf-8"))
    assert "1 component across" in components


def test_the_search_box_says_1_result(browser, one_doc_site: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(one_doc_site.as_uri() + "/index.html")
    page.locator("#search-input").fill("QueuePool")
    link = page.locator("#search-dropdown .search-all")
    link.wait_for()
    assert link.inner_text() == "The 1 result"
    page.goto(one_doc_site.as_uri() + "/search.html?q=QueuePool")
    page.wait_for_function("document.body.innerText.includes(' for ')")
    assert re.search(r"\b1 result for\b", page.inner_text("body")), page.inner_text("body")
    assert errors == []
    page.close()
