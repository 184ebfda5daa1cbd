"""Suite-wide rules."""

from __future__ import annotations

import os
from typing import Any, Generator

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, None]:
    """Under `make test` (SITEGEN_NO_SKIPS=1) a skipped test fails: a missing browser or Java must not
    quietly turn the browser, accessibility or HTML checks into no checks at all."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("SITEGEN_NO_SKIPS") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under `make test`, where every test must run: {report.longrepr}"


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
