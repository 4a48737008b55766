"""Query and answer schemas of `participation` and `questions` (answers as in `answers`)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from services.metrics.answers import AnswerSchema, PeriodRowSchema
from services.metrics.exports import ExportQuerySchema
from services.metrics.schemas import PERIOD, segment_by_field, selector_field


def _number(description: str) -> fields.Float:
    """A number always present, null when hidden or not computable."""
    return fields.Float(required=True, allow_none=True, metadata={"description": description})


def _count(description: str) -> fields.Integer:
    """A count always present, null when hidden."""
    return fields.Integer(required=True, allow_none=True, metadata={"description": description})


class ParticipationQuerySchema(ExportQuerySchema):
    """`participation`: invited against responded per period and segment."""

    period = fields.String(load_default=None, validate=PERIOD, metadata={
        "description": "Default: wave (employee pulses) or week (customer surveys)."})
    segment_by = segment_by_field()


class QuestionsQuerySchema(ExportQuerySchema):
    """`questions`: every non-text question of one group."""

    selector = selector_field(load_default=None)


class ParticipationRowSchema(PeriodRowSchema):
    """One period (or wave) and segment of `participation`."""

    period = fields.String(required=True)
    segment = fields.Dict(keys=fields.String(), required=True)
    open = fields.Boolean(required=True, metadata={
        "description": "An open wave, shown live: counts only."})
    invited = _count("Invitations to the wave(s), or customer links made on the day(s); "
                     "null when hidden or when none was counted.")
    responded = _count("Responses (the `n` that scores shows); null when hidden.")
    rate = _number("responded / invited; null when hidden or nothing was counted as invited.")
    suppressed = fields.Boolean(required=True)


class ParticipationSchema(AnswerSchema):
    """`participation`: invited, responded and rate per period and segment."""

    survey_id = fields.Integer(required=True)
    period = fields.String(required=True)
    segment_by = fields.List(fields.String(), required=True)
    threshold = fields.Integer(required=True)
    series = fields.List(fields.Nested(ParticipationRowSchema), required=True)


class QuestionRowSchema(AnswerSchema):
    """One question of `questions`."""

    question = fields.String(required=True)
    text = fields.String(required=True)
    type = fields.String(required=True, validate=ma.validate.OneOf(
        ("likert5", "scale11", "choice")))
    required = fields.Boolean(required=True)
    reverse = fields.Boolean(required=True, metadata={
        "description": "Reverse-scored: its 1-2 answers count favourable."})
    n = _count("Answers to the question in the group; null when hidden.")
    mean = _number("Mean answer on the question's own scale (likert5, scale11).")
    ci_low = _number("Lower end of the mean's 95% t interval.")
    ci_high = _number("Upper end of the mean's 95% t interval.")
    distribution = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True),
                               required=True, metadata={
                                   "description": "Share of the answers per value or option."})
    favourable = _number("likert5: share answering 4-5 (1-2 if reversed).")
    neutral = _number("likert5: share answering 3.")
    unfavourable = _number("likert5: share answering 1-2 (4-5 if reversed).")
    suppressed = fields.Boolean(required=True)


class QuestionsSchema(AnswerSchema):
    """`questions`: how each non-text question went in one group."""

    survey_id = fields.Integer(required=True)
    selector = fields.String(required=True)
    threshold = fields.Integer(required=True)
    n = _count("Respondents of the group; null when hidden.")
    suppressed = fields.Boolean(required=True)
    items = fields.List(fields.Nested(QuestionRowSchema), required=True)
