"""The built site as deployed: under a sub-path (GitHub Pages' /repo/) and opened from disk, every page
and asset loads; and a theme folder overrides one template or the stylesheet, the rest coming from default."""

from __future__ import annotations

import shutil
import textwrap
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.helpers import ROOT, build_docs, build_sample, page, serve_folder

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# A cross-section of page kinds: home, a doc, groups, the error tables, search, the 404 page.
PAGES = (
    "index.html",
    "docs/database/connection-pool-exhausted.html",
    "docs/guides/deployment-troubleshooting-guide.html",
    "component/index.html",
    "component/database.html",
    "problem-type/index.html",
    "tags/index.html",
    "errors.html",
    "errors/database.html",
    "search.html?q=pool+timeout",
    "404.html",
)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample knowledge base, built once into a folder named kb."""
    return build_sample(tmp_path_factory.mktemp("deploy") / "kb")


@pytest.fixture(scope="module")
def served(kb: Path) -> Iterator[str]:
    """The base URL of the site served at /kb/, like a GitHub Pages project site."""
    with serve_folder(kb.parent) as url:
        yield url + "kb/"



# True once a search page has answered its ?q= (its status names the query, or says search is
# unavailable); at once on any other page. A state to wait for, not a guess at how long it takes.
SEARCH_SETTLED = """() => {
  const status = document.getElementById("search-status");
  const q = new URLSearchParams(location.search).get("q");
  if (!status || !q) return true;
  return status.textContent.includes(q) || status.textContent.includes("unavailable");
}"""


def load_problems(browser: object, base: str, pages: tuple[str, ...]) -> list[str]:
    """Open each page; report every failed request, HTTP error, console error and link leaving the site."""
    problems: list[str] = []
    context = browser.new_context()  # type: ignore[attr-defined]
    tab = context.new_page()
    current = {"url": ""}
    pending: set[object] = set()  # requests started and not yet finished or failed
    settled: set[str] = set()  # urls of requests that finished or failed

    def failed(request: object) -> None:
        pending.discard(request)
        settled.add(request.url)  # type: ignore[attr-defined]
        problems.append(f"{current['url']}: failed {request.url} ({request.failure})")  # type: ignore[attr-defined]

    def finished(request: object) -> None:
        pending.discard(request)
        settled.add(request.url)  # type: ignore[attr-defined]

    tab.on("request", lambda r: pending.add(r))
    tab.on("requestfinished", finished)
    tab.on("requestfailed", failed)
    tab.on("response", lambda r: r.status >= 400 and problems.append(f"{current['url']}: HTTP {r.status} {r.url}"))
    tab.on("console", lambda m: m.type == "error" and problems.append(f"{current['url']}: console: {m.text}"))
    tab.on("pageerror", lambda e: problems.append(f"{current['url']}: script error: {e}"))
    for rel in pages:
        current["url"] = rel
        tab.goto(base + rel, wait_until="load")
        tab.wait_for_function(SEARCH_SETTLED)  # the search page loads its index after load: wait for its answer
        # Chromium asks for the favicon after `load`; going on to the next page before it arrives
        # aborts it (ERR_ABORTED), which is our navigation, not a missing file. Wait for it, and for
        # every other request in flight, so each one that fails has really failed.
        icon = tab.evaluate("() => { const l = document.querySelector('link[rel~=icon]'); return l ? l.href : ''; }")
        deadline = time.monotonic() + 10
        while (pending or (icon and icon not in settled)) and time.monotonic() < deadline:
            tab.wait_for_timeout(20)
        urls = tab.evaluate("""() => [...document.querySelectorAll('a[href], link[href], script[src], img[src]')]
            .map(e => new URL(e.getAttribute('href') || e.getAttribute('src'), document.baseURI).href)""")
        root = base.split("?")[0]
        for url in urls:
            if url.startswith(("http://127.0.0.1", "file:")) and not url.startswith(root):
                problems.append(f"{rel}: link leaves the site folder: {url}")
    context.close()
    return problems


def test_every_page_and_asset_loads_under_a_sub_path(browser: object, served: str) -> None:
    assert load_problems(browser, served, PAGES) == []


def test_every_page_and_asset_loads_from_disk(browser: object, kb: Path) -> None:
    assert load_problems(browser, kb.as_uri() + "/", PAGES) == []


def test_search_works_under_a_sub_path_and_from_disk(browser: object, served: str, kb: Path) -> None:
    for base in (served, kb.as_uri() + "/"):
        context = browser.new_context()  # type: ignore[attr-defined]
        tab = context.new_page()
        tab.goto(base + "search.html?q=QueuePool")
        tab.wait_for_selector("#search-results .search-result-title")
        href = tab.get_attribute("#search-results .search-result-title", "href") or ""
        tab.click("#search-results .search-result-title")
        tab.wait_for_load_state()
        assert tab.url.startswith(base), (base, href, tab.url)
        assert tab.locator("h1").count() == 1
        context.close()


# --- Theme overrides: one copied file changes, everything else still comes from the default theme.

TERM_OVERRIDE = """\
    {% extends "base.html" %}
    {% block content %}
    <h1 class="custom-term">Custom: {{ term.label }}</h1>
    {% endblock %}
    """

DOC = """\
    ---
    title: Pool exhausted
    date: 2025-03-02
    component: database
    problem_type: performance_issue
    severity: high
    symptoms: ["TimeoutError: QueuePool limit reached"]
    ---
    # Pool exhausted

    ## Solution
    Raise the pool size.
    """


def test_overriding_one_template_keeps_the_rest_of_the_theme(tmp_path: Path) -> None:
    theme = tmp_path / "mytheme"
    (theme / "templates").mkdir(parents=True)
    (theme / "templates" / "term.html").write_text(textwrap.dedent(TERM_OVERRIDE), encoding="utf-8")
    out = build_docs(tmp_path, {"db/pool.md": DOC}, theme_dir=theme).output_dir
    term = (out / "component" / "database.html").read_text(encoding="utf-8")
    assert '<h1 class="custom-term">Custom: database</h1>' in term
    assert 'id="search-input"' in term  # base.html still comes from the default theme
    doc = page(out, "docs/db/pool.html")
    assert doc.h1 == ["Pool exhausted"]
    assert "Symptoms" in doc.text  # document.html is the default one
    default_css = (ROOT / "themes" / "default" / "assets" / "style.css").read_bytes()
    assert (out / "assets" / "style.css").read_bytes() == default_css


def test_overriding_the_stylesheet_keeps_the_other_assets(tmp_path: Path) -> None:
    theme = tmp_path / "mytheme"
    (theme / "assets").mkdir(parents=True)
    (theme / "assets" / "style.css").write_text(":root { --accent: #7c3aed; }\n", encoding="utf-8")
    out = build_docs(tmp_path, {"db/pool.md": DOC}, theme_dir=theme).output_dir
    assert (out / "assets" / "style.css").read_text(encoding="utf-8") == ":root { --accent: #7c3aed; }\n"
    default_assets = ROOT / "themes" / "default" / "assets"
    for name in ("site.js", "favicon.svg", "search.js"):
        assert (out / "assets" / name).read_bytes() == (default_assets / name).read_bytes()
    assert len(page(out, "index.html").h1) == 1


def test_a_theme_folder_copied_whole_builds_the_same_site(tmp_path: Path) -> None:
    """Copying the whole default theme and changing nothing gives the default site, byte for byte."""
    theme = tmp_path / "copied"
    shutil.copytree(ROOT / "themes" / "default", theme)
    copied = build_docs(tmp_path / "a", {"db/pool.md": DOC}, theme_dir=theme).output_dir
    plain = build_docs(tmp_path / "b", {"db/pool.md": DOC}).output_dir
    for rel in ("index.html", "docs/db/pool.html", "component/database.html", "assets/style.css"):
        assert (copied / rel).read_bytes() == (plain / rel).read_bytes(), rel
