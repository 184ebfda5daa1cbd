"""Screenshots of the main pages in light and dark, on a desktop and a 360 px phone, for a person to look at.

They are written to tests/screenshots/ (gitignored). The test asserts what a machine can see: no sideways
scrolling of the page on a phone, the search dropdown and search page showing results, and a dark choice
made with the toggle remembered after a reload.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.helpers import build_sample, serve_folder

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOTS = Path(__file__).parent / "screenshots"
PAGES = {
    "home": "index.html",
    "document": "docs/database/connection-pool-exhausted.html",
    "errors": "errors.html",
    "group": "component/database.html",
    "search-page": "search.html?q=pool+timeout",
    "all-documents": "documents.html",
}
WIDTHS = {"desktop": (1280, 900), "phone": (360, 740)}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_folder(build_sample(tmp_path_factory.mktemp("shots") / "site")) as url:
        yield url



def choose_theme(tab: Any, served: str, scheme: str) -> None:
    """Pick the scheme with the header toggle, as a reader would, and check it is remembered."""
    tab.goto(served + "index.html")
    current = tab.evaluate("getComputedStyle(document.documentElement).colorScheme")
    clicked = current != scheme
    if clicked:
        tab.click("#theme-toggle")
    tab.reload()
    assert tab.evaluate("getComputedStyle(document.documentElement).colorScheme") == scheme
    # A click is a choice, remembered; without one the page follows the system.
    assert tab.get_attribute("#theme-toggle", "data-mode") == (scheme if clicked else "system")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("device", list(WIDTHS))
def test_screenshots(browser: Any, served: str, device: str, scheme: str) -> None:
    width, height = WIDTHS[device]
    # The system says light; dark comes from the toggle, so the toggle and its memory are what is tested.
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme="light")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda e: errors.append(str(e)))
    choose_theme(tab, served, scheme)
    too_wide = {}
    for name, rel in PAGES.items():
        tab.goto(served + rel)
        if name == "search-page":
            tab.wait_for_selector("#search-results .search-result")
        if name == "document":
            assert tab.locator(".doc-body .copy-button").count() > 0
        scroll_width = tab.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide[name] = scroll_width
        tab.screenshot(path=str(SHOTS / f"{name}-{scheme}-{device}.png"), full_page=True)

    tab.goto(served + "index.html")
    tab.fill("#search-input", "pool timeout")
    tab.wait_for_selector("#search-dropdown .search-result")
    assert tab.is_visible("#search-dropdown")
    tab.keyboard.press("ArrowDown")
    assert tab.locator("#search-dropdown .search-result.is-active").count() == 1
    tab.screenshot(path=str(SHOTS / f"search-dropdown-{scheme}-{device}.png"))
    if tab.evaluate("document.documentElement.scrollWidth") > width:
        too_wide["search-dropdown"] = tab.evaluate("document.documentElement.scrollWidth")

    context.close()
    assert too_wide == {}, f"pages scroll sideways at {width} px: {too_wide}"
    assert errors == []


def test_system_dark_mode_applies_without_a_choice(browser: Any, served: str) -> None:
    context = browser.new_context(color_scheme="dark")
    tab = context.new_page()
    tab.goto(served + "index.html")
    assert tab.get_attribute("html", "data-theme") is None
    assert tab.evaluate("getComputedStyle(document.documentElement).colorScheme") == "dark"
    assert tab.get_attribute("#theme-toggle", "data-mode") == "system"
    tab.click("#theme-toggle")  # an explicit light choice beats the system setting, on every page
    tab.goto(served + PAGES["document"])
    assert tab.evaluate("getComputedStyle(document.documentElement).colorScheme") == "light"
    context.close()


def test_print_stylesheet_shows_the_write_up_only(browser: Any, served: str) -> None:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(served + PAGES["document"])
    tab.emulate_media(media="print")
    assert not tab.is_visible(".site-header")
    assert not tab.is_visible(".toc")
    assert tab.is_visible(".symptoms")
    assert tab.is_visible(".doc-body")
    context.close()
