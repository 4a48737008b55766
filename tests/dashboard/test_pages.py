"""Dashboard pages over the demo: headlines, one filter state for every panel, true reasons."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

from services.gateway.dashboard.labels import Period
from tests.conftest import ADMIN_KEY
from tests.dashboard.conftest import make_key, run_alert_job, sign_in


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The page's text as a reader sees it (no tags, no attributes), spaces collapsed."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def section(html: str, element_id: str) -> str:
    """The visible text of the element with this id, up to the next section."""
    start = html.index(f'id="{element_id}"')
    end = html.find("<section", start)
    return visible_text(html[start:end if end > 0 else None])


def _api(suite, path, **params):
    answer = suite.client.get(path, query_string=params,
                              headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_the_pulse_page_leads_with_headlines_and_every_panel_follows_the_filters(
        demo_suite, admin_headers, browser_client):
    assert run_alert_job(demo_suite) >= 1
    assert sign_in(browser_client, make_key(demo_suite, admin_headers, "analyst")).status_code == 303
    listing = visible_text(browser_client.get("/dashboard/").get_data(as_text=True))
    assert "Contact centre AI pulse" in listing and "Wellbeing" in listing
    assert "index:" not in listing and re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", listing)
    pulse = demo_suite.demo["surveys"]["pulse"]["id"]
    base = f"/dashboard/surveys/{pulse}"

    html = browser_client.get(base).get_data(as_text=True)
    text = visible_text(html)
    assert re.search(r"Last closed week: week \d+ \(\d", text)
    assert re.search(r"This week, week \d+ \(.*\), is still open", text)
    for key in ("index:", "ai_trust", "worn_out", "recommend_workplace", "complex_cases"):
        assert key not in text, key  # titles from the definition, never keys
    assert html.index('id="headline"') < html.index('id="filters"') < html.index('id="heatmap"')

    # One group: every panel shows it, and the headline says what changed in words.
    html = browser_client.get(f"{base}?by=department&group=Billing&index=wellbeing"
                              ).get_data(as_text=True)
    text = visible_text(html)
    assert "Showing Billing (department)" in text
    changes = _api(demo_suite, f"/api/v1/surveys/{pulse}/changes", metric="index:wellbeing",
                   period="week", segment_by="department")
    billing = next(i for i in changes["items"] if i["segment"] == {"department": "Billing"})
    before = Period.of(billing["a"]).short
    headline = section(html, "headline")
    assert re.search(rf"Wellbeing {billing['b']['value']:.0f} \(n {billing['b']['n']}\) 95% "
                     rf"interval [\d.–]+ Down {-billing['difference']:.1f} since {before}, "
                     r"significant \(adjusted p < 0\.001\)", headline), headline
    for panel in ("trend-", "drivers", "comments", "questions"):
        start = html.index(f'id="{panel}')
        assert "Billing (department)" in visible_text(html[start:start + 600]), panel
    assert '<tr class="current">' in html
    rows = section(html, "changes")
    assert "Billing" in rows and "Sales" not in rows and "Support" not in rows

    # Group options follow the segment: a department asked of locations is said to be missing.
    moved = visible_text(browser_client.get(f"{base}?by=location&group=Billing"
                                            ).get_data(as_text=True))
    assert "No location called “Billing” answered in this range; showing everyone." in moved
    assert "Showing Everyone" in moved

    compared = visible_text(browser_client.get(
        f"{base}?by=department&group=Billing&compare=Support&index=wellbeing"
    ).get_data(as_text=True))
    assert re.search(r"Support \(department\) is higher by [\d.]+, significant", compared)

    waves = visible_text(browser_client.get(f"{base}?period=wave").get_data(as_text=True))
    assert "Last closed wave: wave (" in waves and "A wave is open now" in waves

    early = datetime.now(UTC).date() - timedelta(days=30)
    ranged = browser_client.get(f"{base}?to={early.isoformat()}").get_data(as_text=True)
    assert "is still open" not in visible_text(ranged)
    assert "the date range ends before it" in section(ranged, "changes-title")

    # Question results, participation (live for the open wave) and a CSV under every table.
    billing = browser_client.get(f"{base}?by=department&group=Billing&index=wellbeing"
                                 ).get_data(as_text=True)
    questions = billing[billing.index('id="questions"'):billing.index("</figure>",
                                                                      billing.index('id="questions"'))]
    assert "Favourable (agree, 4–5)" in questions and "I feel worn out" in questions
    assert '<li class="in-index">' in questions  # the chosen index's questions come first
    participation = section(waves_html := browser_client.get(f"{base}?period=wave").get_data(
        as_text=True), "participation")
    assert "(open now)" in participation and "Invited" in participation
    assert "not available from this TrustPulse server" not in visible_text(waves_html)
    links = re.findall(r'<a href="([^"]+\.csv[^"]*)" download>', billing)
    names = {re.search(r"/export/(\w+)\.csv", link).group(1) for link in links}
    assert names == {"scores", "changes", "participation", "questions"}
    for link in links:
        download = browser_client.get(link.replace("&amp;", "&"))
        assert download.status_code == 200 and download.mimetype == "text/csv", link
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert "," in download.get_data(as_text=True).splitlines()[0]


def test_a_customer_survey_reports_by_day_not_wave_with_its_own_words(
        demo_suite, browser_client):
    sign_in(browser_client, ADMIN_KEY)
    customers = demo_suite.demo["surveys"]["customers"]["id"]
    html = browser_client.get(f"/dashboard/surveys/{customers}").get_data(as_text=True)
    options = re.findall(r'<option value="(\w+)"[^>]*>', html[html.index('id="period"'):
                                                           html.index("</select>",
                                                                      html.index('id="period"'))])
    assert options == ["day", "week", "month", "quarter"]
    text = visible_text(html)
    for title in ("Customer AI trust", "Net promoter score", "Satisfied customers",
                  "An AI assistant", "I would avoid AI", "Handled by"):
        assert title in text, title
    assert "handled_by" not in text and "prefer_ai" not in text
    waves = visible_text(browser_client.get(f"/dashboard/surveys/{customers}?period=wave"
                                            ).get_data(as_text=True))
    assert "not reported by wave" in waves and "Last closed week" in waves
    assert "No responses" not in waves
    daily = visible_text(browser_client.get(f"/dashboard/surveys/{customers}?period=day"
                                            ).get_data(as_text=True))
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    assert f"Last closed day: {yesterday.day} {yesterday:%b %Y}" in daily
    assert "Today" in daily and "is still open" in daily


def test_hidden_cells_say_why_and_never_show_their_count(suite, admin_headers, browser_client):
    created = suite.client.post("/api/v1/surveys", headers=admin_headers, json={
        "title": "Small teams", "kind": "employee_pulse", "template": "ai-trust-pulse",
        "segments": ["department"], "anonymity_threshold": 5}).get_json()
    answers = {"ai_confident": 3, "ai_right_answers": 3, "ai_wary": 3, "ai_copilot": 4,
               "job_security": 3, "job_loss_ai": 3, "ai_skills": 4, "role_clarity": 4,
               "ai_control": 3, "monitoring_purpose": 3, "worn_out": 2, "customer_drain": 2,
               "recommend_workplace": 7}
    monday = date.today() - timedelta(days=date.today().weekday() + 7)
    rows = [{"submitted_at": f"{monday.isoformat()}T10:00:00Z", "segment": {"department": name},
             "answers": answers}
            for name, count in (("Large", 12), ("Medium", 9), ("Tiny", 2)) for _ in range(count)]
    imported = suite.client.post(f"/api/v1/surveys/{created['id']}/responses/import",
                                 json={"responses": rows}, headers=admin_headers)
    assert imported.status_code == 201, imported.get_json()
    sign_in(browser_client, ADMIN_KEY)
    html = browser_client.get(f"/dashboard/surveys/{created['id']}").get_data(as_text=True)
    heat = html[html.index('id="heatmap"'):html.index("</table>", html.index('id="heatmap"'))]
    assert "Tiny" in heat and 'class="hidden"' in heat
    assert "hidden to protect a small group" in heat
    assert ">2<" not in heat  # the hidden count itself never appears
    tiny = visible_text(browser_client.get(
        f"/dashboard/surveys/{created['id']}?group=Tiny").get_data(as_text=True))
    assert "AI trust Hidden to protect a small group" in tiny
    assert "the first closed period: nothing to compare with yet" in visible_text(html).lower()


def test_an_unknown_survey_is_a_404_page_and_csv_downloads_say_when_unavailable(
        suite, browser_client):
    sign_in(browser_client, ADMIN_KEY)
    response = browser_client.get("/dashboard/surveys/999999")
    assert response.status_code == 404
    assert "no such page or survey" in response.get_data(as_text=True)
    assert "X-Frame-Options" in response.headers
    assert browser_client.get("/dashboard/surveys/1/export/secrets.csv").status_code == 404


def test_answers_are_kept_a_minute_for_readers_and_never_for_a_revoked_key(
        demo_suite, admin_headers, browser_client):
    analyst = make_key(demo_suite, admin_headers, "analyst")
    sign_in(browser_client, analyst)
    page = f"/dashboard/surveys/{demo_suite.demo['surveys']['pulse']['id']}"
    first = section(browser_client.get(page).get_data(as_text=True), "headline")
    demo_suite.stop("metrics")  # what was just published is answered from what was kept
    again = browser_client.get(page)
    assert again.status_code == 200 and section(again.get_data(as_text=True), "headline") == first
    keys = demo_suite.client.get("/api/v1/api-keys", headers=admin_headers).get_json()["items"]
    key_id = next(k["id"] for k in keys if k["role"] == "analyst")
    assert demo_suite.client.delete(f"/api/v1/api-keys/{key_id}",
                                    headers=admin_headers).status_code == 204
    refused = browser_client.get(page)
    assert refused.status_code == 302 and "expired=1" in refused.headers["Location"]


def _settled(client, path: str) -> str:
    """The page once no period of it is still being decided (a few reloads at most)."""
    for _ in range(10):
        html = client.get(path).get_data(as_text=True)
        if 'id="pending"' not in html:
            return html
        time.sleep(0.5)
    raise AssertionError(f"{path} stayed pending")


def test_a_training_s_impact_and_the_link_to_customers_read_in_words(demo_suite, browser_client):
    sign_in(browser_client, ADMIN_KEY)
    pulse = demo_suite.demo["surveys"]["pulse"]
    waves = pulse["waves"]
    html = _settled(browser_client, (
        f"/dashboard/surveys/{pulse['id']}?period=wave&by=trained&group=yes&compare=no"
        f"&index=ai_trust&before=wave-{waves[5]}&after=wave-{waves[-1]}"))
    impact = visible_text(html[html.index('id="impact"'):html.index('id="impact-form"')])
    assert re.search(r"The change's own effect: \+[\d.]+ \(95% interval [\d.]+–[\d.]+\), "
                     r"significant", impact), impact
    assert "the two groups moved alike" in impact
    linked = visible_text(_settled(browser_client,
                                   f"/dashboard/surveys/{pulse['id']}?index=wellbeing"))
    assert re.search(r"Across \d+ teams the two closely go together \(r = 0\.\d+", linked)
    customers = demo_suite.demo["surveys"]["customers"]["id"]
    assert "Do teams whose staff score higher serve customers better?" in visible_text(
        _settled(browser_client, f"/dashboard/surveys/{customers}"))
