"""Analytics values on summaries, checked against reference libraries on the same raw answers."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
import pandas as pd
import pingouin
import pymannkendall
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from services.metrics.analytics import service
from shared.errors import ValidationError
from tests.metrics.factories import LIKERT_ITEMS, analytics, pulse_survey, weekly_responses

START = date(2026, 1, 5)  # a Monday


@pytest.fixture(scope="module")
def source():
    rng = random.Random(42)
    rows = weekly_responses(rng, START, 10, {"Support": 14, "Sales": 9, "Legal": 6},
                            shifts={"Sales": 0.4})
    return analytics(pulse_survey(segments=("department",)), rows)


def index_scores(raw):
    """0-100 index per respondent (reverse items as 6 - x)."""
    survey = pulse_survey()
    reverse = {q["key"] for q in survey["questions"] if q.get("reverse")}
    sums = [sum(6 - a[k] if k in reverse else a[k] for k in LIKERT_ITEMS) for a in raw]
    return np.array([25 * s / len(LIKERT_ITEMS) - 25 for s in sums])


def test_index_scores_match_scipy_t_interval(source):
    answer = service.scores(source, survey_id=1, metric="index:ai_trust", period="month",
                            segment_by="department")
    row = next(r for r in answer["series"]
               if r["period"] == "2026-02" and r["segment"] == {"department": "Support"})
    x = index_scores(source.raw(department="Support", period="2026-02"))
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))  # scipy
    assert row["n"] == len(x)
    assert row["value"] == pytest.approx(x.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))


def test_item_mean_and_share_intervals_match_scipy_and_statsmodels(source):
    item = service.scores(source, survey_id=1, metric="item:enps", period="quarter")
    x = np.array([a["enps"] for a in source.raw(period="2026-Q1")])
    row = item["series"][0]
    assert row["value"] == pytest.approx(x.mean())
    assert row["ci_low"] == pytest.approx(stats.t.interval(0.95, len(x) - 1, x.mean(),
                                                           stats.sem(x))[0])
    share = service.scores(source, survey_id=1, metric="share:preference=avoid_ai",
                           period="quarter")["series"][0]
    hits = sum(a["preference"] == "avoid_ai" for a in source.raw(period="2026-Q1"))
    low, high = proportion_confint(hits, len(x), method="wilson")  # statsmodels
    assert share["value"] == pytest.approx(hits / len(x))
    assert (share["ci_low"], share["ci_high"]) == pytest.approx((low, high))
    top2 = service.scores(source, survey_id=1, metric="top2:training",
                          period="quarter")["series"][0]
    hits = sum(a["training"] >= 4 for a in source.raw(period="2026-Q1"))
    assert top2["ci_high"] == pytest.approx(proportion_confint(hits, len(x), method="wilson")[1])


def test_nps_uses_the_adjusted_wald_interval(source):
    row = service.scores(source, survey_id=1, metric="nps:enps", period="quarter")["series"][0]
    x = np.array([a["enps"] for a in source.raw(period="2026-Q1")])
    promoters, detractors, n = (x >= 9).sum(), (x <= 6).sum(), len(x)
    p, d = (promoters + 0.75) / (n + 3), (detractors + 0.75) / (n + 3)
    half = stats.norm.ppf(0.975) * np.sqrt((p + d - (p - d) ** 2) / (n + 3))
    assert row["value"] == pytest.approx(100 * (promoters - detractors) / n)
    assert row["ci_low"] == pytest.approx(100 * (p - d - half))


def test_alpha_matches_pingouin(source):
    row = service.scores(source, survey_id=1, metric="alpha:ai_trust", period="quarter")["series"][0]
    raw = source.raw(period="2026-Q1")
    frame = pd.DataFrame([{k: 6 - a[k] if k == "control" else a[k] for k in LIKERT_ITEMS}
                          for a in raw])
    alpha, (low, _high) = pingouin.cronbach_alpha(frame)  # pingouin
    assert row["value"] == pytest.approx(alpha)
    assert row["ci_low"] == pytest.approx(low, abs=1e-3)


def test_compare_index_is_welch_t_like_scipy(source):
    answer = service.compare(source, survey_id=1, metric="index:ai_trust",
                             a="segment:department=Support", b="segment:department=Sales")
    a = index_scores(source.raw(department="Support"))
    b = index_scores(source.raw(department="Sales"))
    reference = stats.ttest_ind(b, a, equal_var=False)  # scipy
    assert answer["test"] == "welch_t"
    assert answer["difference"] == pytest.approx(b.mean() - a.mean())
    assert answer["statistic"] == pytest.approx(reference.statistic)
    assert answer["p_value"] == pytest.approx(reference.pvalue)
    g = pingouin.compute_effsize(b, a, eftype="hedges")  # pingouin
    assert answer["effect_size"] == {"name": "hedges_g", "value": pytest.approx(g, rel=1e-3)}


def test_compare_likert_item_is_mann_whitney_like_scipy(source):
    answer = service.compare(source, survey_id=1, metric="item:training",
                             a="period:2026-01", b="period:2026-02")
    a = [r["training"] for r in source.raw(period="2026-01")]
    b = [r["training"] for r in source.raw(period="2026-02")]
    reference = stats.mannwhitneyu(b, a, use_continuity=True, method="asymptotic")  # scipy
    assert answer["test"] == "mann_whitney"
    assert answer["p_value"] == pytest.approx(reference.pvalue)
    assert answer["statistic"] == pytest.approx(reference.statistic)


def test_compare_share_is_pooled_two_proportion_z_like_statsmodels(source):
    answer = service.compare(source, survey_id=1, metric="top2:job_security",
                             a="segment:department=Support", b="segment:department=Sales")
    counts = [sum(r["job_security"] >= 4 for r in source.raw(department=d))
              for d in ("Sales", "Support")]
    sizes = [len(source.raw(department=d)) for d in ("Sales", "Support")]
    z, p = proportions_ztest(counts, sizes)  # statsmodels, pooled
    assert answer["test"] == "two_proportion_z"
    assert answer["statistic"] == pytest.approx(z)
    assert answer["p_value"] == pytest.approx(p)


def test_distribution_is_chi_square_like_scipy(source):
    answer = service.distribution(source, survey_id=1, question="preference",
                                  a="segment:department=Support", b="segment:department=Sales")
    options = ["prefer_ai", "no_preference", "prefer_human", "avoid_ai"]
    table = [[sum(r["preference"] == o for r in source.raw(department=d)) for o in options]
             for d in ("Support", "Sales")]
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)  # scipy
    assert answer["statistic"] == pytest.approx(chi2)
    assert answer["p_value"] == pytest.approx(p)
    assert answer["df"] == dof


def test_changes_adjust_with_benjamini_hochberg_like_statsmodels(source):
    answer = service.changes(source, survey_id=1, metric="index:ai_trust", period="week",
                             segment_by="department")
    rows = answer["items"]
    assert {r["b"]["period"] for r in rows} == {"2026-W11"}
    assert {r["a"]["period"] for r in rows} == {"2026-W10"}
    p = [r["p_value"] for r in rows if r["p_value"] is not None]
    _, adjusted, _, _ = multipletests(p, method="fdr_bh")  # statsmodels
    assert sorted(r["p_adjusted"] for r in rows if r["p_adjusted"] is not None) == \
        pytest.approx(sorted(adjusted))
    ordered = [r["p_adjusted"] for r in rows if r["p_adjusted"] is not None]
    assert ordered == sorted(ordered)


def test_trend_matches_pymannkendall(source):
    answer = service.trend(source, survey_id=1, metric="index:ai_trust", period="week",
                           segment="department=Support")
    reference = pymannkendall.original_test(answer["values"])  # pymannkendall
    assert answer["periods"] == 10
    assert answer["mann_kendall"]["s"] == reference.s
    assert answer["mann_kendall"]["p_value"] == pytest.approx(reference.p)
    assert answer["sen_slope"] == pytest.approx(reference.slope)


def test_trend_lists_only_values_scores_shows():
    rows = weekly_responses(random.Random(3), START, 10, {"Support": 14, "Sales": 9, "Legal": 3})
    fresh = analytics(pulse_survey(segments=("department",)), rows)
    answer = service.trend(fresh, survey_id=1, metric="index:ai_trust", period="week",
                           segment="department=Support")
    shown = [row["value"] for row in service.scores(
        fresh, survey_id=1, metric="index:ai_trust", period="week",
        segment_by="department")["series"]
        if row["segment"] == {"department": "Support"} and not row["suppressed"]]
    assert answer["values"] == shown and answer["periods"] == len(shown)


def test_drivers_correlations_and_weights_add_up_to_r_squared(source):
    answer = service.drivers(source, survey_id=1, outcome="item:enps")
    raw = source.raw()
    y = np.array([a["enps"] for a in raw], dtype=float)
    x = np.array([[a[k] for k in LIKERT_ITEMS] for a in raw], dtype=float)
    design = np.column_stack([np.ones(len(y)), x])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    r_squared = 1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum()  # numpy OLS
    assert answer["r_squared"] == pytest.approx(r_squared)
    assert sum(i["weight"] for i in answer["items"]) == pytest.approx(r_squared)
    for item in answer["items"]:
        column = LIKERT_ITEMS.index(item["question"])
        assert item["correlation"] == pytest.approx(stats.pearsonr(x[:, column], y)[0])


@pytest.mark.parametrize("call, field", [
    (lambda s: service.scores(s, survey_id=1, metric="index:nope", period="week"), "metric"),
    (lambda s: service.scores(s, survey_id=1, metric="nps:training", period="week"), "metric"),
    (lambda s: service.scores(s, survey_id=1, metric="share:preference=maybe", period="week"),
     "metric"),
    (lambda s: service.scores(s, survey_id=1, metric="median:enps", period="week"), "metric"),
    (lambda s: service.scores(s, survey_id=1, metric="item:enps", period="day"), "period"),
    (lambda s: service.compare(s, survey_id=1, metric="item:enps", a="period:2026-01-05",
                               b=""), "a"),
    (lambda s: service.scores(s, survey_id=1, metric="item:enps", period="week",
                              segment_by="team"), "segment_by"),
    (lambda s: service.compare(s, survey_id=1, metric="item:enps", a="period:2026-W99",
                               b=""), "a"),
    (lambda s: service.compare(s, survey_id=1, metric="item:enps", a="",
                               b="segment:department"), "b"),
    (lambda s: service.compare(s, survey_id=1, metric="alpha:ai_trust", a="", b=""), "metric"),
    (lambda s: service.distribution(s, survey_id=1, question="comment", a="", b=""), "question"),
    (lambda s: service.comments(s, survey_id=1, question="enps"), "question"),
    (lambda s: service.trend(s, survey_id=1, metric="item:enps", period="quarter"), "period"),
])
def test_bad_input_is_a_422_naming_the_field_and_what_is_allowed(source, call, field):
    with pytest.raises(ValidationError) as error:
        call(source)
    assert field in error.value.details
    assert error.value.details[field][0]
