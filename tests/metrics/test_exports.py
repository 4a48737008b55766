"""The CSV writer of analytics answers: flattening, empty hidden cells, numbers as in JSON."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd

from services.metrics.exports import csv_cell, flatten, rows_to_csv

ROWS = [
    {"period": "2026-W40", "segment": {"department": "Support"}, "n": 37, "value": 63.2,
     "ci_low": 0.1 + 0.2, "suppressed": False},
    {"period": "2026-W40", "segment": {"department": "=HYPERLINK(\"x\")"}, "n": None,
     "value": None, "ci_low": None, "suppressed": True},
    {"period": "2026-W41", "segment": {}, "n": 3, "value": -0.5, "ci_low": 1e-12,
     "suppressed": False, "extra": "Ünïcode, with a comma"},
]


def test_rows_flatten_like_pandas_json_normalize():
    flat = [flatten(r) for r in ROWS]
    expected = pd.json_normalize(ROWS, sep=".")
    assert {k for row in flat for k in row} == set(expected.columns)
    assert flatten({"a": {"b": {"c": 1}}, "d": {}}) == {"a.b.c": 1}


def test_csv_keeps_every_number_writes_null_empty_and_defuses_formulas():
    text = rows_to_csv(ROWS)
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header == ["period", "segment.department", "n", "value", "ci_low", "suppressed",
                      "extra"]
    first, hidden, everyone = (dict(zip(header, line)) for line in lines)
    assert float(first["ci_low"]) == 0.1 + 0.2 and first["ci_low"] == json.dumps(0.1 + 0.2)
    assert (first["n"], first["suppressed"]) == ("37", "false")
    assert hidden["n"] == hidden["value"] == "" and hidden["suppressed"] == "true"
    # Text a spreadsheet would run as a formula is shown as text; numbers are never touched.
    assert hidden["segment.department"] == "'=HYPERLINK(\"x\")"
    assert everyone["value"] == "-0.5" and everyone["segment.department"] == ""
    assert everyone["extra"] == "Ünïcode, with a comma"
    assert csv_cell("+44 20") == "'+44 20" and csv_cell("@home") == "'@home"
    assert csv_cell(-3) == "-3" and csv_cell([1, 2]) == "[1, 2]"
    assert rows_to_csv([]) == "\r\n"
