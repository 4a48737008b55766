"""Example answers of the analytics endpoints, shown in the API reference (invented figures)."""

from __future__ import annotations

_SUPPORT = {"department": "Support"}
_HEDGES = {"name": "hedges_g", "value": 0.47}

SCORES = {
    "survey_id": 1, "metric": "index:ai_trust", "period": "week", "segment_by": ["department"],
    "threshold": 5,
    "series": [
        {"period": "2026-W40", "start": "2026-09-28", "end": "2026-10-04", "segment": _SUPPORT,
         "n": 37, "value": 63.2, "ci_low": 58.1, "ci_high": 68.3, "suppressed": False},
        {"period": "2026-W40", "start": "2026-09-28", "end": "2026-10-04",
         "segment": {"department": "Legal"}, "n": None, "value": None, "ci_low": None,
         "ci_high": None, "suppressed": True},
    ],
}

COMPARE = {
    "metric": "index:ai_trust", "a": {"n": 41, "value": 61.0}, "b": {"n": 37, "value": 66.4},
    "difference": 5.4, "test": "welch_t", "statistic": 2.1, "p_value": 0.039,
    "effect_size": _HEDGES, "significant": True, "suppressed": False,
}

DISTRIBUTION = {
    "question": "preference",
    "a": {"n": 41, "counts": {"prefer_ai": 9, "no_preference": 14, "prefer_human": 15,
                              "avoid_ai": 3}},
    "b": {"n": 37, "counts": {"prefer_ai": 4, "no_preference": 10, "prefer_human": 17,
                              "avoid_ai": 6}},
    "test": "chi_square", "statistic": 7.9, "df": 3, "p_value": 0.048,
    "effect_size": {"name": "cramers_v", "value": 0.32}, "suppressed": False,
}

CHANGES = {
    "metric": "index:ai_trust", "period": "month", "segment_by": ["department"],
    "items": [{
        "segment": _SUPPORT,
        "a": {"period": "2026-08", "start": "2026-08-03", "end": "2026-08-30", "n": 40,
              "value": 66.1},
        "b": {"period": "2026-09", "start": "2026-08-31", "end": "2026-09-27", "n": 38,
              "value": 59.8},
        "difference": -6.3, "test": "welch_t", "statistic": -2.6, "p_value": 0.011,
        "effect_size": {"name": "hedges_g", "value": -0.58}, "significant": True,
        "p_adjusted": 0.033, "suppressed": False,
    }],
}

TREND = {
    "metric": "index:ai_trust", "period": "month", "segment": _SUPPORT, "periods": 6,
    "labels": ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"],
    "values": [68.0, 67.2, 66.9, 65.1, 66.1, 59.8],
    "mann_kendall": {"s": -13, "tau": -0.87, "z": -2.25, "p_value": 0.024},
    "sen_slope": -1.4, "direction": "decreasing", "suppressed": False,
}

DRIVERS = {
    "outcome": "index:ai_trust", "selector": "period:2026-Q3", "n": 212, "r_squared": 0.41,
    "items": [{"question": "transparency", "correlation": 0.55, "weight": 0.17},
              {"question": "control", "correlation": 0.49, "weight": 0.14},
              {"question": "job_security", "correlation": 0.38, "weight": 0.10}],
    "suppressed": False,
}

COMMENTS = {
    "question": "comment", "selector": "segment:department=Support", "n": 37,
    "comments": ["The assistant drafts replies well, but I want to edit them before they go.",
                 "More training on when to hand over to a person, please."],
    "suppressed": False,
}

ALERTS = {
    "items": [{
        "id": 12, "survey_id": 1, "metric": "index:ai_trust", "period_kind": "month",
        "segment": _SUPPORT, "period_a": "2026-08", "period_b": "2026-09", "value_a": 66.1,
        "value_b": 59.8, "difference": -6.3, "p_value": 0.011, "p_adjusted": 0.033,
        "created_at": "2026-09-28T06:00:00Z",
    }],
    "next_cursor": None,
}

SNAPSHOTS = {
    "items": [{
        "id": 301, "survey_id": 1, "metric": "index:ai_trust", "period_kind": "week",
        "period": "2026-W39", "segment": {}, "n": 212, "value": 64.0, "ci_low": 61.7,
        "ci_high": 66.3, "suppressed": False, "computed_at": "2026-09-28T06:00:00Z",
    }],
    "next_cursor": None,
}

IMPACT = {
    "metric": "index:ai_trust",
    "before": {"period": "2026-07", "start": "2026-06-29", "end": "2026-08-02"},
    "after": {"period": "2026-09", "start": "2026-08-31", "end": "2026-09-27"},
    "treated": {"before": {"n": 96, "value": 54.1}, "after": {"n": 91, "value": 65.8}},
    "control": {"before": {"n": 102, "value": 53.7}, "after": {"n": 99, "value": 55.0}},
    "estimate": 10.4, "std_error": 3.1, "ci_low": 4.3, "ci_high": 16.5, "z": 3.35,
    "p_value": 0.0008, "confidence": 0.95,
    "pre_trend": {"periods": 5, "slope": 0.3, "std_error": 0.9, "z": 0.33, "p_value": 0.74,
                  "reason": None},
    "reason": None, "suppressed": False,
}

LINKAGE = {
    "employee": {"survey_id": 1, "metric": "index:wellbeing"},
    "customer": {"survey_id": 2, "metric": "item:csat"}, "by": "team",
    "from": "2026-09-07", "to": "2026-11-29",
    "points": [{"segment": {"team": "Support North"}, "employee": {"n": 640, "value": 54.8},
                "customer": {"n": 1870, "value": 3.51}},
               {"segment": {"team": "Tech Network"}, "employee": {"n": 590, "value": 34.6},
                "customer": {"n": 1842, "value": 3.12}}],
    "groups": 8, "pearson": {"r": 0.92, "ci_low": 0.61, "ci_high": 0.99, "p_value": 0.001},
    "spearman": {"rho": 0.93, "p_value": 0.001}, "confidence": 0.95, "reason": None,
}

PARTICIPATION = {
    "survey_id": 1, "period": "wave", "segment_by": ["department"], "threshold": 5,
    "series": [
        {"period": "wave-12", "start": "2026-09-28", "end": "2026-10-02", "segment": _SUPPORT,
         "open": False, "invited": 52, "responded": 37, "rate": 0.7115, "suppressed": False},
        {"period": "wave-13", "start": "2026-10-05", "end": "2026-10-09", "segment": _SUPPORT,
         "open": True, "invited": 52, "responded": 12, "rate": 0.2308, "suppressed": False},
        {"period": "wave-13", "start": "2026-10-05", "end": "2026-10-09",
         "segment": {"department": "Legal"}, "open": True, "invited": None, "responded": None,
         "rate": None, "suppressed": True},
    ],
}

QUESTIONS = {
    "survey_id": 1, "selector": "period:2026-09;segment:department=Support", "threshold": 5,
    "n": 37, "suppressed": False,
    "items": [{"question": "job_loss_ai", "text": "I worry that AI will take over my job.",
               "type": "likert5", "required": True, "reverse": True, "n": 37, "mean": 3.4,
               "ci_low": 3.0, "ci_high": 3.8,
               "distribution": {"1": 0.08, "2": 0.16, "3": 0.24, "4": 0.3, "5": 0.22},
               "favourable": 0.24, "neutral": 0.24, "unfavourable": 0.52,
               "suppressed": False}],
}
