"""The dashboard's kept answers: which paths, for how long, and forgetting a survey."""

from __future__ import annotations

import time

from services.gateway.dashboard.answer_cache import AnswerCache
from services.gateway.dashboard.api import Answer, Call


def test_published_analytics_are_kept_live_counts_and_failures_are_not():
    cache = AnswerCache(60)
    scores = Call.of("/api/v1/surveys/3/scores", metric="index:x", period="week")
    live = Call.of("/api/v1/surveys/3/participation", period="wave")
    cache.put(scores, Answer(200, {"series": []}))
    cache.put(live, Answer(200, {"series": []}))
    cache.put(Call.of("/api/v1/surveys/3/changes"), Answer(503, {}))
    assert cache.get(scores) is not None
    assert cache.get(live) is None and cache.get(Call.of("/api/v1/surveys/3/changes")) is None
    assert cache.keeps("/api/v1/alerts") and not cache.keeps("/api/v1/api-keys")
    other = Call.of("/api/v1/surveys/31/scores")
    cache.put(other, Answer(200, {}))
    cache.forget(3)
    assert cache.get(scores) is None and cache.get(other) is not None


def test_answers_expire_and_a_zero_lifetime_keeps_nothing():
    call = Call.of("/api/v1/surveys/1")
    short = AnswerCache(0.05)
    short.put(call, Answer(200, {}))
    time.sleep(0.1)
    assert short.get(call) is None
    none = AnswerCache(0)
    none.put(call, Answer(200, {}))
    assert not none.keeps(call.path)
    none.forget(1)


def test_an_answer_naming_a_period_still_being_decided_is_never_kept():
    cache = AnswerCache(60)
    call = Call.of("/api/v1/surveys/1/scores")
    cache.put(call, Answer(200, {"series": [{"period": "2026-W48", "pending": True}]}))
    assert cache.get(call) is None
    cache.put(call, Answer(200, {"series": [{"period": "2026-W48", "value": 50.0}]}))
    assert cache.get(call) is not None
