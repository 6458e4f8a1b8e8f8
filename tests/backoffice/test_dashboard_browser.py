"""The dashboard on `make run`'s demo data, in a real headless Chromium (Playwright).

Like tests/ussd/test_simulator_browser.py it uses the system Chromium and skips without one,
except under CI=true. The pages are saved as screenshots (DASHBOARD_SCREENSHOT, by default
/tmp/dashboard.png, and beside it -index.png and -exports.png) for a person to look at.
"""

from __future__ import annotations

import os
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from tests.browser import browser_page, keep_screenshot
from wallets import demo

SCREENSHOT = os.environ.get("DASHBOARD_SCREENSHOT", "/tmp/dashboard.png")  # noqa: S108
__all__ = ["browser_page"]  # the fixture, imported for pytest to find
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_dashboard_renders_its_charts_on_the_demo_data(settings, live_server, browser_page):
    settings.DEBUG = True  # seed_demo is a development tool
    call_command("seed_demo", stdout=StringIO())
    page = browser_page
    failed: list[str] = []  # resources the page asked for and did not get

    def record(response: Any) -> None:
        if response.status >= 400:
            failed.append(response.url)

    page.on("response", record)

    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", demo.STAFF_USERNAME)
    page.fill("#id_password", demo.STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector(".app-reports")  # the admin index, after the login's redirect
    keep_screenshot(page, SCREENSHOT.replace(".png", "-index.png"))
    page.click(".app-reports >> text=Dashboard")
    page.wait_for_selector("svg#value-per-day")
    keep_screenshot(page, SCREENSHOT, full_page=True)

    assert page.title().startswith("Dashboard")
    for chart in ("value-by-kind", "value-per-day", "count-per-day"):
        svg = page.locator(f"svg#{chart}")
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box is not None
        assert box["width"] >= 400  # readable on a laptop, not squeezed
        assert svg.get_attribute("role") == "img"
        assert page.locator(f"#{chart}-title").text_content()
    tiles = page.locator(".tiles .tile")
    assert tiles.count() == 9
    assert "Transactions today" in tiles.first.text_content()
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []

    # A wrong period comes back as the form with a readable error (status 400).
    page.click("text=CSV exports")
    form = page.locator("form[action$='/transactions.csv']")
    form.locator("input[name=date_from]").fill("2026-03-10")
    form.locator("input[name=date_to]").fill("2026-03-01")
    form.locator("input[type=submit]").click()
    page.wait_for_selector(".errorlist")
    keep_screenshot(page, SCREENSHOT.replace(".png", "-exports.png"), full_page=True)
    assert (
        "The start date is after the end date." in page.locator(".errorlist").first.text_content()
    )
