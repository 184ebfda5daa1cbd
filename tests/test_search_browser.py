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
    # A long guide without front matter: two problems, the second one's error past word 400.
    "guides/queue-guide.md": "# Message queue troubleshooting guide\n\n"
        + "Background reading about brokers, partitions and consumer groups. " * 60 + "\n\n"
        + "## Consumer stalls\n\n### Symptoms\n\n- Consumers stop reading\n\n### Solution\n\nRestart the consumer.\n\n"
        + "## Rebalance storms\n\n### Symptoms\n\n- Lag grows during deploys\n\n### Error Message\n\n"
        + "```\nKafkaRebalanceInProgressError: member generation id is stale for group billing\n```\n\n"
        + "### Solution\n\nRaise the session timeout.\n",
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
    guide = DOCS["guides/queue-guide.md"]
    assert len(guide[:guide.index("Kafka")].split()) > 400  # the error sits past word 400
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


# ---------------------------------------------------------------- issue 13: search finds every document
LONG_TRACEBACK = (
    "Traceback (most recent call last):\n"
    + "".join(f'  File "/srv/app/deploy/gateway_{n}.py", line {n}, in deploy_gateway\n    deploy(gateway, greenlet)\n'
              for n in range(12))
    + "KafkaRebalanceInProgressError: member generation id is stale for group payments\n"
)


def first_result(page):  # type: ignore[no-untyped-def]
    first = page.locator("#search-results > li").first
    first.wait_for()
    return first


def test_an_error_deep_inside_a_guide_without_front_matter_is_found(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    query = "KafkaRebalanceInProgressError: member generation id is stale for group billing"
    page, errors = open_page(browser, root_url + "search.html?q=" + quote(query))
    first = first_result(page)
    assert "Rebalance storms" in first.locator("a").first.inner_text()
    assert first.locator("a").first.get_attribute("href").endswith("queue-guide.html#rebalance-storms")
    # One problem of a long guide names its guide.
    assert "In guide: Message queue troubleshooting guide" in first.inner_text()
    assert errors == []


def test_a_traceback_with_the_error_at_the_bottom_finds_its_document(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    # Every frame speaks of deploy and gateway (another document's words); only the last line matters.
    page, errors = open_page(browser, root_url + "search.html?q=" + quote(LONG_TRACEBACK))
    assert "queue-guide.html" in first_result(page).locator("a").first.get_attribute("href")
    assert errors == []


def test_a_typo_is_corrected_and_the_page_says_so(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, root_url + "search.html?q=" + quote("gatway"))
    assert "Deploy fails behind the gateway" in first_result(page).inner_text()
    assert "Showing results for “gateway”" in page.inner_text("#search-status")
    assert errors == []


def test_ctrl_k_and_cmd_k_focus_the_search_box(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, root_url + "index.html")
    for chord in ("Control+k", "Meta+k"):
        page.locator("body").click(position={"x": 5, "y": 300})
        assert page.evaluate("document.activeElement.id") != "search-input"
        page.keyboard.press(chord)
        assert page.evaluate("document.activeElement.id") == "search-input", chord
    assert errors == []


def test_a_dropdown_result_is_a_link_a_middle_click_opens_in_a_new_tab(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, root_url + "index.html")
    page.locator("#search-input").fill("InvalidRequestError")
    first = page.locator("#search-dropdown [role=option]").first
    first.wait_for()
    assert first.evaluate("el => el.tagName") == "A" and first.get_attribute("href").endswith("async-greenlet.html")
    with page.context.expect_page() as opened:
        first.click(button="middle")
    opened.value.wait_for_load_state()
    assert "greenlet" in opened.value.url
    assert "index.html" in page.url  # the search page itself stayed where it was
    assert errors == []


def test_pasted_text_is_not_expanded_as_a_prefix_but_typing_is(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(browser, root_url + "search.html?q=" + quote("greenl"))
    page.wait_for_function("document.getElementById('search-status').textContent.includes('greenl')")
    assert page.locator("#search-results > li").count() == 0  # from the address: a whole word, no prefix
    page.locator("#search-input").fill("")
    page.locator("#search-input").press_sequentially("greenl")
    assert "greenlet" in first_result(page).inner_text()
    assert errors == []


def test_on_a_phone_the_first_result_is_on_the_first_screen(browser, root_url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 375, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(root_url + "search.html?q=" + quote("deploy gateway greenlet"))
    box = first_result(page).bounding_box()
    assert box is not None and box["y"] < 800 - 40, box
    # The facets are folded under "Filter"; opening it shows them.
    assert page.locator("#search-filter").is_visible() and not page.locator("#search-facets").is_visible()
    page.locator("#search-filter summary").click()
    assert page.locator("#search-facets input[value=deploy]").is_visible()
    assert "filtered" not in page.inner_text("#search-status")
    page.locator("#search-facets input[value=deploy]").check()
    assert "1 of 3 results" in page.inner_text("#search-status") and "(filtered)" in page.inner_text("#search-status")
    assert errors == []
