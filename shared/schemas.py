"""The base marshmallow schema of every service: unknown keys refused, errors flattened, text
a database can store, and integers taken only as they are written.

Every input schema derives from `BaseSchema`; its integers are `Integer` (JSON bodies) or
`IntegerText` (query strings), never marshmallow's own, which turns 5.5 into 5 and reads
"٤", "+4" and " 4 " as 4.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from shared.pagination import cursor_field

# Half of a UTF-16 pair on its own is no character: UTF-8 cannot encode it, and JSON's
# `\ud800` escapes can carry one.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
NUL_MESSAGE = "Must not contain a NUL character."
SURROGATE_MESSAGE = "Is not valid Unicode text (it holds a lone surrogate)."
KEY_MESSAGE = "Has a key with a NUL character or a lone surrogate."
# An integer as written: ASCII digits, an optional leading minus, no plus sign, no spaces,
# no leading zero. int() takes far more ("٤", "+4", " 4 ", "0004").
INTEGER_TEXT = re.compile(r"0|-?[1-9][0-9]*")


def is_storable_text(text: str) -> bool:
    """Return whether a string holds neither NUL (PostgreSQL refuses it) nor a lone surrogate."""
    return "\x00" not in text and (text.isascii() or LONE_SURROGATE.search(text) is None)


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return NUL_MESSAGE
    if not text.isascii() and LONE_SURROGATE.search(text):
        return SURROGATE_MESSAGE
    return None


SCALARS = (int, float, bool, type(None))


def _all_storable(value: Any) -> bool:
    """Return whether every string of a JSON-like value (keys too) is storable text."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if not is_storable_text(item):
                return False
        elif kind in SCALARS:
            continue
        elif isinstance(item, Mapping):
            if not all(is_storable_text(key) for key in item if type(key) is str):
                return False
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return True


def text_problems(value: Any) -> dict[str, list[str]]:
    """Return `field path -> messages` for every string of a JSON-like value (keys too)
    that is not storable text; empty when all are.

    Walked with a stack, not recursion: a body nested a thousand deep is still checked.
    Paths are only made for a value that has a problem (a request's cost otherwise).
    """
    if _all_storable(value):
        return {}
    problems: dict[str, list[str]] = {}
    stack = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            problem = _text_problem(item)
            if problem:
                problems[path or "_schema"] = [problem]
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and _text_problem(key):
                    problems[path or "_schema"] = [KEY_MESSAGE]
                    continue
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(item, (list, tuple)):
            stack.extend((f"{path}.{index}" if path else str(index), child)
                         for index, child in enumerate(item))
    return problems


def integer_from_text(text: str) -> int | None:
    """Return the integer a text writes in plain ASCII digits (`-12`, `0`, `7`), else None."""
    if not INTEGER_TEXT.fullmatch(text):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than int() converts (4,300)
        return None


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Return marshmallow's nested messages as `{"a.0.b": ["..."]}`, field -> list of messages."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = str(key) if key != "_schema" else ""
            path = f"{prefix}.{name}" if prefix and name else (prefix or name or "_schema")
            for field, msgs in flatten_messages(value, path).items():
                flat.setdefault(field, []).extend(msgs)
        return flat
    if isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": list(messages)}
        flat = {}
        for message in messages:
            for field, msgs in flatten_messages(message, prefix).items():
                flat.setdefault(field, []).extend(msgs)
        return flat
    return {prefix or "_schema": [str(messages)]}


class Integer(ma.fields.Integer):
    """An integer of a JSON body: a JSON integer only (not true, 5.0, 5.5 or "5")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class IntegerText(Integer):
    """An integer of a query string: plain ASCII digits, an optional leading minus."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = integer_from_text(value)
            if value is None:
                raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Boolean(ma.fields.Boolean):
    """A boolean of a JSON body: JSON true or false only (not 0, 1, "no" or "false")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class BaseSchema(ma.Schema):
    """Refuses unknown keys and text no database stores; reports every problem as
    `field path -> messages`, the shape of the API's 422 details."""

    class Meta:
        unknown = ma.RAISE

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        """Refuse, when the schema is made, an input integer that reads 5.5 as 5."""
        if isinstance(field_obj, ma.fields.Integer) and not isinstance(field_obj, Integer) \
                and not field_obj.dump_only:
            raise TypeError(f"{type(self).__name__}.{field_name}: use shared.schemas.Integer "
                            "or IntegerText for input integers")

    @ma.pre_load
    def _refuse_unstorable_text(self, data, **kwargs):
        problems = text_problems(data)
        if problems:
            raise ma.ValidationError(problems)
        return data

    def handle_error(self, error: ma.ValidationError, data: Any, *, many: bool, **kwargs) -> None:
        """Re-raise with flat field paths."""
        raise ma.ValidationError(flatten_messages(error.normalized_messages()))


class PageQuerySchema(BaseSchema):
    """`?limit=&cursor=` of every list (the cursor is checked by shared.pagination)."""

    limit = IntegerText(load_default=50, validate=ma.validate.Range(min=1, max=500))
    cursor = cursor_field()
