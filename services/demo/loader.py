"""Load the demo organisation into a running suite through its public API."""

from __future__ import annotations

import time
from datetime import date

import requests

from services.demo.plan import DemoPlan, LiveWave, SurveyPlan, build_demo

IMPORT_BATCH = 2000


class DemoError(RuntimeError):
    """The demo could not be loaded; the message says why and what to do."""


class _Api:
    """A thin public-API client that turns every failure into a `DemoError`."""

    def __init__(self, gateway_url: str, admin_key: str, timeout: float):
        self.base = gateway_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers["Authorization"] = f"Bearer {admin_key}"

    def call(self, method: str, path: str, expect: int, **kwargs) -> dict:
        """Send one request; return its JSON, or raise `DemoError` naming the failure."""
        try:
            response = self.session.request(method, self.base + path, timeout=self.timeout,
                                            **kwargs)
        except requests.RequestException as exc:
            raise DemoError(f"Cannot reach the gateway at {self.base}: "
                            f"{type(exc).__name__}.") from None
        if response.status_code != expect:
            try:
                error = response.json()["error"]
                detail = f"{error.get('message')} {error.get('details') or ''}".strip()
            except (ValueError, KeyError, TypeError):
                detail = response.text[:300]
            raise DemoError(f"{method} {path} answered {response.status_code}: {detail}")
        return response.json() if response.content else {}

    def close(self) -> None:
        self.session.close()


def _open_live_wave(api: _Api, survey_id: int, live: LiveWave, answer: bool) -> dict:
    """Open this week's wave, invite everyone, and (if `answer`) send the first answers."""
    wave = api.call("POST", f"/api/v1/surveys/{survey_id}/waves", 201, json=live.wave)
    made = {"id": wave["id"], "status": wave["status"], "invited": 0, "answered": 0}
    if wave["status"] != "open":  # a plan made for another day than today
        return made
    tokens = api.call("POST", f"/api/v1/waves/{wave['id']}/invitations", 201,
                      json={"respondents": [{"segment": s} for s in live.invited]})["tokens"]
    made["invited"] = len(tokens)
    for invitee, answers in live.answers if answer else ():
        api.call("POST", "/api/v1/responses", 201,
                 json={"token": tokens[invitee], "answers": answers})
        made["answered"] += 1
    return made


def _load_survey(api: _Api, survey: SurveyPlan, batch_size: int, answer_live: bool) -> dict:
    created = api.call("POST", "/api/v1/surveys", 201, json=survey.body)
    survey_id = created["id"]
    waves = [api.call("POST", f"/api/v1/surveys/{survey_id}/waves", 201, json=wave)["id"]
             for wave in survey.waves]
    # Past waves are closed: their invitations are recorded, as an import of history would.
    for wave_id in waves if survey.roster else ():
        api.call("POST", f"/api/v1/waves/{wave_id}/invitations", 201, json={
            "respondents": [{"segment": s} for s in survey.roster], "issue_tokens": False})
    imported = 0
    for start in range(0, len(survey.responses), batch_size):
        batch = survey.responses[start:start + batch_size]
        answer = api.call("POST", f"/api/v1/surveys/{survey_id}/responses/import", 201,
                          json={"responses": batch})
        imported += answer.get("imported", len(batch))
    summary = {"id": survey_id, "title": survey.body["title"], "waves": waves,
               "responses": imported}
    if survey.live is not None:
        summary["live_wave"] = _open_live_wave(api, survey_id, survey.live, answer_live)
    if survey.invited:
        per_wave = [0] * len(survey.invited)
        opens = [w["opens_at"][:10] for w in survey.waves]
        for row in survey.responses:
            per_wave[max(i for i, o in enumerate(opens) if row["submitted_at"][:10] >= o)] += 1
        summary["response_rates"] = [round(n / invited, 3)
                                     for n, invited in zip(per_wave, survey.invited)]
    return summary


def load_demo(*, gateway_url: str, admin_key: str, seed: int = 7, force: bool = False,
              today: date | None = None, batch_size: int = IMPORT_BATCH,
              timeout: float = 120.0, answer_live: bool = True) -> dict:
    """Create the demo organisation's surveys, waves and responses through the public API.

    Past waves' responses are imported, and their invitations recorded without tokens (a
    closed wave takes no tokens); this week's wave is opened with an invitation for every
    employee, and with `answer_live` (the default) the first of them answer through their
    invitations, so that participation shows a live figure (nothing else of an open wave is
    published). Refuses (raising `DemoError`) when the
    suite already holds surveys, unless `force`. Returns what was made: each survey's id,
    waves, response count, response rates and open wave.
    """
    api = _Api(gateway_url, admin_key, timeout)
    started = time.monotonic()
    try:
        existing = api.call("GET", "/api/v1/surveys", 200, params={"limit": 1})
        if existing.get("items") and not force:
            raise DemoError("The suite already holds surveys; the demo loads only into an empty "
                            "suite. Use --force (force=True) to add it anyway.")
        plan: DemoPlan = build_demo(seed, today)
        surveys = {s.name: _load_survey(api, s, batch_size, answer_live) for s in plan.surveys}
    finally:
        api.close()
    return {"seed": seed, "today": plan.today.isoformat(), "surveys": surveys,
            "responses": sum(s["responses"] for s in surveys.values()),
            "seconds": round(time.monotonic() - started, 2)}
