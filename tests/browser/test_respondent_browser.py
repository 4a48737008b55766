"""An employee answers a pulse survey in headless Chromium with the keyboard alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import check_page, screenshot

pytestmark = pytest.mark.browser


def _open_invitation(suite, admin_headers) -> str:
    client = suite.client
    survey = client.post("/api/v1/surveys", headers=admin_headers, json={
        "title": "Weekly pulse", "kind": "employee_pulse", "template": "ai-trust-pulse",
        "segments": ["department"]}).get_json()
    now = datetime.now(UTC)
    wave = client.post(f"/api/v1/surveys/{survey['id']}/waves", headers=admin_headers, json={
        "opens_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "closes_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")}).get_json()
    invited = client.post(f"/api/v1/waves/{wave['id']}/invitations", headers=admin_headers,
                          json={"respondents": [{"segment": {"department": "Support"}}]})
    assert invited.status_code == 201, invited.get_json()
    return invited.get_json()["tokens"][0]


def _focused(page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e.tagName, type: e.type || '', name: e.name || ''}; }""")


def test_a_pulse_survey_can_be_answered_with_the_keyboard_alone(suite, admin_headers, page):
    token = _open_invitation(suite, admin_headers)
    page.goto(f"{suite.url('gateway')}/s/{token}")
    check_page(page, "respondent-form")
    answered = set()
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["tag"] == "BUTTON":
            break
        if focused["type"] == "radio" and focused["name"] not in answered:
            page.keyboard.press("Space")  # choose the focused option...
            page.keyboard.press("ArrowRight")  # ...then move the choice along by one
            answered.add(focused["name"])
        elif focused["tag"] == "TEXTAREA":
            page.keyboard.type("Typed with the keyboard only.")
    else:
        pytest.fail("Tabbing never reached the submit button")
    assert len(answered) >= 11  # every closed question of the template
    with page.expect_navigation():  # the form's POST, answered by the thanks page
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    screenshot(page, "respondent-thanks")
    assert "thank" in page.content().lower()
    assert page.console_errors == []
    again = page.goto(f"{suite.url('gateway')}/s/{token}")
    assert again.status == 409  # the token was used


def test_errors_name_their_questions_and_take_the_focus_and_0_to_10_fits_one_row(
        suite, admin_headers, page):
    token = _open_invitation(suite, admin_headers)
    page.goto(f"{suite.url('gateway')}/s/{token}")
    scale = page.eval_on_selector_all(
        "fieldset.scale label", "els => els.map(e => { const b = e.getBoundingClientRect(); "
        "return [Math.round(b.top), b.width]; })")
    assert len(scale) == 11
    assert len({top for top, _ in scale}) == 1  # one row at 390 px
    assert min(width for _, width in scale) >= 24  # each target at least 24 px wide
    page.check("fieldset input[type=radio] >> nth=0")  # the first question only
    with page.expect_navigation():
        page.click("button.submit")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    links = page.locator("#error-summary a").all_inner_texts()
    assert len(links) >= 11
    assert all(text.startswith("Question ") and "“" in text and text.endswith("Choose an answer.")
               for text in links)
    assert "Missing data for required field." not in page.content()
    button = page.eval_on_selector("button.submit", "b => getComputedStyle(b).backgroundColor")
    assert button == "rgb(29, 95, 191)"  # styled, not the browser's grey
    check_page(page, "respondent-form-errors", status=422)
    page.click("#error-summary a >> nth=0")
    assert page.evaluate("document.activeElement.type") == "radio"
