"""The search page paints its first results before it loads every result's store entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sitegen.build import build
from tests.helpers import make_config

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium")

# Before the page's scripts: every index file's registration, in order, and those seen when the
# first result was painted (the Loader passes registrations on to a function already there).
RECORD = """
window.__registered = [];
window.__atFirstPaint = null;
window.SITEGEN_SEARCH_ADD = function (name) { window.__registered.push(name); };
document.addEventListener("DOMContentLoaded", function () {
  var list = document.getElementById("search-results");
  new MutationObserver(function () {
    if (window.__atFirstPaint === null && list.childElementCount) window.__atFirstPaint = window.__registered.slice();
  }).observe(list, { childList: true });
});
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bench.generate import write_docs

    root = tmp_path_factory.mktemp("paint")
    write_docs(root / "docs", 700, seed=3)
    build(make_config(root / "docs", root / "site"))
    return root / "site"


def test_first_results_come_before_every_store_chunk(browser: Any, site: Path) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.add_init_script(RECORD)
    page.goto((site / "search.html").as_uri() + "?q=failed%20service%20error")
    page.locator("#search-facets fieldset").first.wait_for()
    first = [name for name in page.evaluate("window.__atFirstPaint") if name.startswith("d:")]
    every = [name for name in page.evaluate("window.__registered") if name.startswith("d:")]
    shown = page.locator("#search-results > li").count()
    status = page.inner_text("#search-status")
    assert int(status.split()[0]) > 100 and shown == 100, status  # the full first page, once all are in
    assert 0 < len(first) <= 20 < len(every), (len(first), len(every))  # 700 entries: 22 chunks
    assert "Show more" in page.inner_text("#search-more") and errors == []
    page.close()
