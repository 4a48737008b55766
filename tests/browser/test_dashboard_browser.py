"""The dashboard in headless Chromium: sign in, read a survey, change choices, sign out."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot
from tests.conftest import ADMIN_KEY

pytestmark = pytest.mark.browser


def _drawn(page, selector: str) -> int:
    """How many of the matching chart shapes the browser actually laid out with a size."""
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => { const b = e.getBBox(); "
                  "return b.width > 0 || b.height > 0; }).length")


def test_sign_in_read_a_survey_switch_period_and_segment_and_sign_out(demo_suite, page):
    base = demo_suite.url("gateway")
    page.goto(f"{base}/dashboard/")
    assert page.url.endswith("/dashboard/login")
    page.fill("#api_key", ADMIN_KEY)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")
    page.click("text=Contact centre AI pulse")
    page.wait_for_selector("svg.heatmap")
    assert _drawn(page, "#trend-1 svg polyline") >= 1
    assert _drawn(page, "#trend-1 svg polygon.band") >= 1
    assert _drawn(page, "svg.heatmap g.cell rect") >= 12 * 4  # 12 weeks x 4 departments
    assert page.locator("#changes").inner_text().count("Billing") >= 1
    screenshot(page, "dashboard-pulse-week")

    page.select_option("#period", "month")
    page.select_option("#by", "location")
    page.click(".choices button[type=submit]")
    page.wait_for_url("**period=month**")
    assert "by=location" in page.url
    assert page.locator("#heatmap-title").inner_text() == "By location and month"
    assert _drawn(page, "svg.heatmap g.cell rect") >= 3
    page.select_option("#group", "Manila")
    page.click(".choices button[type=submit]")
    page.wait_for_url("**group=Manila**")
    assert "location = Manila" in page.locator("#trends-title").inner_text()
    screenshot(page, "dashboard-pulse-month-manila")

    page.goto(f"{base}/dashboard/surveys/{demo_suite.demo['surveys']['customers']['id']}")
    assert _drawn(page, "#customer-1 svg polyline") == 4  # one line per preference
    screenshot(page, "dashboard-customers")

    page.click("text=Sign out")
    page.wait_for_url(f"{base}/dashboard/login")
    page.goto(f"{base}/dashboard/")
    assert page.url.endswith("/dashboard/login")
    cookies = page.context.cookies()
    assert all(c["httpOnly"] for c in cookies if c["name"] == "tp_dashboard")
    assert page.evaluate("document.cookie") == ""
    assert page.console_errors == []
