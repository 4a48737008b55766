"""Summaries of a survey merged by period and segment, and the comments of a group.

A year of daily buckets over a few dozen segment combinations is some thousands of rows:
each combination is parsed once, each day labelled once, and the vectors of each group
are summed with one numpy `reduceat`.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import orjson
from sqlalchemy.engine import Engine

from services.survey.clock import as_utc, iso_utc
from services.survey.instruments.service import get_survey, survey_layout
from services.survey.summaries import repository
from services.survey.waves.service import survey_waves
from shared.errors import ValidationError
from shared.periods import period_label, period_range, wave_label
from shared.summaries import VECTOR_DTYPE

_rng = random.SystemRandom()


def _check_attributes(survey: dict, field: str, attributes) -> None:
    unknown = sorted(set(attributes) - set(survey["segments"]))
    if unknown:
        raise ValidationError(f"Unknown segment attribute(s): {', '.join(unknown)}.",
                              {field: [(f"Not a segment of this survey: {', '.join(unknown)}; "
                                       f"allowed: {', '.join(survey['segments']) or 'none'}.")]})


def _matching_combos(combos: dict[int, dict], wanted: dict[str, str]) -> list[int] | None:
    """Return the ids of combinations matching every `attr=value`, or None for no filter."""
    if not wanted:
        return None
    return [cid for cid, seg in combos.items()
            if all(seg.get(attr) == value for attr, value in wanted.items())]


def survey_document(*, engine: Engine, survey: dict) -> dict:
    """Return the survey part of the summaries answer: definition, thresholds, waves."""
    return {
        "id": survey["id"], "kind": survey["kind"], "title": survey["title"],
        "segments": survey["segments"], "anonymity_threshold": survey["anonymity_threshold"],
        "comment_threshold": survey["comment_threshold"], "questions": survey["questions"],
        "indices": survey["indices"],
        "waves": [{"id": w["id"], "opens_at": iso_utc(w["opens_at"]),
                   "closes_at": iso_utc(w["closes_at"])}
                  for w in survey_waves(engine=engine, survey_id=survey["id"])],
    }


def _wave_days(engine: Engine, survey_id: int) -> dict[int, str]:
    """Return each wave's opening day (UTC, `YYYY-MM-DD`): the day its responses count on."""
    return {w["id"]: as_utc(w["opens_at"]).date().isoformat()
            for w in survey_waves(engine=engine, survey_id=survey_id)}


def _inside(days: dict[int, str], start: date | None, end: date | None) -> list[int]:
    """Return the waves whose opening day lies in `start`..`end`."""
    return [w for w, day in days.items()
            if (start is None or day >= start.isoformat()) and (end is None or day <= end.isoformat())]


def counted_on_wave_days(rows: list, days: dict[int, str]) -> list[tuple]:
    """Return bucket rows with a wave's rows (wave 0: none) moved to the wave's opening day."""
    return [(days.get(row[1], row[0]), *row[1:]) if row[1] else row for row in rows]


def summaries(*, engine: Engine, survey_id: int, from_: date | None, to: date | None,
              group_by: str, segment_by: list[str], filter: dict[str, str],
              wave: int | None, parts: list[str] | None = None,
              revision: bool = False, shape: str = "groups") -> dict:
    """Return the survey and its bucket summaries merged per (period, segment) group.

    A response through a wave's invitation counts on the wave's opening day, in the
    window and in the periods it is grouped by. `group_by=bucket` answers one group per
    (day, wave, segment), each with its `wave` (null: in no wave).
    With `parts`, only those slots of each vector are read and summed; the others are 0.
    `revision` (when asked, else None) is the survey's response count, counted after the
    groups were read: responses are only added, so a later read answering the same
    revision held exactly the responses it counts. `imports` is how many imports the survey had stored before
    the groups were read: only an import adds responses to a closed period, so groups of
    closed periods read under the same count are still the survey's. `shape="columns"`
    answers the same groups as parallel lists (`columns`), vectors holding only the
    slots of `parts`.
    """
    survey = get_survey(engine=engine, survey_id=survey_id)
    _check_attributes(survey, "segment_by", segment_by)
    _check_attributes(survey, "filter", filter)
    layout = survey_layout(engine=engine, survey=survey)
    ranges = None if parts is None else _slot_ranges(layout, parts)
    days = _wave_days(engine, survey_id)
    with engine.connect() as conn:
        imports = repository.count_imports(conn, survey_id=survey_id)
        combos = {cid: orjson.loads(text) for cid, text in
                  repository.fetch_combos(conn, survey_id=survey_id).items()}
        columns = repository.fetch_bucket_columns(
            conn, survey_id=survey_id, start=from_, end=to, wave_id=wave,
            combo_ids=_matching_combos(combos, filter),
            slot_ranges=ranges or [(0, layout.size)], waves_inside=_inside(days, from_, to))
        # Counted after the rows (or from them, when they are all of the survey's), so it
        # includes every response they hold.
        if not revision:
            revision = None
        elif from_ is None and to is None and wave is None and not filter:
            revision = int(columns.n.sum())
        else:
            revision = repository.count_responses(conn, survey_id=survey_id)
    columns = _on_wave_days(columns, days)
    if group_by == "wave":
        columns = columns.take(columns.waves != 0)
    groups, keys = _group_columns(columns, group_by, combos, segment_by)
    counts = np.bincount(groups, weights=columns.n, minlength=len(keys))
    merged = np.zeros((len(keys), layout.size), dtype=VECTOR_DTYPE)
    for block, (first, count) in zip(columns.blocks, ranges or [(0, layout.size)]):
        merged[:, first:first + count] = _grouped_sum(block, groups, len(keys))
    document = {"survey": survey_document(engine=engine, survey=survey), "parts": parts,
                "revision": revision, "imports": imports}
    order = sorted(range(len(keys)), key=lambda g: _group_order(keys[g], group_by, segment_by))
    if shape == "columns":
        slots = np.unique(np.concatenate([np.arange(first, first + count)
                                          for first, count in ranges or [(0, layout.size)]]))
        periods = [keys[g][0] for g in order]
        return {**document, "groups": [], "columns": {
            "periods": [p[0] for p in periods] if group_by == "bucket" else periods,
            "waves": [p[1] for p in periods] if group_by == "bucket" else None,
            "segments": [list(keys[g][1]) for g in order],
            "n": counts[order].astype(np.int64), "slots": slots,
            "vectors": merged[np.ix_(np.asarray(order, dtype=np.int64), slots)]}}
    out = []
    for g in order:
        period, segment = keys[g]
        item = {"period": period, "segment": dict(zip(segment_by, segment)), "n": int(counts[g]),
                "vector": merged[g].tolist()}
        if group_by == "bucket":
            item["period"], item["wave"] = period
        out.append(item)
    return {**document, "groups": out, "columns": None}


def _group_order(key: tuple, group_by: str, segment_by: list[str]) -> tuple:
    """Return the order of a group in the answer: period, wave, then segment."""
    period, segment = key
    day, wave = period if group_by == "bucket" else (period, None)
    return (day or "", wave or 0,
            orjson.dumps(dict(zip(segment_by, segment)), option=orjson.OPT_SORT_KEYS))


def _slot_ranges(layout, parts: list[str]) -> list[tuple[int, int]]:
    """Return the (first slot, count) ranges of the parts, adjacent ones joined; 422 if unknown."""
    spans, unknown = [], []
    for part in parts:
        try:
            spans.append(layout.part_slots(part))
        except ValueError:
            unknown.append(part)
    if unknown:
        raise ValidationError("Unknown summary part(s).", {"parts": [
            f"Not a part of this survey's summaries: {', '.join(unknown)}; "
            + "use hist:<question>, index:<index> or moments."]})
    ranges: list[tuple[int, int]] = []
    for first, count in sorted(spans):
        if ranges and first <= ranges[-1][0] + ranges[-1][1]:
            start = ranges[-1][0]
            ranges[-1] = (start, max(ranges[-1][1], first + count - start))
        else:
            ranges.append((first, count))
    return ranges


_EPOCH = date(1970, 1, 1)


def _on_wave_days(columns: repository.BucketColumns,
                  days: dict[int, str]) -> repository.BucketColumns:
    """Return the columns with a wave's rows (wave 0: none) moved to the wave's opening day."""
    moved = columns.days.copy()
    for wave in np.unique(columns.waves).tolist():
        if wave and wave in days:
            moved[columns.waves == wave] = (date.fromisoformat(days[wave]) - _EPOCH).days
    return replace(columns, days=moved)


def _group_columns(columns: repository.BucketColumns, group_by: str, combos: dict[int, dict],
                   segment_by: list[str]) -> tuple[np.ndarray, list[tuple]]:
    """Return each row's group number and the (period, segment values) of every group."""
    if not len(columns):
        return np.zeros(0, dtype=np.int64), []
    segments = {cid: tuple(seg.get(attr) for attr in segment_by) for cid, seg in combos.items()}
    segment_list = sorted(set(segments.values()), key=repr)
    segment_number = {segment: i for i, segment in enumerate(segment_list)}
    ids = np.array(sorted(combos), dtype=np.int64)
    combo_number = np.array([segment_number[segments[c]] for c in ids.tolist()], dtype=np.int64)
    segment_codes = combo_number[np.searchsorted(ids, columns.combos)]
    if group_by == "all":
        keys, period_codes = np.zeros(1, dtype=np.int64), np.zeros(len(columns), dtype=np.int64)
    elif group_by == "wave":
        keys, period_codes = np.unique(columns.waves, return_inverse=True)
    elif group_by == "bucket":
        keys, period_codes = np.unique(np.stack([columns.days, columns.waves], axis=1), axis=0,
                                       return_inverse=True)
    else:
        keys, period_codes = np.unique(columns.days, return_inverse=True)
    labels = [_period_of(key, group_by) for key in keys.tolist()]
    # Periods that share a label (the days of one week) are one period.
    label_list = sorted(set(labels), key=repr)
    label_number = {label: i for i, label in enumerate(label_list)}
    label_codes = np.array([label_number[label] for label in labels], dtype=np.int64)
    width = max(len(segment_list), 1)
    code = label_codes[period_codes.reshape(-1)] * width + segment_codes
    # Only (period, segment) pairs that hold rows are groups: number them densely.
    used, groups = np.unique(code, return_inverse=True)
    out = [(label_list[c // width], segment_list[c % width]) for c in used.tolist()]
    return groups.reshape(-1), out


def _period_of(key, group_by: str):
    """Return the label of a period key: a wave id, (day, wave) of a bucket, or a day."""
    if group_by == "all":
        return None
    if group_by == "wave":
        return wave_label(key)
    if group_by == "bucket":
        return ((_EPOCH + timedelta(days=key[0])).isoformat(), key[1])
    return period_label(_EPOCH + timedelta(days=key), group_by)


def _grouped_sum(matrix: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Return the per-group column sums of `matrix` (rows assigned by `groups`)."""
    if not n_groups:
        return np.zeros((0, matrix.shape[1]), dtype=matrix.dtype)
    order = np.argsort(groups, kind="stable")
    starts = np.searchsorted(groups[order], np.arange(n_groups))
    return np.add.reduceat(matrix[order], starts, axis=0)


def comments(*, engine: Engine, survey_id: int, question: str, from_: date | None,
             to: date | None, filter: dict[str, str], wave: int | None,
             atom_min: int | None = None) -> dict:
    """Return the group's response count and its answers to a text question, shuffled.

    With `atom_min`, only the answers of responses whose atom (the value of the survey's
    first segment attribute, and the day of a customer survey, or the ISO week and wave (or
    none) of an employee pulse) holds at least `atom_min` of the survey's
    responses, with or without an answer and inside the window or not. Every group a
    selector names is a union of atoms, so however a reader intersects and differences the
    lists, each text stays attributed to at least that many. `n` counts every response of
    the group, those whose answers are withheld included.
    """
    survey = get_survey(engine=engine, survey_id=survey_id)
    text_questions = [q["key"] for q in survey["questions"] if q["type"] == "text"]
    if question not in text_questions:
        raise ValidationError("Not a free-text question of this survey.",
                              {"question": [f"Use one of: {', '.join(text_questions) or 'none'}."]})
    _check_attributes(survey, "filter", filter)
    days = _wave_days(engine, survey_id)
    with engine.connect() as conn:
        combos = {cid: orjson.loads(text) for cid, text in
                  repository.fetch_combos(conn, survey_id=survey_id).items()}
        combo_ids = _matching_combos(combos, filter)
        atom_of = _atom_key(survey, combos)
        rows = repository.fetch_answers(conn, survey_id=survey_id, start=from_, end=to,
                                        wave_id=wave, combo_ids=combo_ids,
                                        waves_inside=_inside(days, from_, to))
        # Counted after the answers were read, so every response they hold is counted:
        # responses are only added, so an atom counted at `atom_min` holds at least that.
        sizes = None if atom_min is None else _atom_sizes(
            conn, survey_id=survey_id, start=from_, end=to, wave=wave, combo_ids=combo_ids,
            days=days, atom_of=atom_of)
    texts = []
    for day, wave_id, combo_id, answers in counted_on_wave_days(rows, days):
        text = json.loads(answers).get(question)
        if text and (sizes is None
                     or sizes.get(atom_of(_as_date(day), wave_id, combo_id), 0) >= atom_min):
            texts.append(text)
    _rng.shuffle(texts)
    return {"n": len(rows), "comments": texts}


def _atom_key(survey: dict, combos: dict[int, dict]):
    """Return the function naming a response's atom: (day or week and wave, reporting value).

    Comments are listed by period and by the survey's first segment attribute only (its
    reporting line), so the finest group any lists' intersections can make is a day (or a
    week and wave) of one value of that attribute.
    """
    first = survey["segments"][0] if survey["segments"] else None
    line = {cid: (segment.get(first) if first else None) for cid, segment in combos.items()}
    if survey["kind"] == "customer_ai":
        return lambda day, wave_id, combo_id: (day, None, line.get(combo_id))
    return lambda day, wave_id, combo_id: (_week_of(day), wave_id, line.get(combo_id))


def _week_of(day: date) -> str:
    return period_label(day, "week")


def _atom_sizes(conn, *, survey_id: int, start: date | None, end: date | None,
                wave: int | None, combo_ids: list[int] | None, days: dict[int, str],
                atom_of) -> dict[tuple, int]:
    """Return the survey's responses per atom of the window.

    Counted from the buckets and the deltas not folded yet, in one read, over whole ISO
    weeks: atoms lie inside weeks, so each atom the window touches is counted whole.
    """
    if start is not None:
        start = period_range(period_label(start, "week"))[0]
    if end is not None:
        end = period_range(period_label(end, "week"))[1]
    rows = repository.fetch_buckets(conn, survey_id=survey_id, start=start, end=end,
                                    wave_id=wave, combo_ids=combo_ids, slot_ranges=[],
                                    waves_inside=_inside(days, start, end))
    sizes: dict[tuple, int] = defaultdict(int)
    for day, wave_id, combo_id, n in counted_on_wave_days(rows, days):
        sizes[atom_of(_as_date(day), wave_id, combo_id)] += int(n)
    return sizes


def _as_date(day) -> date:
    """Return a day read from the database (a date, or `YYYY-MM-DD` text) as a date."""
    return day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
