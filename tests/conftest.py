"""Suite-wide rules."""

from __future__ import annotations

import os
from typing import Any, Generator

import pytest


def _no_skips() -> bool:
    return os.environ.get("SITEGEN_NO_SKIPS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    """Under `make test` (SITEGEN_NO_SKIPS=1) a skipped test fails: a missing browser or Java must not
    quietly turn the browser, accessibility or HTML checks into no checks at all.

    An expected failure (`xfail`, which pytest reports as a skip carrying `wasxfail`) fails too: a
    test marked to fail checks nothing. (`xfail_strict` in pyproject.toml already fails an XPASS.)
    """
    outcome = yield
    report = outcome.get_result()
    if _no_skips() and report.skipped:
        if hasattr(report, "wasxfail"):
            report.longrepr = f"marked xfail under `make test`, where every test must pass: {report.wasxfail}"
            del report.wasxfail
        else:
            report.longrepr = f"skipped under `make test`, where every test must run: {report.longrepr}"
        report.outcome = "failed"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, None]:
    """A skip while collecting (a module-level `pytest.importorskip` or `pytest.skip(allow_module_level=True)`)
    never reaches the hook above: it drops a whole file without one test report. Under `make test`
    it is a collection error instead, which fails the run.

    Not catchable here or anywhere: a test that `return`s early when a tool is missing. The suite's
    rule is that no test does; a missing tool is a `pytest.skip`, which these hooks turn into a failure.
    """
    outcome = yield
    report = outcome.get_result()
    if _no_skips() and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"{collector.nodeid} skipped while collecting under `make test`: {report.longrepr}"


CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download is never used
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser() -> Generator[Any, None, None]:
    """One headless Chromium for the whole run, driven by Playwright for Python."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield instance
        instance.close()
