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


@pytest.fixture
def page(browser, request):
    """A fresh page in a phone-sized context that records console errors."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    errors = ConsoleErrors()
    page.on("console", lambda message: errors.append(
        f"{message.text} at {message.location.get('url')}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    """Save a full-page screenshot under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
