"""Kept decisions read back through each process's memory, on SQLite and PostgreSQL."""

import sqlalchemy as sa

from services.metrics import create_app as metrics_app
from services.metrics.analytics.decisions import Decision, DecisionStore

TEAM, WEEK = ("team",), "2026-W10"


def _cell_reads(engine) -> list:
    """Return a list that collects every statement reading the decisions' cells."""
    reads = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "cells" in statement and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    return reads


def test_decisions_are_read_once_and_again_when_another_process_replaces_them(service_app):
    engine = service_app(metrics_app).extensions["trustpulse_engine"]
    ours, theirs = DecisionStore(engine), DecisionStore(engine)
    first = Decision(TEAM, WEEK, 5, {("A",): (7, False), ("B",): (3, True)})
    ours.save(1, "respondents", [first], set())
    reads = _cell_reads(engine)
    assert ours.load(1, "respondents", [TEAM]) == {(TEAM, WEEK): first}
    assert ours.load(1, "respondents", [TEAM]) == {(TEAM, WEEK): first}
    assert len(reads) == 1  # the second load read only the keys and their decided_at
    # Another process re-decides the week (an import) and decides one more.
    replaced = Decision(TEAM, WEEK, 5, {("A",): (8, False), ("B",): (3, True)})
    later = Decision(TEAM, "2026-W11", 5, {("A",): (9, False)})
    theirs.save(1, "respondents", [replaced, later], {(TEAM, WEEK)})
    assert ours.load(1, "respondents", [TEAM]) == {(TEAM, WEEK): replaced,
                                                  (TEAM, "2026-W11"): later}
    # Gone from the database (a survey deleted): gone from the answer.
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM anonymity_decisions WHERE period = :p"), {"p": WEEK})
    assert ours.load(1, "respondents", [TEAM]) == {(TEAM, "2026-W11"): later}
    assert ours.load(1, "comments", [TEAM]) == {}


def test_kept_decisions_are_bounded_in_cells(service_app):
    engine = service_app(metrics_app).extensions["trustpulse_engine"]
    store = DecisionStore(engine, max_cells=3)
    decisions = [Decision((a,), WEEK, 5, {("x",): (7, False), ("y",): (7, False)})
                 for a in ("team", "role")]
    store.save(1, "respondents", decisions, set())
    reads = _cell_reads(engine)
    for attributes in (("team",), ("role",), ("team",)):
        assert store.load(1, "respondents", [attributes]) == {(attributes, WEEK): decisions[
            0 if attributes == ("team",) else 1]}
    assert len(reads) == 3  # room for one attribute set: each read drops the other
