"""The dashboard in headless Chromium at 1366 px and 390 px: what a leader reads and does."""

from __future__ import annotations

import pytest

from tests.browser.conftest import check_page, sign_in
from tests.conftest import ADMIN_KEY

pytestmark = pytest.mark.browser

SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll('svg text')].map(t =>
    parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a))"""
OVERLAPS = """() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
    const boxes = [...svg.querySelectorAll('text.x-tick')].map(t => t.getBoundingClientRect());
    const outer = svg.getBoundingClientRect();
    const bad = [];
    boxes.forEach((a, i) => {
        if (a.left < outer.left - 1 || a.right > outer.right + 1) bad.push('outside');
        boxes.slice(i + 1).forEach(b => { if (a.right > b.left && b.right > a.left) bad.push('overlap'); });
    });
    return bad; })"""
UNTITLED_MARKS = """() => [...document.querySelectorAll(
    'svg.chart circle, svg.bar-chart rect, svg.bar-chart line')].filter(
    m => !m.querySelector('title') || !m.querySelector('title').textContent.trim()).length"""


def _top(page, selector: str) -> float:
    return page.eval_on_selector(selector, "e => e.getBoundingClientRect().top + scrollY")


def _options(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(f"{selector} option", "os => os.map(o => o.textContent)")


def _read_the_pulse(page, base: str, pulse: int, viewport: str) -> None:
    page.goto(f"{base}/dashboard/surveys/{pulse}")
    check_page(page, f"dashboard-pulse-{viewport}")
    assert _top(page, "#headline") < _top(page, "#filters") < _top(page, "#heatmap")
    assert page.locator(".card").count() == 4
    assert page.evaluate(SMALLEST_TEXT) >= 12  # chart text, as drawn
    assert page.evaluate(OVERLAPS) == []
    assert page.evaluate(UNTITLED_MARKS) == 0
    assert page.locator(".heat-legend li").count() == 8
    names = page.eval_on_selector_all("#trend-index-ai_trust .axis-name", "ts => ts.map(t => t.textContent)")
    assert names[0] == "Score (0–100)" and names[1].startswith("ISO week, ")
    if viewport == "phone":  # the heatmap is wider than a phone: it says it scrolls sideways
        assert page.locator("#heatmap .scroll-hint").is_visible()

    # Group options follow the segment as it changes, before the form is sent.
    page.select_option("#by", "location")
    page.locator("#group option:text('Leeds')").wait_for(state="attached")
    assert _options(page, "#group") == ["Everyone", "Austin", "Leeds", "Manila"]
    assert _options(page, "#compare") == ["Nobody", "Austin", "Leeds", "Manila"]
    page.select_option("#by", "department")

    # Drill down from the heatmap, then compare the group with another.
    page.click("#heatmap th a:text('Billing')")
    page.wait_for_url("**group=Billing**")
    assert "Showing Billing (department)" in page.locator("#showing").inner_text()
    assert page.locator("#questions .bars li").count() >= 10
    with page.expect_download() as download:  # a CSV under every table
        page.click("#questions .download a")
    assert download.value.path().read_text().splitlines()[0].startswith("question,")
    page.select_option("#index", "wellbeing")
    page.select_option("#compare", "Support")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**compare=Support**")
    assert "Support (department) is higher by" in page.locator("#compared").inner_text()
    assert page.locator("#trend-index-wellbeing .legend li").count() == 2
    check_page(page, f"dashboard-pulse-billing-vs-support-{viewport}")
    page.click("text=Measure the impact")  # from the first period in view to the last
    page.wait_for_url("**after=**")
    assert "Did it work?" in page.locator("#impact").inner_text()
    check_page(page, f"dashboard-pulse-impact-{viewport}")


def test_a_leader_reads_the_pulse_and_the_customers_on_a_desktop_and_a_phone(
        demo_suite, open_page):
    base = demo_suite.url("gateway")
    surveys = demo_suite.demo["surveys"]
    for viewport in ("desktop", "phone"):
        page = open_page(viewport)
        page.goto(f"{base}/dashboard/")
        assert page.url.endswith("/dashboard/login")
        check_page(page, f"dashboard-login-{viewport}")
        sign_in(page, base, ADMIN_KEY)
        check_page(page, f"dashboard-surveys-{viewport}")
        _read_the_pulse(page, base, surveys["pulse"]["id"], viewport)

        page.goto(f"{base}/dashboard/surveys/{surveys['customers']['id']}?period=day")
        check_page(page, f"dashboard-customers-daily-{viewport}")
        assert _options(page, "#period") == ["Day", "Week", "Month", "Quarter"]
        assert page.evaluate(SMALLEST_TEXT) >= 12
        assert page.evaluate(OVERLAPS) == []
        assert page.locator("#preference-trend .legend li").count() == 4

        page.click("text=Sign out")
        page.wait_for_url(f"{base}/dashboard/login")
        page.goto(f"{base}/dashboard/")
        assert page.url.endswith("/dashboard/login")
        cookies = page.context.cookies()
        assert all(c["httpOnly"] for c in cookies if c["name"] == "tp_dashboard")
        assert page.evaluate("document.cookie") == ""
        assert page.console_errors == []
