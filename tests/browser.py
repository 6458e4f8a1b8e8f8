"""A real headless Chromium for the tests marked `browser`, driven by Playwright.

Playwright cannot download its own browser here: the tests use the system Chromium
(Debian's `chromium`, which `.ci/run` installs). Without one they skip, except under CI=true.
Import the fixture into a test module: `from tests.browser import browser_page`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or ""
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A page of a fresh browser, 1366 by 900 pixels, closed after the test."""
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs Chromium for the browser test (apt-get install chromium)")
        pytest.skip("no system Chromium (apt-get install chromium) for the browser test")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser.new_page(viewport={"width": 1366, "height": 900})
        finally:
            browser.close()


def keep_screenshot(page: Any, path: str, *, full_page: bool = False) -> None:
    """Save a screenshot for a person to look at. It is an artefact, not a check: Chromium
    can refuse one under load ("Unable to capture screenshot"), which must not fail a test
    whose assertions passed."""
    from playwright.sync_api import Error

    try:
        page.screenshot(path=path, full_page=full_page)
    except Error as error:
        print(f"screenshot {path} not saved: {error.message.splitlines()[0]}")  # noqa: T201
