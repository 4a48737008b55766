"""Raw answer sets for the statistics tests, and the summaries built from them.

The tests generate raw answers, build histograms and moments from them here (the way the
survey service does), run the engine on those, and the reference libraries on the raw data.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from services.metrics.stats import Moments
from shared.summaries import SummaryLayout

# Two cores: keep each property at a modest number of examples.
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TOLERANCE = 1e-9

LIKERT = list(range(1, 6))
SCALE11 = list(range(11))


def likert_answers(min_size: int = 0, max_size: int = 60):
    """Strategy: a list of likert5 answers."""
    return st.lists(st.integers(1, 5), min_size=min_size, max_size=max_size)


def scale11_answers(min_size: int = 0, max_size: int = 60):
    """Strategy: a list of 0-10 answers."""
    return st.lists(st.integers(0, 10), min_size=min_size, max_size=max_size)


def histogram(answers, values=LIKERT) -> dict:
    """Return the histogram of raw answers over every possible value, zeros included."""
    counts = Counter(answers)
    return {v: counts.get(v, 0) for v in values}


def close(ours, reference, tol: float = TOLERANCE) -> bool:
    """Return whether an engine value matches a reference value (NaN reference: None)."""
    if reference is None or (isinstance(reference, float) and math.isnan(reference)):
        return ours is None
    if ours is None:
        return False
    return math.isclose(float(ours), float(reference), rel_tol=tol, abs_tol=tol)


def definition(p: int, reverse: tuple[int, ...] = ()) -> dict:
    """Return a survey definition of ``p`` likert5 items, one index over all of them."""
    questions = [
        {"key": f"q{i}", "text": f"Q{i}", "type": "likert5", "reverse": i in reverse}
        for i in range(p)
    ]
    questions.append({"key": "enps", "text": "Recommend?", "type": "scale11"})
    return {"questions": questions,
            "indices": [{"key": "trust", "items": [f"q{i}" for i in range(p)]}]}


def rows_of(matrix: np.ndarray, enps=None) -> list[dict]:
    """Return response answer dicts from an (n, p) matrix of likert answers."""
    rows = []
    for r, line in enumerate(np.asarray(matrix)):
        answers = {f"q{i}": int(v) for i, v in enumerate(line)}
        answers["enps"] = int(enps[r]) if enps is not None else 7
        rows.append(answers)
    return rows


def summary_of(layout: SummaryLayout, rows: list[dict]):
    """Return the `Summary` of responses, as the survey service builds it."""
    return layout.decode(len(rows), layout.encode_many(rows))


def likert_matrix(min_rows: int = 0, max_rows: int = 40, min_cols: int = 2, max_cols: int = 5):
    """Strategy: an (n, p) integer matrix of likert answers."""
    return st.integers(min_cols, max_cols).flatmap(
        lambda p: st.lists(st.lists(st.integers(1, 5), min_size=p, max_size=p),
                           min_size=min_rows, max_size=max_rows)
        .map(lambda rows, p=p: np.array(rows, dtype=int).reshape(len(rows), p))
    )


def moments_of(matrix: np.ndarray) -> Moments:
    """Return exact moments of an (n, p) integer answer matrix."""
    rows = [[int(v) for v in line] for line in matrix]
    p = matrix.shape[1]
    return Moments(
        n=len(rows),
        sums=tuple(sum(r[i] for r in rows) for i in range(p)),
        cross=tuple(tuple(sum(r[i] * r[j] for r in rows) for j in range(p)) for i in range(p)),
    )
