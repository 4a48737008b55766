"""CSV exports of analytics answers: one row per JSON row, the same numbers, hidden cells empty.

`scores`, `changes`, `participation` and `questions` answer `text/csv` (UTF-8, a header
row) when asked with `?format=csv` or `Accept: text/csv` (`csv_export`). Each row of the
answer's list is flattened as `pandas.json_normalize` does (`segment.department`,
`a.value`, `distribution.4`), the columns in the order they first appear. Null is an empty
cell, booleans are `true`/`false`, numbers are written as the JSON writes them (the
shortest text that reads back as the same float). Text starting with `=`, `+`, `-`, `@`, a
tab or a carriage return gets a leading `'`, so that a spreadsheet shows it rather than
running it as a formula (OWASP's advice on CSV injection); numbers are never changed.
"""

from __future__ import annotations

import csv
import io
import json
from functools import wraps

import marshmallow as ma
from flask import Response, request

from shared.schemas import BaseSchema

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV = "text/csv"


class ExportQuerySchema(BaseSchema):
    """A query whose answer may also be CSV (`format`, or the `Accept` header)."""

    format = ma.fields.String(load_default=None, validate=ma.validate.OneOf(("json", "csv")),
                              metadata={"description": "csv: the rows as text/csv (as "
                                                       "`Accept: text/csv`); json: JSON "
                                                       "whatever the Accept header says."})

    @ma.post_load
    def _answered_by_the_response(self, data, **kwargs):
        # The format chooses how the answer is written (`csv_export`), not what it holds.
        data.pop("format", None)
        return data


def flatten(row: dict, prefix: str = "") -> dict:
    """Return a row with nested objects as dotted columns (`{"a": {"n": 1}}` -> `a.n`)."""
    out = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def csv_cell(value) -> str:
    """Return the CSV text of one JSON value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, list)):
        return json.dumps(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def rows_to_csv(rows: list[dict]) -> str:
    """Return the rows as CSV: a header of every column, then one line per row."""
    flat = [flatten(row) for row in rows]
    columns = list(dict.fromkeys(name for row in flat for name in row))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in flat:
        writer.writerow([csv_cell(row.get(name)) for name in columns])
    return out.getvalue()


def wants_csv() -> bool:
    """Return whether the current request asks for CSV (`format` first, then `Accept`)."""
    asked = request.args.get("format")
    if asked:
        return asked == "csv"
    return request.accept_mimetypes.best_match(("application/json", CSV)) == CSV


def csv_export(blp, rows: str, name: str):
    """Make a JSON view answer its `rows` list as CSV when asked, and document that.

    Put above the view's `@blp.arguments`: it converts the 200 answer the view made; errors
    stay in the JSON error shape.
    """
    def decorate(view):
        @wraps(view)
        def export(*args, **kwargs):
            answer = view(*args, **kwargs)
            if answer.status_code != 200 or not wants_csv():
                return answer
            response = Response(rows_to_csv(answer.get_json()[rows]),
                                content_type=f"{CSV}; charset=utf-8")
            filename = f"survey-{kwargs.get('survey_id')}-{name}.csv"
            response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response

        return blp.alt_response(200, schema={"type": "string"}, content_type=CSV, success=True,
                                description=f"The `{rows}` rows as CSV: one line per row, "
                                            "nested fields as dotted columns, hidden cells "
                                            "empty.")(export)

    return decorate
