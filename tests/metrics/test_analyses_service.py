"""Minimum detectable effects and training impact on summaries, checked against reference
libraries on the same raw answers.

References: statsmodels ``TTestIndPower`` and ``NormalIndPower`` (the power at the answer's
`mde` is 0.8), statsmodels ``OLS(y, [1, T, A, T*A]).fit(cov_type="HC2")`` on the raw index
scores (difference in differences), statsmodels ``WLS(..., weights=1/v).fit(cov_type="fixed
scale")`` on per-period raw means (pre-trend).
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import numpy as np
import pytest
import statsmodels.api as sm
from statsmodels.stats.power import NormalIndPower

from services.metrics.analytics import impact as impacts
from services.metrics.analytics import service
from tests.metrics.factories import analytics, answers, pulse_survey, response, until_decided
from tests.metrics.test_analytics_service import index_scores
from tests.stats.test_power import POWER, assert_welch_power

START = date(2026, 1, 5)  # a Monday, in ISO week 2 (January)
TRAINED_FROM_WEEK = 12  # from 2026-03-30: April's first week


def training_rows(seed: int = 5, weeks: int = 20, sizes=(("Support", 14), ("Sales", 10))):
    """Weekly responses; the trained half's answers rise once training has happened."""
    rng = random.Random(seed)
    rows = []
    for week in range(weeks):
        for department, size in sizes:
            for i in range(size):
                trained = "yes" if i % 2 else "no"
                shift = 1.0 if trained == "yes" and week >= TRAINED_FROM_WEEK else 0.0
                shift += 0.3 if department == "Sales" else 0.0
                rows.append(response(START + timedelta(days=7 * week + i % 5),
                                     {"department": department, "trained": trained},
                                     answers(rng, shift)))
    return rows


def impact(ctx, **query) -> dict:
    """The impact answer once its periods are decided."""
    return until_decided(lambda: impacts.impact(ctx, **query))


@pytest.fixture(scope="module")
def source():
    return analytics(pulse_survey(segments=("department", "trained")), training_rows())


def test_compare_mde_of_an_index_has_power_080_in_ttestindpower(source):
    for alpha in (0.05, 0.01):
        answer = service.compare(source, survey_id=1, metric="index:ai_trust", alpha=alpha,
                                 a="segment:department=Support", b="segment:department=Sales")
        a = index_scores(source.raw(department="Support"))
        b = index_scores(source.raw(department="Sales"))
        assert_welch_power(answer["mde"], a, b, alpha)  # statsmodels TTestIndPower
    strict = answer["mde"]
    loose = service.compare(source, survey_id=1, metric="index:ai_trust", alpha=0.2,
                            a="segment:department=Support", b="segment:department=Sales")
    assert loose["mde"] < strict


def test_compare_mde_of_a_likert_item_is_welch_on_the_mean_scale(source):
    answer = service.compare(source, survey_id=1, metric="item:training", alpha=0.1,
                             a="period:2026-01", b="period:2026-02")
    assert answer["test"] == "mann_whitney"
    a = [r["training"] for r in source.raw(period="2026-01")]
    b = [r["training"] for r in source.raw(period="2026-02")]
    assert_welch_power(answer["mde"], a, b, 0.1)  # statsmodels TTestIndPower


def test_compare_mde_of_shares_and_nps_have_power_080_in_normalindpower(source):
    a_rows, b_rows = source.raw(department="Support"), source.raw(department="Sales")
    answer = service.compare(source, survey_id=1, metric="top2:job_security", alpha=0.05,
                             a="segment:department=Support", b="segment:department=Sales")
    hits = [sum(r["job_security"] >= 4 for r in rows) for rows in (a_rows, b_rows)]
    pooled = sum(hits) / (len(a_rows) + len(b_rows))
    effect = answer["mde"] / math.sqrt(pooled * (1 - pooled))
    power = NormalIndPower().power(effect, len(a_rows), 0.05, ratio=len(b_rows) / len(a_rows))
    assert power == pytest.approx(POWER)
    nps = service.compare(source, survey_id=1, metric="nps:enps", alpha=0.01,
                          a="segment:department=Support", b="segment:department=Sales")
    sa, sb = ([(r["enps"] >= 9) - (r["enps"] <= 6) for r in rows] for rows in (a_rows, b_rows))
    sa, sb = np.array(sa, dtype=float), np.array(sb, dtype=float)
    sigma = math.sqrt((sb.size * sa.var() + sa.size * sb.var()) / (sa.size + sb.size))
    power = NormalIndPower().power(nps["mde"] / 100 / sigma, sa.size, 0.01,
                                   ratio=sb.size / sa.size)
    assert power == pytest.approx(POWER)


def test_every_row_of_changes_carries_its_mde_at_the_requested_alpha(source):
    answer = service.changes(source, survey_id=1, metric="index:ai_trust", period="month",
                             segment_by="department", alpha=0.1)
    assert len(answer["items"]) == 2
    for row in answer["items"]:
        department = row["segment"]["department"]
        a = index_scores(source.raw(department=department, period=row["a"]["period"]))
        b = index_scores(source.raw(department=department, period=row["b"]["period"]))
        assert_welch_power(row["mde"], a, b, 0.1)  # statsmodels TTestIndPower


def test_changes_at_an_alpha_above_the_power_answer_with_a_null_mde(source):
    # Found by the contract fuzzer: alpha=0.89 made the MDE's power solve raise (a 500).
    answer = service.changes(source, survey_id=1, metric="index:ai_trust", period="month",
                             segment_by="department", alpha=0.89)
    assert len(answer["items"]) == 2
    assert all(row["mde"] is None and row["p_value"] is not None for row in answer["items"])


def test_a_suppressed_comparison_has_a_null_mde():
    rows = training_rows(weeks=2, sizes=(("Support", 14), ("Legal", 2)))
    small = analytics(pulse_survey(segments=("department", "trained")), rows)
    answer = service.compare(small, survey_id=1, metric="index:ai_trust",
                             a="segment:department=Support", b="segment:department=Legal")
    assert answer["suppressed"] and answer["mde"] is None


def _ols_hc2(groups):
    """statsmodels OLS with an interaction, HC2 errors, on four groups' raw outcomes."""
    y = np.concatenate(groups)
    treated = np.concatenate([np.full(len(g), t) for g, t in zip(groups, (1, 1, 0, 0))])
    after = np.concatenate([np.full(len(g), t) for g, t in zip(groups, (0, 1, 0, 1))])
    design = np.column_stack([np.ones_like(y), treated, after, treated * after])
    return sm.OLS(y, design).fit(cov_type="HC2")


def _pre_trend_wls(periods, treated, control):
    """statsmodels WLS with known variances of the treated - control raw mean differences."""
    d, v = [], []
    for period in periods:
        t, c = (index_scores(x) for x in (treated(period), control(period)))
        d.append(t.mean() - c.mean())
        v.append(t.var(ddof=1) / t.size + c.var(ddof=1) / c.size)
    design = sm.add_constant(np.arange(len(periods), dtype=float))
    return sm.WLS(np.array(d), design, weights=1 / np.array(v)).fit(cov_type="fixed scale")


def test_impact_is_the_ols_interaction_with_hc2_errors_and_a_wls_pre_trend(source):
    answer = impact(source, survey_id=1, metric="index:ai_trust", treated="segment:trained=yes",
                    control="segment:trained=no", before="2026-03", after="2026-05")
    cells = [index_scores(source.raw(trained=t, period=p))
             for t in ("yes", "no") for p in ("2026-03", "2026-05")]
    fit = _ols_hc2(cells)
    assert not answer["suppressed"]
    assert answer["estimate"] == pytest.approx(fit.params[3])
    assert answer["std_error"] == pytest.approx(fit.bse[3])
    assert answer["p_value"] == pytest.approx(fit.pvalues[3])
    assert (answer["ci_low"], answer["ci_high"]) == pytest.approx(tuple(fit.conf_int()[3]))
    assert answer["estimate"] > 0 and answer["p_value"] < 0.05  # the trained rose
    assert answer["treated"]["after"] == {"n": cells[1].size,
                                          "value": pytest.approx(cells[1].mean())}
    assert answer["before"] == {"period": "2026-03", "start": "2026-03-02", "end": "2026-03-29"}
    wls = _pre_trend_wls(["2026-01", "2026-02"], lambda p: source.raw(trained="yes", period=p),
                         lambda p: source.raw(trained="no", period=p))
    trend = answer["pre_trend"]
    assert trend["periods"] == 2
    assert trend["slope"] == pytest.approx(wls.params[1])
    assert trend["p_value"] == pytest.approx(wls.pvalues[1])


def test_impact_of_groups_fixing_several_attributes_reads_each_breakdown(source):
    answer = impact(source, survey_id=1, metric="item:enps", before="2026-02", after="2026-04",
                    treated="segment:department=Sales;segment:trained=yes",
                    control="segment:trained=no")
    groups = [[r["enps"] for r in source.raw(period=p, **where)]
              for where in ({"department": "Sales", "trained": "yes"}, {"trained": "no"})
              for p in ("2026-02", "2026-04")]
    fit = _ols_hc2([np.array(g, dtype=float) for g in groups])
    assert answer["estimate"] == pytest.approx(fit.params[3])
    assert answer["std_error"] == pytest.approx(fit.bse[3])
    assert answer["pre_trend"]["periods"] == 1 and answer["pre_trend"]["slope"] is None


def test_impact_with_a_hidden_cell_is_suppressed_with_every_number_null():
    rows = training_rows(weeks=10)
    rows += [response(date(2026, 2, 3), {"department": "Legal", "trained": "no"},
                      answers(random.Random(1))) for _ in range(3)]
    small = analytics(pulse_survey(segments=("department", "trained")), rows)
    answer = impact(small, survey_id=1, metric="index:ai_trust", before="2026-01",
                    after="2026-02", treated="segment:department=Support;segment:trained=yes",
                    control="segment:department=Legal;segment:trained=no")
    assert answer["suppressed"] is True
    numbers = [answer[k] for k in ("estimate", "std_error", "ci_low", "ci_high", "z", "p_value")]
    numbers += [answer[g][p][k] for g in ("treated", "control") for p in ("before", "after")
                for k in ("n", "value")]
    numbers += [v for k, v in answer["pre_trend"].items() if k != "reason"]
    assert numbers == [None] * len(numbers)


def test_pre_trend_skips_a_period_whose_pair_is_hidden():
    rows = [r for r in training_rows(weeks=20)
            if not (r["segment"]["trained"] == "no" and date(2026, 2, 2) <= r["day"]
                    < date(2026, 3, 2)) or r["day"] == date(2026, 2, 3)]
    sparse = analytics(pulse_survey(segments=("department", "trained")), rows)
    answer = impact(sparse, survey_id=1, metric="index:ai_trust", before="2026-04",
                    after="2026-05", treated="segment:trained=yes", control="segment:trained=no")
    # February's control cell holds at most a handful: the pre-trend uses Jan and March.
    assert answer["pre_trend"]["periods"] == 2
    wls = _pre_trend_wls(["2026-01", "2026-03"], lambda p: sparse.raw(trained="yes", period=p),
                         lambda p: sparse.raw(trained="no", period=p))
    design_gap = sm.WLS(wls.model.endog, sm.add_constant(np.array([0.0, 2.0])),
                        weights=wls.model.weights).fit(cov_type="fixed scale")
    assert answer["pre_trend"]["slope"] == pytest.approx(design_gap.params[1])
    assert answer["pre_trend"]["p_value"] == pytest.approx(design_gap.pvalues[1])


@pytest.mark.parametrize("params, field", [
    ({"before": "2026-03", "after": "2026-W20"}, "after"),
    ({"before": "2026-05", "after": "2026-03"}, "before"),
    ({"before": "2026-03", "after": "2026-03"}, "before"),
    ({"before": "2026-13", "after": "2026-05"}, "before"),
    ({"before": "2026-03-02", "after": "2026-05-04"}, "before"),
    ({"treated": "segment:trained=yes;period:2026-03"}, "treated"),
    ({"treated": "segment:team=A"}, "treated"),
    ({"control": "cohort:no"}, "control"),
    ({"control": "segment:department=Sales"}, "control"),
    ({"treated": "segment:trained=no"}, "control"),
    ({"control": ""}, "control"),
    ({"metric": "alpha:ai_trust"}, "metric"),
])
def test_bad_impact_queries_are_422_naming_the_field(source, params, field):
    from shared.errors import ValidationError

    query = {"metric": "index:ai_trust", "treated": "segment:trained=yes",
             "control": "segment:trained=no", "before": "2026-03", "after": "2026-05", **params}
    with pytest.raises(ValidationError) as error:
        impact(source, survey_id=1, **query)
    assert field in error.value.details and error.value.details[field][0]


def test_an_open_period_is_a_422():
    from datetime import UTC, datetime

    from shared.errors import ValidationError

    early = analytics(pulse_survey(segments=("department", "trained")), training_rows(),
                      now=datetime(2026, 5, 20, tzinfo=UTC))
    with pytest.raises(ValidationError) as error:
        impact(early, survey_id=1, metric="index:ai_trust", treated="segment:trained=yes",
               control="segment:trained=no", before="2026-03", after="2026-05")
    assert "not closed" in error.value.details["after"][0]



def test_periods_still_being_decided_answer_pending_and_hidden(monkeypatch):
    from services.metrics.analytics import cells

    fresh = analytics(pulse_survey(segments=("department", "trained")), training_rows())
    monkeypatch.setattr(cells, "DECISION_BUDGET_SECONDS", 0.0)
    query = {"metric": "index:ai_trust", "treated": "segment:trained=yes",
             "control": "segment:trained=no", "before": "2026-03", "after": "2026-05"}
    first = impacts.impact(fresh, survey_id=1, **query)
    assert first["pending"] is True and first["suppressed"] is True
    assert first["estimate"] is None and first["treated"]["after"]["n"] is None
    settled = impact(fresh, survey_id=1, **query)
    assert "pending" not in settled and settled["estimate"] is not None
