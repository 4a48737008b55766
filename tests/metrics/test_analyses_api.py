"""Minimum detectable effects, impact and linkage through the gateway, on imported responses.

References, on the same raw rows: statsmodels ``TTestIndPower`` / ``NormalIndPower`` (power
0.8 at the answer's `mde`), statsmodels ``OLS(y, [1, T, A, T*A]).fit(cov_type="HC2")`` and
``WLS(..., weights=1/v).fit(cov_type="fixed scale")`` (impact and its pre-trend), scipy
``pearsonr`` / ``spearmanr`` on the teams' raw means (linkage).
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower

from shared.periods import period_range
from tests.metrics.factories import answers, customer_survey, pulse_survey, until_decided
from tests.metrics.test_analyses_service import _ols_hc2, _pre_trend_wls
from tests.metrics.test_analytics_service import index_scores
from tests.stats.test_power import POWER, assert_welch_power

START = date(2026, 6, 1)  # a Monday: ISO week 23
WEEKS = 16  # weeks 23 to 38, all closed long before the tests run
TRAINED_FROM = date(2026, 8, 3)  # week 32
TEAMS = {"T1": -0.5, "T2": -0.2, "T3": 0.0, "T4": 0.25, "T5": 0.5}


def _pulse_rows(rng) -> list[dict]:
    rows = []
    for week in range(WEEKS):
        for team, shift in TEAMS.items():
            for i in range(6):
                day = START + timedelta(days=7 * week + i % 5)
                trained = "yes" if i % 2 else "no"
                rise = 1.0 if trained == "yes" and day >= TRAINED_FROM else 0.0
                rows.append({"day": day, "segment": {
                    "department": "Support" if i < 4 else "Sales", "trained": trained,
                    "team": team}, "answers": answers(rng, shift + rise)})
    return rows


def _customer_rows(rng) -> list[dict]:
    rows = []
    for offset in range(7 * WEEKS):
        day = START + timedelta(days=offset)
        for team, shift in TEAMS.items():
            for _ in range(5):
                rows.append({"day": day, "segment": {"team": team}, "answers": {
                    "csat": max(1, min(5, round(rng.gauss(3.3 + shift, 1.0)))),
                    "recommend": rng.randrange(11), "preference": "prefer_ai"}})
    return rows


def _create(client, headers, definition: dict, rows: list[dict]) -> int:
    body = {key: definition[key] for key in ("title", "kind", "segments", "questions",
                                             "indices", "anonymity_threshold")}
    created = client.post("/api/v1/surveys", json=body, headers=headers)
    assert created.status_code == 201, created.json
    survey_id = created.json["id"]
    imported = client.post(f"/api/v1/surveys/{survey_id}/responses/import", headers=headers,
                           json={"responses": [{"submitted_at": f"{r['day']}T10:00:00Z",
                                                "segment": r["segment"],
                                                "answers": r["answers"]} for r in rows]})
    assert imported.status_code == 201, imported.json
    return survey_id


@pytest.fixture
def surveys(suite, admin_headers):
    """A pulse (department, trained, team) and a customer survey (team), imported."""
    rng = random.Random(21)
    pulse, customers = _pulse_rows(rng), _customer_rows(rng)
    pulse_id = _create(suite.client, admin_headers,
                       pulse_survey(segments=("department", "trained", "team")), pulse)
    customer_id = _create(suite.client, admin_headers, customer_survey(segments=("team",)),
                          customers)
    return {"pulse": (pulse_id, pulse), "customers": (customer_id, customers)}


def _raw(rows, period: str | None = None, **where) -> list[dict]:
    """The answers of rows in a calendar period (None: all) matching segment values."""
    first, last = period_range(period) if period else (date.min, date.max)
    return [r["answers"] for r in rows if first <= r["day"] <= last
            and all(r["segment"][a] == v for a, v in where.items())]


def _get(suite, headers, path: str, **params):
    return until_decided(lambda: suite.client.get(path, query_string=params, headers=headers))


def test_mde_impact_and_linkage_through_the_gateway_match_the_references(
        suite, admin_headers, surveys):
    pulse_id, pulse = surveys["pulse"]
    customer_id, customers = surveys["customers"]
    base = f"/api/v1/surveys/{pulse_id}"

    compare = _get(suite, admin_headers, f"{base}/compare", metric="index:ai_trust",
                   a="segment:department=Support", b="segment:department=Sales", alpha="0.1")
    assert compare.status_code == 200, compare.json
    assert_welch_power(compare.json["mde"], index_scores(_raw(pulse, department="Support")),
                       index_scores(_raw(pulse, department="Sales")), 0.1)

    changes = _get(suite, admin_headers, f"{base}/changes", metric="top2:job_security",
                   period="month", segment_by="team")
    assert changes.status_code == 200 and len(changes.json["items"]) == len(TEAMS)
    for row in changes.json["items"]:
        team = row["segment"]["team"]
        a, b = (_raw(pulse, row[side]["period"], team=team) for side in ("a", "b"))
        hits = sum(x["job_security"] >= 4 for x in a + b)
        pooled = hits / (len(a) + len(b))
        effect = row["mde"] / math.sqrt(pooled * (1 - pooled))
        assert NormalIndPower().power(effect, len(a), 0.05, ratio=len(b) / len(a)) == \
            pytest.approx(POWER)  # statsmodels NormalIndPower

    impact = _get(suite, admin_headers, f"{base}/impact", metric="index:ai_trust",
                  treated="segment:trained=yes", control="segment:trained=no",
                  before="2026-W30", after="2026-W37")
    assert impact.status_code == 200, impact.json
    cells = [index_scores(_raw(pulse, p, trained=t))
             for t in ("yes", "no") for p in ("2026-W30", "2026-W37")]
    fit = _ols_hc2(cells)  # statsmodels OLS, HC2
    assert impact.json["estimate"] == pytest.approx(fit.params[3])
    assert impact.json["std_error"] == pytest.approx(fit.bse[3])
    assert impact.json["p_value"] == pytest.approx(fit.pvalues[3])
    weeks = [f"2026-W{w}" for w in range(23, 30)]
    wls = _pre_trend_wls(weeks, lambda p: _raw(pulse, p, trained="yes"),
                         lambda p: _raw(pulse, p, trained="no"))  # statsmodels WLS
    assert impact.json["pre_trend"]["periods"] == len(weeks)
    assert impact.json["pre_trend"]["slope"] == pytest.approx(wls.params[1])
    assert impact.json["pre_trend"]["p_value"] == pytest.approx(wls.pvalues[1])

    linkage = _get(suite, admin_headers, "/api/v1/linkage", by="team",
                   employee=f"{pulse_id}:index:ai_trust", customer=f"{customer_id}:item:csat")
    assert linkage.status_code == 200, linkage.json
    assert [p["segment"]["team"] for p in linkage.json["points"]] == list(TEAMS)
    x = [index_scores(_raw(pulse, team=t)).mean() for t in TEAMS]
    y = [np.mean([a["csat"] for a in _raw(customers, team=t)]) for t in TEAMS]
    pearson, spearman = stats.pearsonr(x, y), stats.spearmanr(x, y)  # scipy
    assert linkage.json["pearson"]["r"] == pytest.approx(pearson.statistic)
    assert linkage.json["pearson"]["p_value"] == pytest.approx(pearson.pvalue)
    assert linkage.json["pearson"]["ci_low"] == pytest.approx(
        pearson.confidence_interval().low)
    assert linkage.json["spearman"]["rho"] == pytest.approx(spearman.statistic)
    assert linkage.json["points"][0]["customer"]["n"] == len(_raw(customers, team="T1"))


BAD_QUERIES = [
    ("impact", {"before": "2026-07", "after": "2026-W37"}, 422, "after"),
    ("impact", {"before": "2026-W37", "after": "2026-W30"}, 422, "before"),
    ("impact", {"before": "2026-W30", "after": "2027-W10"}, 422, "after"),
    ("impact", {"treated": "segment:trained=yes;period:2026-W30"}, 422, "treated"),
    ("impact", {"control": "segment:shift=night"}, 422, "control"),
    ("impact", {"treated": None}, 422, "treated"),
    ("linkage", {"employee": "pulse:index:ai_trust"}, 422, "employee"),
    ("linkage", {"employee": "01:index:ai_trust"}, 422, "employee"),
    ("linkage", {"by": "department"}, 422, "by"),
    ("linkage", {"from": "2026-09-01", "to": "2026-08-01"}, 422, "from"),
    ("linkage", {"from": "2026-10-05"}, 422, "by"),
    ("linkage", {"customer": "999999:item:csat"}, 404, None),
]


def test_bad_impact_and_linkage_queries(suite, admin_headers, surveys):
    pulse_id, _ = surveys["pulse"]
    customer_id, _ = surveys["customers"]
    defaults = {
        "impact": {"metric": "index:ai_trust", "treated": "segment:trained=yes",
                   "control": "segment:trained=no", "before": "2026-W30", "after": "2026-W37"},
        "linkage": {"employee": f"{pulse_id}:index:ai_trust",
                    "customer": f"{customer_id}:item:csat", "by": "team"}}
    for path, params, status, field in BAD_QUERIES:
        query = {k: v for k, v in {**defaults[path], **params}.items() if v is not None}
        url = f"/api/v1/surveys/{pulse_id}/impact" if path == "impact" else "/api/v1/linkage"
        answer = _get(suite, admin_headers, url, **query)
        assert answer.status_code == status, (params, answer.json)
        if field:
            assert field in answer.json["error"]["details"], (params, answer.json)


def test_analysts_may_read_impact_and_linkage_and_integrations_may_not(
        suite, admin_headers, surveys):
    pulse_id, _ = surveys["pulse"]
    customer_id, _ = surveys["customers"]
    keys = {role: suite.client.post("/api/v1/api-keys", json={"name": role, "role": role},
                                    headers=admin_headers).json["key"]
            for role in ("analyst", "integration")}
    calls = [(f"/api/v1/surveys/{pulse_id}/impact",
              {"metric": "item:enps", "treated": "segment:trained=yes",
               "control": "segment:trained=no", "before": "2026-06", "after": "2026-09"}),
             ("/api/v1/linkage", {"employee": f"{pulse_id}:nps:enps",
                                  "customer": f"{customer_id}:top2:csat", "by": "team"})]
    for url, params in calls:
        for role, status in (("analyst", 200), ("integration", 403)):
            answer = _get(suite, {"Authorization": f"Bearer {keys[role]}"}, url, **params)
            assert answer.status_code == status, (url, role, answer.json)
        assert _get(suite, {}, url, **params).status_code == 401
    document = suite.client.get("/api/openapi.json").json
    for path in ("/api/v1/surveys/{survey_id}/impact", "/api/v1/linkage"):
        operation = document["paths"][path]["get"]
        assert operation["x-roles"] == ["admin", "analyst"]
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].rsplit("/", 1)[1] in document["components"]["schemas"]
