"""The API reference in headless Chromium: Swagger UI from the gateway alone, over every operation."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_the_reference_loads_everything_from_the_gateway_and_shows_every_operation(suite, page):
    base = suite.url("gateway")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{base}/api/docs")
    page.wait_for_selector(".opblock-summary", timeout=20000)
    document = suite.client.get("/api/openapi.json").get_json()
    operations = sum(1 for item in document["paths"].values()
                     for method in item if method != "parameters")
    assert page.locator(".opblock").count() == operations
    assert urlsplit(base).netloc == "127.0.0.1:" + str(suite.servers["gateway"].port)
    elsewhere = [url for url in asked
                 if urlsplit(url).scheme in ("http", "https")
                 and urlsplit(url).netloc != urlsplit(base).netloc]
    assert elsewhere == []
    assert any(url.endswith("/api/openapi.json") for url in asked)
    # The analytics operations open on their answers, examples included.
    page.click("#operations-analytics-get_api_v1_surveys__survey_id__scores .opblock-summary")
    page.wait_for_selector("#operations-analytics-get_api_v1_surveys__survey_id__scores "
                           ".responses-wrapper", timeout=10000)
    # The operation opens on its documented answers: 200 first, then its errors.
    opened = page.locator("#operations-analytics-get_api_v1_surveys__survey_id__scores")
    text = opened.inner_text()
    assert "200" in text and "422" in text and "request_id" in text
    screenshot(page, "api-docs")
    assert page.console_errors == []
