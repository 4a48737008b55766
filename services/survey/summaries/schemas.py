"""Schemas of the internal summaries and comments queries."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.survey.schema_base import BaseSchema
from shared.schemas import IntegerText

GROUP_BY = ("day", "week", "month", "quarter", "wave", "bucket", "all")


def parse_filter(text: str | None) -> dict[str, str]:
    """Return `attr=value;attr=value` as a dict; raise marshmallow's error if malformed."""
    if not text:
        return {}
    parts = {}
    for part in text.split(";"):
        attr, sep, value = part.partition("=")
        if not sep or not attr.strip() or attr.strip() in parts:
            raise ma.ValidationError({"filter": [f"Use attr=value parts joined by ';' ({part!r})."]})
        parts[attr.strip()] = value
    return parts


class RangeQuerySchema(BaseSchema):
    """The group both internal reads share: dates, segment filter and wave."""

    from_ = fields.Date(data_key="from", load_default=None)
    to = fields.Date(load_default=None)
    filter = fields.String(load_default=None)
    wave = IntegerText(load_default=None, validate=validate.Range(min=1))

    @ma.validates_schema
    def _check_range(self, data, **kwargs):
        if data["from_"] and data["to"] and data["to"] < data["from_"]:
            raise ma.ValidationError({"to": ["Must not be before from."]})

    @ma.post_load
    def _parse(self, data, **kwargs):
        data["filter"] = parse_filter(data["filter"])
        return data


class SummariesQuerySchema(RangeQuerySchema):
    """`GET /internal/surveys/{id}/summaries` query."""

    group_by = fields.String(load_default="all", validate=validate.OneOf(GROUP_BY))
    segment_by = fields.String(load_default=None)
    parts = fields.String(load_default=None, metadata={
        "description": "Only these parts of each vector, comma-separated: `hist:<question>`, "
                       "`index:<index>`, `moments`; other slots are 0."})
    revision = fields.Boolean(load_default=False, metadata={
        "description": "Also count the survey's responses (`revision`): a sum over every "
                       "bucket of the survey, so only when asked."})
    shape = fields.String(load_default="groups", validate=validate.OneOf(("groups", "columns")),
                          metadata={"description": (
                              "`groups` (one object per group) or `columns`: the same groups "
                              "as parallel lists, vectors holding only the slots of `parts` "
                              "(tens of thousands of groups read without building an object "
                              "each).")})

    @ma.post_load
    def _split_segments(self, data, **kwargs):
        text = data.get("segment_by")
        data["segment_by"] = [s.strip() for s in text.split(",")] if text else []
        if len(set(data["segment_by"])) != len(data["segment_by"]) or "" in data["segment_by"]:
            raise ma.ValidationError({"segment_by": ["List distinct attributes, comma-separated."]})
        text = data.get("parts")
        data["parts"] = [s.strip() for s in text.split(",")] if text is not None else None
        if data["parts"] is not None and (
                len(set(data["parts"])) != len(data["parts"]) or "" in data["parts"]):
            raise ma.ValidationError({"parts": ["List distinct parts, comma-separated."]})
        return data


class CommentsQuerySchema(RangeQuerySchema):
    """`GET /internal/surveys/{id}/comments` query."""

    question = fields.String(required=True)
    atom_min = IntegerText(load_default=None, validate=validate.Range(min=1), metadata={
        "description": "Only the answers of responses whose atom (segment combination, "
                       "and day (customer surveys) or ISO week and wave (employee pulses)) "
                       "holds at least this many of the survey's responses."})


class SummaryGroupSchema(ma.Schema):
    """One group's merged summary."""

    period = fields.String(allow_none=True)
    wave = fields.Integer(allow_none=True, metadata={"description": "With group_by=bucket only."})
    segment = fields.Dict()
    n = fields.Integer()
    # Raw: thousands of integers per answer, already ints; per-item marshmallow dumping is slow.
    vector = fields.Raw(metadata={"type": "array", "items": {"type": "integer"}})


class SummaryColumnsSchema(ma.Schema):
    """The groups of `shape=columns`: entry i of each list is group i."""

    periods = fields.List(fields.String(allow_none=True))
    waves = fields.List(fields.Integer(allow_none=True), metadata={
        "description": "With group_by=bucket; else null."}, allow_none=True)
    segments = fields.List(fields.List(fields.String(allow_none=True)), metadata={
        "description": "Each group's values of segment_by, in its order."})
    n = fields.List(fields.Integer())
    slots = fields.List(fields.Integer(), metadata={
        "description": "The vector slots held, ascending: those of `parts`, or all."})
    vectors = fields.Raw(metadata={"type": "array", "items": {
        "type": "array", "items": {"type": "integer"}}})


class SummariesSchema(ma.Schema):
    """The survey's definition and its groups' summaries."""

    survey = fields.Dict()
    # The parts asked for (slots outside them are 0), or null: whole vectors.
    parts = fields.List(fields.String(), allow_none=True)
    groups = fields.List(fields.Nested(SummaryGroupSchema), metadata={
        "description": "With shape=groups; with shape=columns, empty."})
    columns = fields.Nested(SummaryColumnsSchema, allow_none=True, metadata={
        "description": "With shape=columns; else null."})
    revision = fields.Integer(allow_none=True, metadata={"description": (
        "With revision=true (else null): the survey's response count (all days, waves and segments, whatever the query), "
        "counted after the groups were read. Responses are only ever added: a read made "
        "after this one that answers the same revision held exactly the responses it counts.")})
    imports = fields.Integer(metadata={"description": (
        "How many imports the survey had stored before the groups were read. Only an import "
        "adds responses to a closed period: groups of closed periods read under the same "
        "count are unchanged.")})


class CommentsSchema(ma.Schema):
    """A group's free-text answers, in random order."""

    n = fields.Integer()
    comments = fields.List(fields.String())
