"""Issue 14 in a real browser: the three-state theme toggle, the folded table of contents on a phone,
sorting All documents, and screenshots at 375 and 1280 px, light and dark, written to
tests/screenshots/ (gitignored) for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from sitegen.build import build
from tests.helpers import ROOT, build_sample, make_config, serve_folder

SHOTS = Path(__file__).parent / "screenshots"
DOCUMENT = "docs/database/connection-pool-exhausted.html"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The sample site, and the front-matter-free fixture built with edit links."""
    sample = build_sample(tmp_path_factory.mktemp("browse") / "site")
    plain = tmp_path_factory.mktemp("browse-plain") / "site"
    build(make_config(ROOT / "tests" / "fixtures" / "plain", plain, repo_url="https://github.com/example/notes"))
    with serve_folder(sample) as first, serve_folder(plain) as second:
        yield first, second


@pytest.mark.parametrize("system", ["light", "dark"])
def test_theme_toggle_has_three_states_remembered_per_browser(browser: Any, served: tuple[str, str], system: str) -> None:
    other = "dark" if system == "light" else "light"
    context = browser.new_context(color_scheme=system)
    tab = context.new_page()
    tab.goto(served[0] + "index.html")

    def state() -> tuple[str | None, str | None, str]:
        return (tab.get_attribute("html", "data-theme"), tab.evaluate("localStorage.getItem('sitegen-theme')"),
                tab.evaluate("getComputedStyle(document.documentElement).colorScheme"))

    assert tab.get_attribute("#theme-toggle", "data-mode") == "system" and state() == (None, None, system)
    # The first click always changes what is seen; then the system's own scheme, chosen; then back to the system.
    for expected_mode, scheme in ((other, other), (system, system), ("system", system)):
        tab.click("#theme-toggle")
        tab.goto(served[0] + DOCUMENT)  # remembered on another page
        assert tab.get_attribute("#theme-toggle", "data-mode") == expected_mode
        stored = None if expected_mode == "system" else expected_mode
        assert state() == (stored, stored, scheme)
        label = tab.get_attribute("#theme-toggle", "aria-label") or ""
        assert label.startswith(f"Colour theme: {expected_mode} (switch to ")
    context.close()


def test_table_of_contents_is_folded_on_a_phone_and_open_on_a_desktop(browser: Any, served: tuple[str, str]) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740})
    tab = context.new_page()
    tab.goto(served[0] + DOCUMENT)
    assert tab.is_visible(".toc summary") and not tab.is_visible(".toc li a")
    tab.click(".toc summary")
    assert tab.is_visible(".toc li a")
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.reload()
    assert tab.is_visible(".toc li a")
    context.close()


def test_all_documents_sort_by_date_and_by_title(browser: Any, served: tuple[str, str]) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(served[0] + "documents.html")

    def order(attribute: str) -> list[list[str]]:
        return tab.evaluate(f"""Array.from(document.querySelectorAll('.doc-list')).map(
            l => Array.from(l.children).map(li => li.getAttribute('{attribute}')))""")

    titles = order("data-title")
    assert titles == [sorted(t) for t in titles]
    tab.click("button[data-sort='date']")
    assert tab.get_attribute("button[data-sort='date']", "aria-pressed") == "true"
    dates = order("data-date")
    assert any(len(d) > 1 for d in dates)
    assert dates == [sorted(d, reverse=True) for d in dates]
    tab.click("button[data-sort='title']")
    assert order("data-title") == titles
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots_of_the_browsing_pages(browser: Any, served: tuple[str, str], width: int, scheme: str) -> None:
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    sample, plain = served
    pages = {
        "all-documents": sample + "documents.html",
        "document": sample + DOCUMENT,
        "no-component": plain + "component/_none.html",
        "components": plain + "component/index.html",
        "plain-document": plain + "docs/runtime-errors/report-crashes-on-empty-invoice.html",
        "errors-plain": plain + "errors.html",
    }
    too_wide = {}
    for name, url in pages.items():
        tab.goto(url)
        if tab.evaluate("document.documentElement.scrollWidth") > width:
            too_wide[name] = tab.evaluate("document.documentElement.scrollWidth")
        tab.screenshot(path=str(SHOTS / f"browse-{name}-{scheme}-{width}.png"), full_page=True)
    context.close()
    assert too_wide == {}, f"pages scroll sideways at {width} px: {too_wide}"
    assert errors == []
