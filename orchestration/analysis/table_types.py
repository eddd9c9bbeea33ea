"""Column types for analysis tables written from pandas: DuckDB gets integers, doubles,
booleans and text, not pandas' object columns."""

from __future__ import annotations

import pandas as pd


def typed(frame: pd.DataFrame, integer: set[str], floating: set[str], boolean: set[str],
          lists: frozenset[str] = frozenset()) -> pd.DataFrame:
    """`lists` are list columns (DuckDB LIST): kept as Python lists, not turned into text."""
    out = frame.copy()
    for column in out.columns:
        if column in lists:
            out[column] = [None if value is None or (not hasattr(value, "__len__") and pd.isna(value))
                           else [int(v) for v in value] for value in out[column]]
        elif column in integer:
            out[column] = pd.to_numeric(out[column]).astype("Int64")
        elif column in floating:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
        elif column in boolean:
            out[column] = out[column].astype("boolean")
        else:
            out[column] = out[column].astype("string")
    return out.reset_index(drop=True)
