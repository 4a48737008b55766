"""Headless Chromium for the browser tests, driven by Playwright against our own Chromium.

Chromium comes from Debian's `chromium` package (`apt-get install -y chromium`); Playwright's
own browser downloads are never used. Without Chromium the tests skip with a message, except
under CI (`CI` set), where they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.dashboard.conftest import demo_suite  # noqa: F401  (a fixture)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
VIEWPORTS = {"desktop": ({"width": 1366, "height": 900}, 1),
             "phone": ({"width": 390, "height": 844}, 2)}
SERIOUS = ("serious", "critical")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(message: str):
    if os.environ.get("CI"):
        pytest.fail(message + " (required under CI)")
    pytest.skip(message)


def chromium_path() -> str | None:
    """Return the Chromium executable to use, if one is installed."""
    for candidate in (os.environ.get("TRUSTPULSE_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    executable = chromium_path()
    if executable is None:
        _unavailable("No Chromium found (install it with `apt-get install -y chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("The playwright package is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS,
                                              headless=True)
        yield launched
        launched.close()


class ConsoleErrors(list):
    """JavaScript errors and console errors a page raised."""


def _open(browser, viewport: str):
    size, scale = VIEWPORTS[viewport]
    context = browser.new_context(viewport=size, device_scale_factor=scale, accept_downloads=True)
    page = context.new_page()
    errors = ConsoleErrors()
    page.on("console", lambda message: errors.append(
        f"{message.text} at {message.location.get('url')}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    return context, page


@pytest.fixture
def page(browser):
    """A fresh page in a phone-sized context that records console errors."""
    context, opened = _open(browser, "phone")
    yield opened
    context.close()


@pytest.fixture
def open_page(browser):
    """Return a function opening a fresh page at "desktop" (1366 px) or "phone" (390 px)."""
    contexts = []

    def open_at(viewport: str):
        context, opened = _open(browser, viewport)
        contexts.append(context)
        return opened

    yield open_at
    for context in contexts:
        context.close()


def serious_violations(page) -> list[str]:
    """Run axe-core (vendored) in the page; return its serious and critical violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())  # evaluated by the browser, not subject to the page's CSP
    found = page.evaluate("""async () => (await axe.run(document)).violations.map(v => ({
        id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    return [f"{v['id']} ({v['impact']}): {', '.join(v['nodes'])}" for v in found
            if v["impact"] in SERIOUS]


def sideways_scroll(page) -> int:
    """Return how many pixels the page scrolls sideways (0: none)."""
    return page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth")


def check_page(page, name: str, *, status: int | None = None) -> None:
    """Screenshot a page, and assert no serious axe violation, no sideways scroll, no error.

    `status`: the HTTP status the page was meant to answer with (Chromium logs a page
    answered with an error status as a console error).
    """
    screenshot(page, name)
    assert serious_violations(page) == [], name
    assert sideways_scroll(page) == 0, name
    expected = f"the server responded with a status of {status}"
    assert [e for e in page.console_errors if not (status and expected in e)] == [], name
    page.console_errors.clear()  # each check reads what happened since the one before


def sign_in(page, base: str, key: str) -> None:
    """Sign in to the dashboard through its form."""
    page.goto(f"{base}/dashboard/login")
    page.fill("#api_key", key)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
