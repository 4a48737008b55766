"""Summaries groups as numpy arrays, and a survey's days as the atoms' raw material."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.metrics.analytics.atoms import day_labels
from shared.errors import Unavailable
from shared.summaries import SummaryLayout


@dataclass
class DayRows:
    """A survey's day buckets over some attributes, split by wave (0: no wave)."""

    pieces: list  # (ISO week, month, quarter) of each row's day
    waves: list
    values: list
    n: np.ndarray
    counts: np.ndarray  # what the threshold applies to
    vectors: np.ndarray


def group_values(groups: list, attributes: tuple) -> list[tuple]:
    """Return each group's segment values over `attributes` (None where missing)."""
    return [tuple((g.get("segment") or {}).get(a) for a in attributes) for g in groups]


def group_vectors(groups: list, layout: SummaryLayout, parts: tuple = ()) -> np.ndarray:
    """Return the groups' vectors as an int64 matrix, converting only the slots of `parts`."""
    matrix = np.zeros((len(groups), layout.size), dtype=np.int64)
    if not groups:
        return matrix
    if not parts:
        return np.array([g["vector"] for g in groups], dtype=np.int64)
    # The other slots are 0: converting a few columns is much cheaper than whole lists.
    for part in parts:
        first, count = layout.part_slots(part)
        matrix[:, first:first + count] = np.array([g["vector"][first:first + count] for g in groups],
                                                  dtype=np.int64)
    return matrix


def threshold_counts(n: np.ndarray, vectors: np.ndarray, layout: SummaryLayout,
                     count: str | None) -> np.ndarray:
    """Return what the threshold applies to: respondents, or those who answered `count`."""
    if count is None:
        return n
    offset, options = layout.hist_slots[count]
    return vectors[:, offset:offset + len(options)].sum(axis=1)


READ_ATTEMPTS = 3


class _ReadsDisagree(Exception):
    """Responses were stored between the read of the days' totals and that of a wave."""


def fetch_days(source, survey_id: int, attributes: tuple, count: str | None,
               parts: tuple = ()) -> tuple:
    """Return (survey, layout, `DayRows`) of every day of a survey over `attributes`.

    Waves are fetched one by one so that each day's responses split into each wave's and
    those in no wave (the day's total minus the waves'). A response stored between those
    reads would be in its wave but not in its day's total, and shrink the day's group in
    no wave: each wave's read must answer the survey's response count the days' totals
    were read at (its `revision`), or the days are read again.
    """
    for _ in range(READ_ATTEMPTS):
        try:
            return _read_days(source, survey_id, attributes, count, parts)
        except _ReadsDisagree:
            continue
    raise Unavailable("Responses keep arriving while the days are read; try again.",
                      {"service": "survey"})


def _read_days(source, survey_id: int, attributes: tuple, count: str | None,
               parts: tuple) -> tuple:
    survey, groups = source.groups(survey_id, group_by="day", segment_by=attributes,
                                   parts=parts)
    layout = SummaryLayout(survey)
    values = group_values(groups, attributes)
    position = {(g["period"], v): i for i, (g, v) in enumerate(zip(groups, values))}
    outside_n = np.array([g["n"] for g in groups], dtype=np.int64)
    # Unfiltered, the days' totals hold every response: the survey's count at that read.
    total = int(outside_n.sum())
    unchecked = False  # a wave read without a revision (an older survey service)
    outside = group_vectors(groups, layout, parts)
    pieces, waves, kept_values, ns, vectors = [], [], [], [], []
    for wave in survey.get("waves", []):
        answer = source.summaries(survey_id, group_by="day", segment_by=attributes,
                                  wave=wave["id"], parts=parts)
        if answer.revision is None:
            unchecked = True
        elif answer.revision != total:
            raise _ReadsDisagree
        wave_groups = answer.groups
        matrix = group_vectors(wave_groups, layout, parts)
        for i, (g, v) in enumerate(zip(wave_groups, group_values(wave_groups, attributes))):
            j = position.get((g["period"], v))
            if j is None or g["n"] > outside_n[j]:
                raise _ReadsDisagree
            outside_n[j] -= g["n"]
            outside[j] -= matrix[i]
            pieces.append(day_labels(g["period"]))
            waves.append(wave["id"])
            kept_values.append(v)
        ns.append(np.array([g["n"] for g in wave_groups], dtype=np.int64))
        vectors.append(matrix)
    if unchecked and sum(g["n"] for g in source.groups(survey_id, group_by="all",
                                                         parts=parts)[1]) != total:
        raise _ReadsDisagree
    kept = np.flatnonzero(outside_n > 0)
    for j in kept:
        pieces.append(day_labels(groups[j]["period"]))
        waves.append(0)
        kept_values.append(values[j])
    ns.append(outside_n[kept])
    vectors.append(outside[kept])
    n = np.concatenate(ns)
    matrix = np.vstack(vectors)
    return survey, layout, DayRows(pieces, waves, kept_values, n,
                                   threshold_counts(n, matrix, layout, count), matrix)
