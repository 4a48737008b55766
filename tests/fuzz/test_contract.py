"""Contract fuzzing: schemathesis against a live suite holds every answer to the OpenAPI document.

The suite runs on real sockets with the demo organisation loaded, plus an open wave with
fresh invitation tokens and customer links, so that generated requests reach real data as well
as missing ids. Schemathesis (pinned in pyproject.toml) then runs its four phases (examples,
coverage, fuzzing, stateful) with every check on and a fixed seed, as the bootstrap admin: it
fails on any 5xx, an undocumented status or content type, an answer that breaks its schema,
bad input accepted, valid input refused, a missing `Allow`, auth ignored, and the rest of
`schemathesis run --checks all`.

Bound: schemathesis stops after `MAX_SECONDS` (it repeats fuzzing and stateful runs until
then), so each database costs that plus about 10 s to start the suite and load the demo.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import ADMIN_KEY, start_suite

ROOT = Path(__file__).resolve().parents[2]  # the hooks module is imported from here
SEED = 20261201
MAX_SECONDS = 100
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
# Statuses a request that fits the document may still get: 410 for a closed wave or a link
# not yet open, 422 for what a schema cannot know (an index the survey does not have, a
# trend with too few periods).
VALID_BUT_REFUSED = ["2xx", "401", "403", "404", "409", "410", "422"]


def _call(suite, method: str, path: str, status: int, **kwargs) -> dict:
    answer = suite.client.open(path, method=method, headers=ADMIN, **kwargs)
    assert answer.status_code == status, answer.get_data(as_text=True)
    return answer.get_json()


def _known_values(suite) -> dict[str, list]:
    """Return ids, metrics, questions, selectors and tokens that exist in the loaded suite."""
    surveys = _call(suite, "GET", "/api/v1/surveys", 200)["items"]
    values: dict[str, list] = {"survey_id": [], "wave_id": [], "metric": [], "question": [],
                               "selector": ["", "period:2026-Q3"], "token": []}
    for survey in surveys:
        values["survey_id"].append(survey["id"])
        for index in survey["indices"]:
            values["metric"] += [f"index:{index['key']}", f"alpha:{index['key']}"]
        for question in survey["questions"]:
            values["question"].append(question["key"])
            if question["type"] != "text":
                values["metric"] += [f"item:{question['key']}", f"top2:{question['key']}"]
        attribute = survey["segments"][0]
        rows = _call(suite, "GET", f"/api/v1/surveys/{survey['id']}/scores", 200, query_string={
            "metric": f"index:{survey['indices'][0]['key']}", "segment_by": attribute,
            "period": "quarter"})
        for row in rows["series"][:3]:
            values["selector"].append(f"segment:{attribute}={row['segment'][attribute]}")
    pulse, customers = surveys[0]["id"], surveys[1]["id"]
    now = datetime.now(UTC).replace(microsecond=0)
    wave = _call(suite, "POST", f"/api/v1/surveys/{pulse}/waves", 201, json={
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=2)).isoformat()})
    values["wave_id"] = [wave["id"], wave["id"] - 1]
    values["token"] = _call(suite, "POST", f"/api/v1/waves/{wave['id']}/invitations", 201, json={
        "respondents": [{"segment": {}} for _ in range(20)]})["tokens"]
    for number in range(20):
        values["token"].append(_call(suite, "POST", f"/api/v1/surveys/{customers}/links", 201,
                                     json={"interaction_id": f"fuzz-{number}"})["token"])
    return values


def _config(values: dict[str, list]) -> str:
    """Return the schemathesis.toml of the run (TOML written out: its values are JSON-like)."""
    dictionaries = "\n".join(f"[dictionaries.{name}]\nvalues = {json.dumps(found)}\n"
                             for name, found in values.items())
    bindings = {"path.survey_id": "survey_id", "path.wave_id": "wave_id", "path.token": "token",
                "body.token": "token", "query.metric": "metric", "query.outcome": "metric",
                "query.question": "question", "query.a": "selector", "query.b": "selector",
                "query.selector": "selector"}
    parameters = "\n".join(f'"{key}" = {{ dictionary = "{name}", probability = 0.5 }}'
                           for key, name in bindings.items())
    return f"""
seed = {SEED}
workers = 1
max-time = {MAX_SECONDS}

# Nothing kept from earlier runs: the seed alone decides what is sent.
[cache]
enabled = false

[generation]
database = "none"

[checks]
enabled = true

[checks.positive_data_acceptance]
expected-statuses = {json.dumps(VALID_BUT_REFUSED)}

[phases.stateful]
enabled = true

{dictionaries}
[parameters]
{parameters}
"""


@pytest.fixture
def fuzz_suite(settings_factory):
    """The suite with the demo loaded; the respondent rate limit off (one client address)."""
    from services.demo import load_demo

    running = start_suite(replace(settings_factory(), respondent_rate_limit=0))
    load_demo(gateway_url=running.url("gateway"), admin_key=ADMIN_KEY)
    yield running
    running.shutdown()


def test_every_answer_holds_to_the_openapi_document(fuzz_suite, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(_known_values(fuzz_suite)))
    url = fuzz_suite.url("gateway")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.fuzz.contract_hooks",
           "TRUSTPULSE_FUZZ_PROTECTED_KEYS": "1"}  # the bootstrap admin key's id
    run = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
         f"{url}/api/openapi.json", "--url", url, "-H", f"Authorization: Bearer {ADMIN_KEY}",
         "--no-color", "--report", "ndjson", "--report-dir", str(tmp_path)],
        check=False, cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=MAX_SECONDS + 120)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-3000:]
