"""Participation of an open wave: the one live number, decided at every read.

Nothing else of an open wave is published, and only counts of it: how many of a group have
responded so far. Each read decides the wave's table as it stands (`decide_period` over the
wave's units, at the anonymity threshold, with complementary suppression across the
attribute set and its coarser sets) and keeps the decision under the scope `participation`,
one per (survey, attribute set, wave). The next read starts from it, so a group shown live
stays shown, unless keeping it would now give a small group away (`keeping`); when the wave
closes, its respondents decision starts from the last one (`publication.ensure_decisions`),
so what scores and participation publish of the closed wave never combines with what was
shown live into a small group.
"""

from __future__ import annotations

from services.metrics.analytics.decisions import Decision, subsets
from services.metrics.analytics.keeping import decide_keeping
from services.metrics.analytics.publication import (
    LIVE_SCOPE,
    RESPONDENTS_THRESHOLD,
    Analytics,
    Scope,
    read_units,
)
from services.metrics.analytics.timeline import parse_time


def open_waves(survey: dict, now) -> list[str]:
    """Return the labels of the waves open at `now` (opened and not closed), oldest first."""
    return [f"wave-{w['id']}" for w in sorted(survey.get("waves", []), key=lambda w: w["id"])
            if parse_time(w["opens_at"]) <= now < parse_time(w["closes_at"])]


def live_decision(ctx: Analytics, survey: dict, attributes: tuple, label: str) -> Decision:
    """Return the decision of an open wave's respondents over `attributes` as of now."""
    timeline = ctx.timeline(survey)
    levels = subsets(attributes)
    units = read_units(ctx, survey, Scope(), attributes, timeline, [label])
    stored = ctx.store.load(survey["id"], LIVE_SCOPE, levels)
    threshold = int(survey[RESPONDENTS_THRESHOLD])
    made: dict = {}
    for level in levels:  # coarser sets first: each is known to the finer ones
        key = (level, label)
        known = {(sub, label): made[(sub, label)] for sub in subsets(level) if sub != level}
        made[key] = decide_keeping(timeline, units.project(level), label, threshold, known,
                                   stored.get(key))
    changed = [decision for key, decision in made.items() if decision != stored.get(key)]
    if changed:
        # One transaction: a reader racing this one stores its whole set, or this one does.
        made.update(ctx.store.save(survey["id"], LIVE_SCOPE, changed,
                                   {key for key in made if key in stored}))
    return made[(attributes, label)]
