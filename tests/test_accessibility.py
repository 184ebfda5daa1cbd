"""axe-core finds no accessibility violation on the main kinds of page, in light and in dark mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from sitegen.build import build
from tests.helpers import ROOT, build_sample, make_config, serve_folder

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# WCAG 2.x A and AA, plus axe's best practices (landmarks, one h1, headings in order).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PAGES = {
    "home": "index.html",
    "document": "docs/database/connection-pool-exhausted.html",
    "guide": "docs/guides/deployment-troubleshooting-guide.html",
    "taxonomy": "component/index.html",
    "group": "component/database.html",
    "tags": "tags/index.html",
    "error table": "errors.html",
    "search": "search.html?q=pool+timeout",
    "not found": "404.html",
    "all documents": "documents.html",
}
# Issue 14's page kinds on documents without front matter: the No component group, a document whose
# problem type came from its folder, with edit links, last updated date and previous/next.
PLAIN_PAGES = {
    "all documents": "documents.html",
    "no component": "component/_none.html",
    "inferred document": "docs/runtime-errors/report-crashes-on-empty-invoice.html",
    "component index": "component/index.html",
    "error table": "errors.html",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_folder(build_sample(tmp_path_factory.mktemp("a11y") / "site")) as url:
        yield url


@pytest.fixture(scope="module")
def served_plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    out = tmp_path_factory.mktemp("a11y-plain") / "site"
    build(make_config(ROOT / "tests" / "fixtures" / "plain", out, repo_url="https://github.com/example/notes",
                      base_url="https://example.org/notes/"))
    with serve_folder(out) as url:
        yield url


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_no_violations_on_the_browsing_pages(browser: Any, served_plain: str, scheme: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    tab = context.new_page()
    found = {}
    for name, rel in PLAIN_PAGES.items():
        tab.goto(served_plain + rel)
        if name == "all documents":
            tab.click("button[data-sort='date']")  # the sort buttons shown and pressed
        problems = violations(tab)
        if problems:
            found[name] = problems
    context.close()
    assert not found, report(found)


def violations(tab: Any) -> list[str]:
    """Run axe on the page as it is now; one line per failing element."""
    tab.add_script_tag(path=str(AXE))
    result = tab.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", TAGS)
    lines = []
    for v in result["violations"]:
        targets = ", ".join(" ".join(n["target"]) for n in v["nodes"][:3])
        why = v["nodes"][0].get("failureSummary", "").replace("\n", " ") if v["nodes"] else ""
        lines.append(f"{v['id']} ({v['impact']}) on {targets}: {why}")
    return lines


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n  " + "\n  ".join(lines) for page, lines in found.items())


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_violations_on_the_main_pages(browser: Any, served: str, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    tab = context.new_page()
    found = {}
    for name, rel in PAGES.items():
        tab.goto(served + rel)
        if name == "search":
            tab.wait_for_selector("#search-results .search-result")
        if name == "error table":
            tab.fill("#error-filter", "timeout")  # the filter box shown, rows hidden
        problems = violations(tab)
        if problems:
            found[name] = problems
    context.close()
    assert not found, report(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_violations_on_a_phone(browser: Any, served: str, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, color_scheme=scheme)
    tab = context.new_page()
    found = {}
    for name, rel in (("document", PAGES["document"]), ("error table", PAGES["error table"])):
        tab.goto(served + rel)
        problems = violations(tab)
        if problems:
            found[name] = problems
    context.close()
    assert not found, report(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_violations_with_the_search_dropdown_open(browser: Any, served: str, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    tab = context.new_page()
    tab.goto(served + "index.html")
    tab.fill("#search-input", "pool timeout")
    tab.wait_for_selector("#search-dropdown .search-result")
    problems = violations(tab)
    context.close()
    assert not problems, report({"home with dropdown": problems})


def test_toggled_dark_mode_has_no_violations(browser: Any, served: str) -> None:
    """The toggle's data-theme, not only the system setting, gives readable colours."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    tab = context.new_page()
    tab.goto(served + PAGES["document"])
    tab.click("#theme-toggle")
    assert tab.get_attribute("html", "data-theme") == "dark"
    found = {}
    for name in ("home", "document", "error table"):
        tab.goto(served + PAGES[name])
        problems = violations(tab)
        if problems:
            found[name] = problems
    context.close()
    assert not found, report(found)


def test_keyboard_reaches_search_toggle_and_table_sorting(browser: Any, served: str) -> None:
    """Everything works from the keyboard: skip link first, then search; sort buttons announce the count."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(served + "errors.html")
    tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.className") == "skip-link"
    tab.keyboard.press("Enter")
    assert tab.evaluate("location.hash") == "#main"
    tab.focus("#error-filter")
    tab.keyboard.type("timeout")
    status = tab.text_content("#error-count") or ""
    total = tab.locator("#error-table tbody tr").count()
    shown = tab.locator("#error-table tbody tr:not([hidden])").count()
    assert 0 < shown < total
    assert status.startswith(f"{shown} of {total} error messages"), status
    assert tab.get_attribute("#error-count", "role") == "status"
    sort = tab.locator("#error-table thead th").nth(2).locator("button")
    sort.focus()
    tab.keyboard.press("Enter")
    assert tab.get_attribute("#error-table thead th:nth-child(3)", "aria-sort") == "ascending"
    titles = [t.strip().lower() for t in tab.locator("#error-table tbody tr:not([hidden]) td.error-doc").all_text_contents()]
    assert titles == sorted(titles)
    tab.keyboard.press("Space")
    assert tab.get_attribute("#error-table thead th:nth-child(3)", "aria-sort") == "descending"
    assert "sorted by document, z to a" in (tab.text_content("#error-count") or "").lower()
    context.close()
