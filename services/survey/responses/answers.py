"""Answer validation built from a survey's own definition: one marshmallow schema per survey.

`answers_schema` is the authority on what a valid set of answers is. Imports of many
thousands of rows first try `fast_answers_check`, a compiled check that accepts only
answers the schema accepts too; any row it does not accept goes to the schema, whose
verdict and messages count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from shared.schemas import BaseSchema, Integer, integer_from_text, is_storable_text
from shared.summaries import is_required

TEXT_MAX = 2000
RANGES = {"likert5": (1, 5), "scale11": (0, 10)}


def answer_from_text(value: str, qtype: str):
    """Return an answer given as text (a CSV cell, a form field) typed for its question.

    A number is only plain ASCII digits; anything else stays text, for validation to name.
    """
    if qtype in RANGES:
        number = integer_from_text(value)
        return value if number is None else number
    return value


def _field_for(question: dict) -> fields.Field:
    required = is_required(question)
    common = {"required": required, "allow_none": not required}
    qtype = question["type"]
    if qtype in RANGES:
        low, high = RANGES[qtype]
        return Integer(validate=validate.Range(min=low, max=high), **common)
    if qtype == "choice":
        return fields.String(validate=validate.OneOf(question["options"]), **common)
    return fields.String(validate=validate.Length(max=TEXT_MAX), **common)


def build_answers_schema(survey: dict) -> ma.Schema:
    """Return a schema instance validating answers to `survey`."""
    declared = {q["key"]: _field_for(q) for q in survey["questions"]}
    schema_class = BaseSchema.from_dict(declared, name=f"Survey{survey['id']}AnswersSchema")
    return schema_class()


def validate_answers(schema: ma.Schema, answers: Any, *, prefix: str = "answers") -> dict:
    """Return the loaded answers, or raise marshmallow's error with `prefix.`-named fields."""
    if not isinstance(answers, dict):
        raise ma.ValidationError({prefix: ["Must be an object of answers by question key."]})
    try:
        loaded = schema.load(answers)
    except ma.ValidationError as exc:
        raise ma.ValidationError({f"{prefix}.{field}" if field != "_schema" else prefix: msgs
                                  for field, msgs in exc.messages.items()}) from None
    # Unanswered optional questions are dropped, so stored answers hold only what was said.
    return {key: value for key, value in loaded.items() if value is not None}


def fast_answers_check(survey: dict) -> Callable[[Any], bool]:
    """Return a predicate true only for answers `build_answers_schema` accepts unchanged."""
    checks: dict[str, Callable[[Any], bool]] = {}
    required = set()
    for q in survey["questions"]:
        qtype = q["type"]
        if is_required(q):
            required.add(q["key"])
        if qtype in RANGES:
            low, high = RANGES[qtype]
            checks[q["key"]] = lambda v, lo=low, hi=high: type(v) is int and lo <= v <= hi
        elif qtype == "choice":
            checks[q["key"]] = lambda v, opts=frozenset(q["options"]): type(v) is str and v in opts
        else:
            checks[q["key"]] = lambda v: (type(v) is str and len(v) <= TEXT_MAX
                                          and is_storable_text(v))
    known = frozenset(checks)

    def check(answers: Any) -> bool:
        if type(answers) is not dict or not required.issubset(answers):
            return False
        for key, value in answers.items():
            if key not in known or not checks[key](value):
                return False
        return True

    return check


def answer_columns(survey: dict) -> Callable[[list], dict[str, list] | None]:
    """Return a function giving many answers' values by question (None where unanswered).

    It returns None unless `build_answers_schema` accepts every one of the answers
    unchanged; then the rows are checked one by one. Whole columns are checked with set
    operations, so that a valid import of many rows costs a few passes, not a call per answer.
    """
    specs = []
    for q in survey["questions"]:
        qtype = q["type"]
        required = is_required(q)
        if qtype in RANGES:
            low, high = RANGES[qtype]
            specs.append((q["key"], int, frozenset(range(low, high + 1)), required))
        elif qtype == "choice":
            specs.append((q["key"], str, frozenset(q["options"]), required))
        else:
            specs.append((q["key"], str, None, required))
    known = frozenset(key for key, *_ in specs)

    def columns(answers: list) -> dict[str, list] | None:
        if not all(type(a) is dict for a in answers) or not known.issuperset(
                set().union(*answers)):
            return None
        out = {}
        for key, kind, allowed, required in specs:
            column = [a.get(key) for a in answers]
            kinds = set(map(type, column))
            missing = column.count(None)
            if missing:
                # An optional answer may be left out, but not given as null: the schema
                # drops nulls, which this shortcut does not.
                if required or missing != sum(key not in a for a in answers):
                    return None
                kinds.discard(type(None))
            if not kinds <= {kind}:  # bool is not int here: True == 1 must not pass
                return None
            values = set(column)
            values.discard(None)
            if allowed is not None and not values <= allowed:
                return None
            if allowed is None and values and (max(map(len, values)) > TEXT_MAX
                                               or not is_storable_text("".join(values))):
                return None
            out[key] = column
        return out

    return columns
