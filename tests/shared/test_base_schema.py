"""The shared base schema: storable text, integers as written, lenient fields refused."""

from __future__ import annotations

import marshmallow as ma
import pytest

from shared.schemas import BaseSchema, Integer, IntegerText, integer_from_text, text_problems


class Example(BaseSchema):
    count = Integer(load_default=None)
    limit = IntegerText(load_default=None)
    name = ma.fields.String(load_default=None)
    extra = ma.fields.Raw(load_default=None)


def _errors(data) -> dict:
    with pytest.raises(ma.ValidationError) as caught:
        Example().load(data)
    return caught.value.messages


@pytest.mark.parametrize("text, number", [("0", 0), ("7", 7), ("-12", -12), ("4300", 4300)])
def test_integer_text_reads_plain_ascii_digits(text, number):
    assert integer_from_text(text) == number


@pytest.mark.parametrize("text", ["\u0664", "\uff14", "+4", " 4 ", "4 ", "04", "-0", "4.0",
                                  "1e3", "", "-", "1_000", "9" * 5000])
def test_integer_text_refuses_what_int_would_read_anyway(text):
    assert integer_from_text(text) is None


def test_json_integers_are_integers_only_and_query_integers_ascii_digits():
    assert Example().load({"count": 5, "limit": "5"}) == {
        "count": 5, "limit": 5, "name": None, "extra": None}
    for odd in (5.5, 5.0, True, "5", [5]):
        assert list(_errors({"count": odd})) == ["count"], odd
    for odd in ("\u0665", "+5", " 5", "05", 5.5, True):
        assert list(_errors({"limit": odd})) == ["limit"], odd


def test_a_lenient_input_integer_is_refused_when_the_schema_is_made():
    class Lenient(BaseSchema):
        count = ma.fields.Integer()

    class Shown(BaseSchema):
        count = ma.fields.Integer(dump_only=True)

    with pytest.raises(TypeError, match="Lenient.count"):
        Lenient()
    assert Shown().dump({"count": 3}) == {"count": 3}


def test_text_problems_are_named_by_path_in_values_keys_and_raw_fields():
    assert _errors({"name": "a\x00b", "extra": {"list": ["ok", "\udc00"], "k\x00": 1}}) == {
        "name": ["Must not contain a NUL character."],
        "extra.list.1": ["Is not valid Unicode text (it holds a lone surrogate)."],
        "extra": ["Has a key with a NUL character or a lone surrogate."]}
    # A surrogate pair is one character, not two lone halves.
    assert Example().load({"name": "\U0001f600 \u00e9"})["name"] == "\U0001f600 \u00e9"


def test_text_is_checked_however_deep_it_is_nested():
    deep: object = "\x00"
    for _ in range(50_000):
        deep = [deep]
    assert list(text_problems({"extra": deep})) == ["extra" + ".0" * 50_000]
