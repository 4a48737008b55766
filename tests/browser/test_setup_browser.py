"""An HR admin sets a survey up in headless Chromium: template, wave, invitations, a key."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import check_page, sign_in
from tests.conftest import ADMIN_KEY

pytestmark = pytest.mark.browser


def test_an_admin_sets_up_a_pulse_and_downloads_its_invitation_links(suite, open_page, tmp_path):
    base = suite.url("gateway")
    for viewport in ("phone", "desktop"):
        page = open_page(viewport)
        sign_in(page, base, ADMIN_KEY)
        page.click("text=New survey")
        check_page(page, f"setup-new-{viewport}")
        page.fill("#title", f"Support pulse ({viewport})")
        page.select_option("#template", "ai-trust-pulse")
        page.fill("#segments", "department,location")
        page.fill("#anonymity_threshold", "2")
        page.click("form.setup-form button[type=submit]")
        assert page.locator("#error-summary").is_visible()  # the API's 422, field by field
        check_page(page, f"setup-new-error-{viewport}", status=422)
        page.fill("#anonymity_threshold", "5")
        page.click("form.setup-form button[type=submit]")
        page.wait_for_url("**/setup?done=created")
        check_page(page, f"setup-survey-{viewport}")

        now = datetime.now(UTC)
        page.fill("#opens_at", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
        page.fill("#closes_at", (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
        page.click("text=Add the wave")
        page.wait_for_url("**done=wave")
        assert page.locator("#waves tbody tr").count() == 1

        people = tmp_path / f"people-{viewport}.csv"
        people.write_text("department,location\nSupport,Leeds\nBilling,Manila\nSales,Austin\n")
        page.set_input_files("#respondents", str(people))
        with page.expect_download() as download:
            page.click("text=Issue invitations and download the links")
        rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
        assert [r["department"] for r in rows] == ["Support", "Billing", "Sales"]
        assert all(r["link"].startswith(f"{base}/s/") for r in rows)

        page.goto(rows[0]["link"])  # the respondent's form opens from the link
        assert page.locator("form button.submit").is_visible()

        page.goto(f"{base}/dashboard/keys")
        page.fill("#name", f"Platform {viewport}")
        page.click("text=Make an integration key")
        assert page.locator("#created-key .secret").inner_text().startswith("tp_")
        check_page(page, f"setup-key-{viewport}", status=201)
