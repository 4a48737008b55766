"""Schemas of instruments: question, index and survey definitions, validated as a whole."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.survey.instruments.templates import TEMPLATES
from services.survey.schema_base import BaseSchema, PageQuerySchema, UTCDateTime
from shared.schemas import Integer
from shared.patterns import KEY, FullMatch

SLUG = FullMatch(rf"^{KEY}$",
                 error="Use lower-case letters, digits and underscores, starting with a letter.")
QUESTION_TYPES = ("likert5", "scale11", "choice", "text")
KINDS = ("employee_pulse", "customer_ai")
MIN_THRESHOLD = 3


TEXT = validate.Length(min=1, max=1000)


class ReliabilitySchema(BaseSchema):
    """The internal consistency a published source reports for the scale an index draws on."""

    statistic = fields.String(required=True, validate=validate.OneOf(("cronbach_alpha",
                                                                      "mcdonald_omega")))
    value = fields.Float(allow_none=True, validate=validate.Range(min=-1, max=1))
    items = Integer(validate=validate.Range(min=1, max=500))
    statement = fields.String(validate=TEXT)


class SourceSchema(BaseSchema):
    """Where a question comes from: a published instrument it adapts, or TrustPulse's own."""

    basis = fields.String(required=True, validate=validate.OneOf(("adapted", "trustpulse_item")))
    reference = fields.String(validate=validate.Length(min=1, max=200))
    citation = fields.String(allow_none=True, validate=TEXT)
    item = fields.String(validate=TEXT)
    original = fields.String(validate=TEXT)
    adaptation = fields.String(validate=TEXT)
    licence = fields.String(validate=TEXT)
    note = fields.String(validate=TEXT)


class IndexSourceSchema(SourceSchema):
    """Where an index comes from, and the reliability its source reports (null if none)."""

    reliability = fields.Nested(ReliabilitySchema, allow_none=True)


class QuestionSchema(BaseSchema):
    """One question of an instrument."""

    key = fields.String(required=True, validate=SLUG)
    text = fields.String(required=True, validate=validate.Length(min=1, max=500))
    type = fields.String(required=True, validate=validate.OneOf(QUESTION_TYPES))
    required = fields.Boolean()
    reverse = fields.Boolean(load_default=False)
    dimension = fields.String(validate=SLUG)
    options = fields.List(fields.String(validate=SLUG), validate=validate.Length(min=2, max=20))
    option_labels = fields.Dict(keys=fields.String(), values=fields.String(
        validate=validate.Length(min=1, max=200)))
    source = fields.Nested(SourceSchema)

    @ma.validates_schema
    def _check_type_rules(self, data, **kwargs):
        qtype = data.get("type")
        errors = {}
        if qtype == "choice":
            options = data.get("options") or []
            if not options:
                errors["options"] = ["A choice question needs at least two options."]
            elif len(set(options)) != len(options):
                errors["options"] = ["Options must be unique."]
            unknown = set(data.get("option_labels") or {}) - set(options)
            if unknown:
                errors["option_labels"] = [f"Not an option: {', '.join(sorted(unknown))}."]
        else:
            if "options" in data:
                errors["options"] = ["Only choice questions have options."]
            if "option_labels" in data:
                errors["option_labels"] = ["Only choice questions have option labels."]
        if data.get("reverse") and qtype != "likert5":
            errors["reverse"] = ["Only likert5 questions can be reverse-scored."]
        if errors:
            raise ma.ValidationError(errors)

    @ma.post_load
    def _fill_defaults(self, data, **kwargs):
        data.setdefault("required", data["type"] != "text")
        return data


class IndexSchema(BaseSchema):
    """An index: the mean of required likert5 items, reported on 0-100."""

    key = fields.String(required=True, validate=SLUG)
    title = fields.String(validate=validate.Length(min=1, max=200))
    items = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=50))
    source = fields.Nested(IndexSourceSchema)

    @ma.post_load
    def _fill_title(self, data, **kwargs):
        data.setdefault("title", data["key"].replace("_", " ").capitalize())
        return data


class SurveyCreateSchema(BaseSchema):
    """`POST /surveys`: a template or explicit questions and indices, and the thresholds."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(KINDS))
    template = fields.String(allow_none=True)
    questions = fields.List(fields.Nested(QuestionSchema), validate=validate.Length(min=1, max=100))
    indices = fields.List(fields.Nested(IndexSchema), load_default=list)
    segments = fields.List(fields.String(validate=SLUG), validate=validate.Length(max=10))
    anonymity_threshold = Integer(load_default=5,
                                         validate=validate.Range(min=MIN_THRESHOLD, max=1000))
    comment_threshold = Integer(validate=validate.Range(min=MIN_THRESHOLD, max=1000))

    @ma.validates_schema(skip_on_field_errors=False, pass_original=True)
    def _check_definition(self, data, original, **kwargs):
        errors: dict[str, list[str]] = {}
        template = data.get("template")
        if template is not None and template not in TEMPLATES:
            errors["template"] = [f"Unknown template; use one of {', '.join(sorted(TEMPLATES))}."]
        given = original if isinstance(original, dict) else {}
        if template is not None and "questions" in given:
            errors["questions"] = ["Give either a template or questions, not both."]
        if given.get("template") is None and "questions" not in given:
            errors["questions"] = ["Give either a template or questions."]
        if given.get("template") is None and "kind" not in given:
            errors["kind"] = ["Missing data for required field."]
        if template in TEMPLATES and data.get("kind", TEMPLATES[template]["kind"]) != \
                TEMPLATES[template]["kind"]:
            errors["kind"] = [f"Template {template} is for {TEMPLATES[template]['kind']} surveys."]
        segments = data.get("segments") or []
        if len(set(segments)) != len(segments):
            errors["segments"] = ["Segment attributes must be unique."]
        anonymity = data.get("anonymity_threshold")
        comment = data.get("comment_threshold")
        if isinstance(anonymity, int) and isinstance(comment, int) and comment < anonymity:
            errors["comment_threshold"] = ["May not be below the anonymity threshold."]
        errors.update(_definition_errors(data.get("questions"), data.get("indices")))
        if errors:
            raise ma.ValidationError(errors)


def _definition_errors(questions, indices) -> dict[str, list[str]]:
    """Return problems spanning questions and indices: duplicate keys, bad index items."""
    if not isinstance(questions, list) or not all(isinstance(q, dict) for q in questions):
        return {}
    errors: dict[str, list[str]] = {}
    by_key: dict[str, dict] = {}
    for position, question in enumerate(questions):
        key = question.get("key")
        if key in by_key:
            errors[f"questions.{position}.key"] = [f"Duplicate question key {key!r}."]
        by_key.setdefault(key, question)
    seen_indices: set = set()
    for position, index in enumerate(indices if isinstance(indices, list) else []):
        if not isinstance(index, dict):
            continue
        if index.get("key") in seen_indices:
            errors[f"indices.{position}.key"] = [f"Duplicate index key {index.get('key')!r}."]
        seen_indices.add(index.get("key"))
        problems = []
        items = index.get("items") or []
        if len(set(items)) != len(items):
            problems.append("Index items must be unique.")
        for item in items:
            question = by_key.get(item)
            if question is None:
                problems.append(f"{item!r} is not a question of this survey.")
            elif question.get("type") != "likert5" or not question.get(
                    "required", question.get("type") != "text"):
                problems.append(f"{item!r} must be a required likert5 question.")
        if problems:
            errors[f"indices.{position}.items"] = problems
    return errors


class TemplateSchema(ma.Schema):
    """A built-in instrument."""

    key = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    description = fields.String(required=True)
    segments = fields.List(fields.String(), required=True)
    segment_values = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    questions = fields.List(fields.Nested(QuestionSchema), required=True)
    indices = fields.List(fields.Nested(IndexSchema), required=True)


class TemplateListSchema(ma.Schema):
    """`{"items": [...]}` of templates."""

    items = fields.List(fields.Nested(TemplateSchema), required=True)


class SurveySchema(ma.Schema):
    """A survey as the API shows it."""

    id = fields.Integer(dump_only=True, required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    template = fields.String(allow_none=True, required=True)
    segments = fields.List(fields.String(), required=True)
    anonymity_threshold = fields.Integer(required=True)
    comment_threshold = fields.Integer(required=True)
    status = fields.String(dump_only=True, required=True)
    created_at = UTCDateTime(dump_only=True, required=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)
    indices = fields.List(fields.Nested(IndexSchema), required=True)


class SurveyPageSchema(ma.Schema):
    """A page of surveys."""

    items = fields.List(fields.Nested(SurveySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class SurveyListQuerySchema(PageQuerySchema):
    """`GET /surveys` query."""
