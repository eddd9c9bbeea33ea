"""Dates and interview times checked at landing: the right kind of value, in a plausible range.

The marts read interview month and minutes from the start and end times, and staging turns
those into timestamps with a cast that gives NULL for anything else: numbers landed there
would quietly empty both for a whole export. So:

- Interview times (the variables of question_id start_time and end_time; the codebook's
  questions.csv says they are timestamps, exported as SPSS DATETIME or ISO 8601 text) must be
  timestamps, and fall in the meting's year: a meting is the year of its fieldwork (the
  codebook's definition of `meting`), so the range comes from the export's own meting.
- Dates (codebook value_type date) must lie after 1900 (SPSS counts from 1582-10-14, so a
  number 0 read as a date lands there) and not after the meting's year (nothing the survey
  asks about happened after its fieldwork).
Whether a date variable holds dates at all is validation.py's check; this one looks at the
values that are dates.
"""

from __future__ import annotations

import numbers
import re
from datetime import date, datetime

import pandas as pd

from orchestration.codebook import VariableSpec
from orchestration.landing.errors import Problem, rows_text
from orchestration.landing.export import RawExport

INTERVIEW_TIMES = ("start_time", "end_time")
EARLIEST_DATE = date(1900, 1, 1)
_ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?")
_SHOWN = 3


def date_problems(export: RawExport, specs: dict[str, VariableSpec]) -> list[Problem]:
    problems = []
    for name, spec in specs.items():
        if name not in export.data.columns:
            continue
        column = export.data[name]
        if spec.question_id in INTERVIEW_TIMES:
            problems += _interview_times(export, name, column)
        elif spec.value_type == "date":
            problems += _dates(export, name, column)
    return problems


def _interview_times(export: RawExport, name: str, column: pd.Series) -> list[Problem]:
    file, meting = export.path.name, export.meting
    expected = "timestamps (SPSS DATETIME, or ISO 8601 text 'YYYY-MM-DD HH:MM:SS')"
    present = column[column.map(_present)]
    if present.empty:
        return []
    if pd.api.types.is_numeric_dtype(column) or present.map(_is_number).all():
        return [Problem(file, f"holds numbers, not timestamps: {_examples(present)}", variable=name,
                        where=rows_text(present.index + 1), expected=expected)]
    stamps = present.map(_timestamp)
    unreadable = present[stamps.isna()]
    if len(unreadable):
        return [Problem(file, f"values that are not timestamps: {_examples(unreadable)}", variable=name,
                        where=rows_text(unreadable.index + 1), expected=expected)]
    start, end = datetime(meting, 1, 1), datetime(meting + 1, 1, 1)
    outside = stamps[(stamps < start) | (stamps >= end)]
    if len(outside):
        return [Problem(file, f"interview times outside meting {meting}'s fieldwork year: {_examples(outside)}",
                        variable=name, where=rows_text(outside.index + 1),
                        expected=f"times from {start:%Y-%m-%d} up to {end:%Y-%m-%d} (a meting is the year of its "
                                 "fieldwork)")]
    return []


def _dates(export: RawExport, name: str, column: pd.Series) -> list[Problem]:
    days = column[column.map(_present)].map(_day).dropna()
    latest = date(export.meting, 12, 31)
    outside = days[(days < EARLIEST_DATE) | (days > latest)]
    if outside.empty:
        return []
    return [Problem(export.path.name, f"dates outside the plausible range: {_examples(outside)}", variable=name,
                    where=rows_text(outside.index + 1),
                    expected=f"dates from {EARLIEST_DATE} up to the end of meting {export.meting} ({latest})")]


def _present(value: object) -> bool:
    if value is None or value is pd.NaT:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    try:
        return not pd.isna(value)
    except (TypeError, ValueError):
        return True


def _is_number(value: object) -> bool:
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return True
    return isinstance(value, str) and re.fullmatch(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?", value.strip()) is not None


def _timestamp(value: object) -> datetime | None:
    """A naive timestamp, or None when the value is none (as DuckDB's cast would give NULL)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is None else None  # an offset would shift the hour
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str) and _ISO_TIMESTAMP.fullmatch(value.strip()):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _day(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def _examples(values: pd.Series) -> str:
    shown = list(dict.fromkeys(str(value) for value in values))
    return ", ".join(shown[:_SHOWN]) + (", …" if len(shown) > _SHOWN else "")
