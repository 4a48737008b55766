"""Analytics answers as pandas DataFrames: one row per JSON row, nested objects as columns."""

from __future__ import annotations

import pandas as pd


def rows_frame(rows: list[dict], answer: dict, *, rows_key: str) -> pd.DataFrame:
    """Return `rows` flattened (`segment.department`, `a.value`, ...), the answer's other
    fields (metric, period, threshold...) in `frame.attrs`."""
    # A row of everyone (segment {}) gets no segment columns, or empty ones beside others.
    frame = pd.json_normalize(rows, sep=".") if rows else pd.DataFrame()
    frame.attrs.update({k: v for k, v in answer.items() if k != rows_key})
    return frame
