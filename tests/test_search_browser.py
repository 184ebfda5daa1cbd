"""Search in a real headless Chromium, on a small built site, opened from disk and over http."""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")

DOCS = {
    "db/async-greenlet.md": """\
        ---
        title: Async session used outside greenlet
        problem_type: runtime_error
        component: database
        severity: critical
        symptoms:
          - "sqlalchemy.exc.InvalidRequestError: greenlet_spawn has not been called"
        tags: [sqlalchemy, asyncio]
        ---

        # Async session used outside greenlet

        ## Fix
        Load relationships eagerly with selectinload.
        """,
    "ops/deploy-gateway.md": """\
        ---
        title: Deploy fails behind the gateway
        problem_type: config_error
        component: deploy
        severity: high
        symptoms:
          - "502 Bad Gateway after deploy"
        tags: [nginx]
        ---

        # Deploy fails behind the gateway

        The gateway always keeps the old key until restarted.
        """,
}
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/deploy/gateway.py", line 8, in run\n'
    "    deploy(gateway)\n"
    "sqlalchemy.exc.InvalidRequestError: greenlet_spawn has not been called at 0x7f3a2b1c\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("content")
    for rel, text in DOCS.items():
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    out = tmp_path_factory.mktemp("site")
    sitegen = Path(sys.executable).parent / "sitegen"
    subprocess.run([str(sitegen), "build", str(content), "-o", str(out), "-q"], check=True, timeout=120)
    return out


@pytest.fixture(scope="module")
def http_root(site: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()



@pytest.fixture(params=["file", "http"])
def root_url(request: pytest.FixtureRequest, site: Path) -> str:
    if request.param == "file":
        return site.as_uri() + "/"
    return request.getfixturevalue("http_root")


def open_page(browser, url: str):  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url)
    return page, errors


def test_clicking_a_dropdown_result_opens_it(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, root_url + "index.html")
    page.locator("#search-input").fill("InvalidRequestError")
    first = page.locator("#search-dropdown [role=option]").first
    first.wait_for()
    first.click()
    page.wait_for_url("**/*greenlet*")
    assert errors == []


def test_dropdown_shows_results_as_you_type(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, root_url + "index.html")
    page.keyboard.press("/")
    page.keyboard.type("InvalidRequestError")
    first = page.locator("#search-dropdown [role=option]").first
    first.wait_for()
    assert "greenlet" in first.inner_text()
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#search-input", "aria-activedescendant") == "search-option-0"
    page.keyboard.press("Enter")
    page.wait_for_url("**/*greenlet*")
    assert errors == []


def test_hostile_input_does_not_break_the_page(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, root_url + "index.html")
    text = "ImportError: cannot import name 'X' --no-cache a:b +~^* `x` ("
    page.fill("#search-input", text)
    # The dropdown has answered (results or "no matching documents"): the query ran, or threw.
    page.wait_for_function("""() => {
      const dropdown = document.getElementById("search-dropdown");
      return dropdown && !dropdown.hidden && dropdown.childElementCount > 0;
    }""")
    assert errors == []


def test_search_page_ranks_the_pasted_traceback(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, root_url + "search.html?q=" + quote(TRACEBACK))
    first = page.locator("#search-results > li").first
    first.wait_for()
    assert "greenlet" in first.locator("a").first.inner_text()
    assert page.locator("#search-results mark").count() > 0
    assert "result" in page.inner_text("#search-status")
    assert page.input_value("#search-input").startswith("Traceback")
    assert errors == []


def test_facets_filter_results(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, root_url + "search.html?q=deploy%20gateway%20greenlet")
    page.locator("#search-results > li").nth(1).wait_for()
    page.locator("#search-facets input[value=deploy]").check()
    assert page.locator("#search-results > li").count() == 1
    assert "Deploy" in page.inner_text("#search-results")
    assert errors == []
