"""The search page and the search box take a pasted log: the line `sitegen lookup` would pick is searched, and named."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from sitegen.build import build
from tests.helpers import ROOT, make_config
from tests.lookup_logs import GITHUB_ACTIONS, LOOP_CLOSED, noise_lines

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
LOG = "\n".join(noise_lines(300, 11) + GITHUB_ACTIONS.splitlines() + noise_lines(20, 12))
LINE = 300 + 13  # where the final exception line of GITHUB_ACTIONS lands


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lookup-browser") / "site"
    build(make_config(ROOT / "content", out))
    return out


def test_search_page_searches_the_error_line_of_a_log_and_says_which(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(site.as_uri() + "/search.html?q=" + quote(LOG))
    first = page.locator("#search-results > li").first
    first.wait_for()
    assert first.locator("a").first.get_attribute("href").endswith("docs/async/celery-event-loop-closed.html")
    status = page.inner_text("#search-status")
    assert status.startswith(f"Searched for line {LINE} of the pasted log: “{LOOP_CLOSED}”.")
    assert "result" in status
    # The address keeps the whole log, so a reload searches the same line.
    page.reload()
    page.locator("#search-results > li").first.wait_for()
    assert page.inner_text("#search-status").startswith(f"Searched for line {LINE} ")
    assert errors == []


PASTE = """(log) => {
    const input = document.getElementById("search-input");
    const data = new DataTransfer();
    data.setData("text/plain", log);
    input.value = log.replace(/[\\r\\n]+/g, " ");
    input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
}"""


def test_a_whole_ci_log_pasted_links_its_error_line_not_the_log(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(site.as_uri() + "/index.html")
    page.focus("#search-input")
    big = "\n".join(noise_lines(15_000, 13) + GITHUB_ACTIONS.splitlines() + noise_lines(4_986, 14))
    page.evaluate(PASTE, big)
    page.locator("#search-dropdown .search-log-line").wait_for()
    assert page.inner_text("#search-dropdown .search-log-line").startswith("Searched for line 15013 of the pasted log")
    href = page.get_attribute("#search-dropdown a.search-all", "href")
    assert href.endswith("search.html?q=" + quote(LOOP_CLOSED, safe="")) or href.endswith(
        "search.html?q=" + quote(LOOP_CLOSED, safe="").replace("%20", "+"))


def test_search_box_takes_a_pasted_log(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(site.as_uri() + "/index.html")
    page.focus("#search-input")
    # What a paste does: the clipboard's text in a paste event, and the input showing it on one line.
    page.evaluate("""(log) => {
        const input = document.getElementById("search-input");
        const data = new DataTransfer();
        data.setData("text/plain", log);
        input.value = log.replace(/[\\r\\n]+/g, " ");
        input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
    }""", LOG)
    page.locator("#search-dropdown .search-log-line").wait_for()
    assert page.inner_text("#search-dropdown .search-log-line").startswith(f"Searched for line {LINE} of the pasted log")
    first = page.locator("#search-dropdown [role=option]").first
    assert first.get_attribute("href").endswith("docs/async/celery-event-loop-closed.html")
    assert errors == []
