"""Schemas of the metrics service's answers, for its OpenAPI document (API.md is the contract).

Each lists the fields an answer always has (`required`) and allows more: the service builds
every answer, and dumping returns it unchanged (`AnswerSchema`), so a field added to an
answer reaches clients at once and a large answer costs no second pass. Rows that name a
period may give its `start` and `end`, and an open period (`open: true`) shows no numbers.
"""

from __future__ import annotations

import marshmallow as ma


class AnswerSchema(ma.Schema):
    """An answer's documented shape: the fields it always has; it may carry more."""

    class Meta:
        unknown = ma.INCLUDE

    def dump(self, obj, *, many=None):
        """Return the answer as the service built it."""
        return obj


def _number(**kwargs) -> ma.fields.Float:
    """A number that is always present and null when it cannot be computed (or is hidden)."""
    return ma.fields.Float(required=True, allow_none=True, **kwargs)


def _count(**kwargs) -> ma.fields.Integer:
    """A respondent count, null when hidden."""
    return ma.fields.Integer(required=True, allow_none=True, **kwargs)


def _segment(**kwargs) -> ma.fields.Dict:
    """A segment: attribute -> value."""
    return ma.fields.Dict(keys=ma.fields.String(), required=True, **kwargs)


class PeriodRowSchema(AnswerSchema):
    """A row naming a period: its first and last day; an open period shows no numbers."""

    start = ma.fields.Date()
    end = ma.fields.Date()
    open = ma.fields.Boolean(metadata={"description": "The period has not closed yet: "
                                                      "every number is null."})


class ScoreRowSchema(PeriodRowSchema):
    """One period and segment of `scores`."""

    period = ma.fields.String(required=True)
    segment = _segment()
    n = _count()
    value = _number()
    ci_low = _number()
    ci_high = _number()
    suppressed = ma.fields.Boolean(required=True)


class ScoresSchema(AnswerSchema):
    """`scores`: a metric per period and segment."""

    survey_id = ma.fields.Integer(required=True)
    metric = ma.fields.String(required=True)
    period = ma.fields.String(required=True)
    segment_by = ma.fields.List(ma.fields.String())
    threshold = ma.fields.Integer(required=True)
    series = ma.fields.List(ma.fields.Nested(ScoreRowSchema), required=True)


class GroupValueSchema(AnswerSchema):
    """One group of a comparison: its size and value."""

    n = _count()
    value = _number()


class EffectSizeSchema(AnswerSchema):
    """An effect size: its name and value."""

    name = ma.fields.String(required=True, allow_none=True)
    value = _number()


class CompareSchema(AnswerSchema):
    """`compare`: one metric between two groups (b - a)."""

    metric = ma.fields.String(required=True)
    a = ma.fields.Nested(GroupValueSchema, required=True)
    b = ma.fields.Nested(GroupValueSchema, required=True)
    difference = _number()
    test = ma.fields.String(required=True)
    statistic = _number()
    p_value = _number()
    effect_size = ma.fields.Nested(EffectSizeSchema, required=True)
    significant = ma.fields.Boolean(required=True, allow_none=True)
    suppressed = ma.fields.Boolean()
    mde = ma.fields.Float(allow_none=True, metadata={
        "description": "The smallest difference the two groups could have detected."})


class CountsSchema(AnswerSchema):
    """One group of `distribution`: its size and answer counts."""

    n = _count()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                            required=True, allow_none=True)


class DistributionSchema(AnswerSchema):
    """`distribution`: chi-square test of two groups' answers to one question."""

    question = ma.fields.String(required=True)
    a = ma.fields.Nested(CountsSchema, required=True)
    b = ma.fields.Nested(CountsSchema, required=True)
    test = ma.fields.String(required=True)
    statistic = _number()
    df = _number()
    p_value = _number()
    effect_size = ma.fields.Nested(EffectSizeSchema, required=True)
    suppressed = ma.fields.Boolean(required=True)


class PeriodGroupSchema(PeriodRowSchema, GroupValueSchema):
    """One period of a `changes` row."""

    period = ma.fields.String(required=True)


class ChangeRowSchema(CompareSchema):
    """One segment of `changes`: its last period (b) against the one before (a)."""

    segment = _segment()
    a = ma.fields.Nested(PeriodGroupSchema, required=True)
    b = ma.fields.Nested(PeriodGroupSchema, required=True)
    p_adjusted = _number()


class ChangesSchema(AnswerSchema):
    """`changes`: per segment, the last period against the one before."""

    metric = ma.fields.String(required=True)
    period = ma.fields.String(required=True)
    segment_by = ma.fields.List(ma.fields.String())
    items = ma.fields.List(ma.fields.Nested(ChangeRowSchema), required=True)


class MannKendallSchema(AnswerSchema):
    """Mann-Kendall's statistics."""

    s = _number()
    tau = _number()
    z = _number()
    p_value = _number()


class TrendSchema(AnswerSchema):
    """`trend`: Mann-Kendall test and Sen's slope over periods."""

    periods = _count()
    values = ma.fields.List(ma.fields.Float(), required=True)
    labels = ma.fields.List(ma.fields.String())
    mann_kendall = ma.fields.Nested(MannKendallSchema, required=True)
    sen_slope = _number()
    direction = ma.fields.String(required=True, allow_none=True, validate=ma.validate.OneOf(
        ("increasing", "decreasing", "no trend")))
    suppressed = ma.fields.Boolean()


class DriverSchema(AnswerSchema):
    """One question of `drivers`."""

    question = ma.fields.String(required=True)
    correlation = _number()
    weight = _number()


class DriversSchema(AnswerSchema):
    """`drivers`: questions ranked by relative weight on an outcome."""

    items = ma.fields.List(ma.fields.Nested(DriverSchema), required=True)
    n = _count()
    r_squared = _number()
    suppressed = ma.fields.Boolean()


class CommentsSchema(AnswerSchema):
    """`comments`: a large enough group's free-text answers, shuffled."""

    question = ma.fields.String(required=True)
    n = _count()
    comments = ma.fields.List(ma.fields.String(), required=True)
    suppressed = ma.fields.Boolean(required=True)


class AlertSchema(AnswerSchema):
    """A significant deterioration found by the scheduled jobs."""

    id = ma.fields.Integer(required=True)
    survey_id = ma.fields.Integer(required=True)
    metric = ma.fields.String(required=True)
    period_kind = ma.fields.String(required=True)
    segment = _segment()
    period_a = ma.fields.String(required=True)
    period_b = ma.fields.String(required=True)
    value_a = _number()
    value_b = _number()
    difference = _number()
    p_value = _number()
    p_adjusted = _number()
    created_at = ma.fields.DateTime(required=True)


class AlertPageSchema(AnswerSchema):
    """A page of alerts, newest first."""

    items = ma.fields.List(ma.fields.Nested(AlertSchema), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class DeliverySchema(AnswerSchema):
    """One alert's webhook delivery: its state, attempts and last answer."""

    alert_id = ma.fields.Integer(required=True)
    survey_id = ma.fields.Integer(required=True)
    metric = ma.fields.String(required=True)
    segment = ma.fields.Dict(required=True)
    state = ma.fields.String(required=True, metadata={
        "description": "pending, delivered, failed or none (no webhook configured)"})
    attempts = ma.fields.Integer(required=True)
    last_status = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    created_at = ma.fields.String(required=True)
    last_attempt_at = ma.fields.String(allow_none=True)
    next_attempt_at = ma.fields.String(allow_none=True)
    delivered_at = ma.fields.String(allow_none=True)


class DeliveryPageSchema(AnswerSchema):
    """A page of deliveries, newest alert first."""

    items = ma.fields.List(ma.fields.Nested(DeliverySchema), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class SnapshotSchema(ScoreRowSchema):
    """A stored score."""

    id = ma.fields.Integer(required=True)
    survey_id = ma.fields.Integer(required=True)
    metric = ma.fields.String(required=True)
    period_kind = ma.fields.String(required=True)
    computed_at = ma.fields.DateTime(required=True)


class SnapshotPageSchema(AnswerSchema):
    """A page of stored scores."""

    items = ma.fields.List(ma.fields.Nested(SnapshotSchema), required=True)
    next_cursor = ma.fields.String(required=True, allow_none=True)


class ParticipationRowSchema(PeriodRowSchema):
    """One period and segment of `participation`."""

    period = ma.fields.String(required=True)
    segment = _segment()
    invited = _count()
    responded = _count()
    rate = _number()
    suppressed = ma.fields.Boolean(required=True)


class ParticipationSchema(AnswerSchema):
    """`participation`: invitations or links against responses."""

    series = ma.fields.List(ma.fields.Nested(ParticipationRowSchema), required=True)


class QuestionRowSchema(AnswerSchema):
    """One question of `questions`."""

    question = ma.fields.String(required=True)
    text = ma.fields.String(required=True)
    type = ma.fields.String(required=True)
    n = _count()
    mean = _number()
    ci_low = _number()
    ci_high = _number()
    distribution = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float(),
                                  required=True, allow_none=True)
    favourable = _number()
    neutral = _number()
    unfavourable = _number()


class QuestionsSchema(AnswerSchema):
    """`questions`: every non-text question of a group."""

    n = _count()
    items = ma.fields.List(ma.fields.Nested(QuestionRowSchema), required=True)


class BeforeAfterSchema(AnswerSchema):
    """One group of `impact`: before and after."""

    before = ma.fields.Nested(GroupValueSchema, required=True)
    after = ma.fields.Nested(GroupValueSchema, required=True)


class PreTrendSchema(AnswerSchema):
    """`impact`'s test of parallel trends before the intervention."""

    periods = _count(metadata={"description": "Earlier periods whose two groups are shown."})
    slope = _number(metadata={"description": "Drift of treated - control per period."})
    std_error = _number()
    z = _number()
    p_value = _number()
    reason = ma.fields.String(allow_none=True)


class ImpactPeriodSchema(PeriodRowSchema):
    """The period before or after the intervention."""

    period = ma.fields.String(required=True)


class ImpactSchema(AnswerSchema):
    """`impact`: difference in differences between a treated and a control group."""

    metric = ma.fields.String(required=True)
    before = ma.fields.Nested(ImpactPeriodSchema, required=True)
    after = ma.fields.Nested(ImpactPeriodSchema, required=True)
    treated = ma.fields.Nested(BeforeAfterSchema, required=True)
    control = ma.fields.Nested(BeforeAfterSchema, required=True)
    estimate = _number(metadata={"description": "(treated after - treated before) - "
                                                "(control after - control before)."})
    std_error = _number()
    ci_low = _number()
    ci_high = _number()
    z = _number()
    p_value = _number()
    confidence = ma.fields.Float(required=True)
    pre_trend = ma.fields.Nested(PreTrendSchema, required=True)
    reason = ma.fields.String(allow_none=True)
    suppressed = ma.fields.Boolean(required=True)
    pending = ma.fields.Boolean(metadata={
        "description": "A period is still being decided: ask again in a moment."})


class LinkagePointSchema(AnswerSchema):
    """One team of `linkage`, shown in both surveys."""

    segment = _segment()
    employee = ma.fields.Nested(GroupValueSchema, required=True)
    customer = ma.fields.Nested(GroupValueSchema, required=True)


class PearsonSchema(AnswerSchema):
    """Pearson's r with its Fisher-z interval."""

    r = _number()
    ci_low = _number()
    ci_high = _number()
    p_value = _number()


class SpearmanSchema(AnswerSchema):
    """Spearman's rho."""

    rho = _number()
    p_value = _number()


class LinkageSideSchema(AnswerSchema):
    """One survey of `linkage` and its metric."""

    survey_id = ma.fields.Integer(required=True)
    metric = ma.fields.String(required=True)


class LinkageSchema(AnswerSchema):
    """`linkage`: employees' trust against customers' outcomes, team by team."""

    employee = ma.fields.Nested(LinkageSideSchema, required=True)
    customer = ma.fields.Nested(LinkageSideSchema, required=True)
    by = ma.fields.String(required=True)
    from_ = ma.fields.Date(data_key="from", required=True, allow_none=True,
                           metadata={"description": "First day of the span (a Monday)."})
    to = ma.fields.Date(required=True, allow_none=True,
                        metadata={"description": "Last day of the span (a Sunday)."})
    points = ma.fields.List(ma.fields.Nested(LinkagePointSchema), required=True)
    pearson = ma.fields.Nested(PearsonSchema, required=True)
    spearman = ma.fields.Nested(SpearmanSchema, required=True)
    groups = ma.fields.Integer(required=True)
    confidence = ma.fields.Float(required=True)
    reason = ma.fields.String(allow_none=True)
    pending = ma.fields.Boolean(metadata={
        "description": "A period of the span is still being decided: no point is shown yet; "
                       "ask again in a moment."})
