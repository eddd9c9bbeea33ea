"""Checking a read export against the codebook, before anything is written.

Every problem is collected (not just the first): unknown variables, missing required
variables, values of the wrong kind, codes outside the value labels (the crosswalk's
source codes), missing or duplicate respondent tokens, and exports of a meting x
questionnaire the codebook does not know.

There is always a codebook: Codebook.load refuses a folder that does not exist or lacks a
required seed, before any file is read. An export whose meting x questionnaire it does not
list is refused as unknown. The export's value labels are checked against the codebook's
answer labels in labels.py.

Synthetic exports are held to exactly the same rules as real ones: the generator writes
every variable the codebook lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from orchestration.codebook import CODED_TYPES, RESPONDENT_TOKEN, Codebook, code_key
from orchestration.landing.dates import date_problems
from orchestration.landing.errors import Problem, rows_text
from orchestration.landing.export import RawExport
from orchestration.landing.labels import check_labels
from orchestration.landing.tokens import token_text

log = logging.getLogger(__name__)
MISSING = "missing required variable"


@dataclass
class Findings:
    problems: list[Problem] = field(default_factory=list)  # any one refuses the file
    notes: list[str] = field(default_factory=list)  # said in the load's message, not refused


def validate(export: RawExport, codebook: Codebook) -> Findings:
    file = export.path.name
    if not codebook.knows(export.meting, export.questionnaire):
        known = ", ".join(f"{meting} {questionnaire}" for meting, questionnaire in codebook.exports()) or "none yet"
        return Findings([Problem(file, f"unknown export: the codebook has no variables for meting {export.meting} x "
                                       f"questionnaire {export.questionnaire}",
                                 expected=f"an export the codebook lists ({known})")])
    specs = codebook.variables[(export.meting, export.questionnaire)]
    findings = Findings(_variables(export, specs))
    problems = findings.problems
    codes = {name: codebook.codes.get((export.meting, export.questionnaire, name), set()) for name in specs}
    for name, spec in specs.items():
        if name in export.data.columns:
            problems += _values(file, name, spec.value_type, export.data[name], codes)
    problems += date_problems(export, specs)
    problems += check_labels(export, [name for name, spec in specs.items() if spec.value_type in CODED_TYPES],
                             codebook.labels)
    token = next((spec.name for spec in specs.values() if spec.question_id == RESPONDENT_TOKEN), None)
    if token is None:
        log.warning("%s: the codebook names no %s variable for %s %s; tokens not checked",
                    file, RESPONDENT_TOKEN, export.meting, export.questionnaire)
    elif token in export.data.columns:
        problems += _tokens(file, token, export.data[token])
    return findings


def _variables(export: RawExport, specs: dict) -> list[Problem]:
    file = export.path.name
    label = f"{export.meting} {export.questionnaire}"
    by_lower = {name.lower(): name for name in specs}
    problems = []
    for name in export.data.columns:
        if name not in specs:
            twin = by_lower.get(name.lower())
            expected = f"the codebook's {twin!r} (names are case-sensitive)" if twin else \
                f"one of the {len(specs)} variables the codebook lists for {label}"
            problems.append(Problem(file, "unknown variable", variable=name, expected=expected))
    for name, spec in specs.items():
        if name not in export.data.columns:
            problems.append(Problem(file, MISSING, variable=name,
                                    expected=f"a column for {spec.question_id}"
                                             + (f" ({spec.label})" if spec.label else "")))
    return problems


def _values(file: str, name: str, value_type: str, column: pd.Series,
            codes: dict[str, set[str]]) -> list[Problem]:
    """Kind of value per codebook value_type, then codes against the crosswalk."""
    present = column.dropna()
    if value_type in CODED_TYPES or value_type == "integer":
        if not pd.api.types.is_numeric_dtype(column):
            return [Problem(file, "holds text", variable=name,
                            expected=f"numeric codes (codebook value_type {value_type})")]
        unstorable = _unstorable(file, name, present, value_type)
        if unstorable:
            return unstorable
        fractional = present[present != present.round()]
        if len(fractional):
            return [Problem(file, f"values that are not whole numbers: {', '.join(map(str, fractional.unique()[:3]))}",
                            variable=name, where=rows_text(fractional.index + 1),
                            expected=f"whole numbers (codebook value_type {value_type})")]
        if value_type in CODED_TYPES:
            return _codes(file, name, present, codes[name])
        return []
    if value_type == "date" and len(present) and not _is_date_like(column):
        return [Problem(file, "does not hold dates", variable=name, expected="dates (codebook value_type date)")]
    return []


# A BIGINT column holds whole numbers in this range; anything beyond is no code or count.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _unstorable(file: str, name: str, present: pd.Series, value_type: str) -> list[Problem]:
    """Infinite or huge numbers (inf, 1e20) where whole numbers belong: said plainly, before
    anything tries to turn them into integers."""
    values = present.astype("float64")
    # 2**63 itself is a float but no int64; inf fails both comparisons (NaN was dropped already)
    bad = present[~((values >= -(2.0**63)) & (values < 2.0**63))]
    if bad.empty:
        return []
    examples = ", ".join(f"{value:g}" for value in bad.astype("float64").unique()[:3])
    return [Problem(file, f"values out of range for whole numbers: {examples}", variable=name,
                    where=rows_text(bad.index + 1),
                    expected=f"finite whole numbers from {INT64_MIN} to {INT64_MAX} "
                             f"(codebook value_type {value_type})")]


def _codes(file: str, name: str, present: pd.Series, allowed: set[str]) -> list[Problem]:
    keys = present.astype("int64").astype(str)  # whole numbers, checked by the caller
    outside = keys[~keys.isin(allowed)]
    expected = f"one of {', '.join(sorted(allowed, key=_code_order))} (crosswalk)" if allowed else \
        "a code the crosswalk lists (it lists none for this variable)"
    return [
        Problem(file, f"code {code} outside value labels", variable=name,
                where=rows_text(rows.index + 1), expected=expected)
        for code, rows in outside.groupby(outside, sort=False)
    ]


def _tokens(file: str, name: str, column: pd.Series) -> list[Problem]:
    keys = column.map(code_key)  # '' and NaN are both "no token"
    problems = []
    absent = keys[keys.isna()]
    if len(absent):
        problems.append(Problem(file, "respondent token missing", variable=name,
                                where=rows_text(absent.index + 1), expected="a token on every row"))
    present = column[keys.notna()].map(token_text)
    folded = present.str.lower()  # R01ab and r01AB are one respondent (tokens.py)
    duplicated = folded[folded.duplicated(keep=False)]
    for _, rows in duplicated.groupby(duplicated, sort=False):
        spellings = list(dict.fromkeys(present[rows.index]))
        token = f"token {spellings[0]}" if len(spellings) == 1 else \
            f"tokens {', '.join(spellings)} (differing only in case)"
        problems.append(Problem(file, "duplicate respondent token", variable=name,
                                where=f"{token}, {rows_text(rows.index + 1)}",
                                expected="each respondent token once per file, compared without regard to case"))
    return problems


def _is_date_like(column: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(column):
        return True
    if isinstance(column.dtype, pd.ArrowDtype):
        return "date" in str(column.dtype) or "timestamp" in str(column.dtype)
    import datetime

    return column.dropna().map(lambda value: isinstance(value, datetime.date)).all()


def _code_order(code: str) -> tuple[int, float | str]:
    try:
        return (0, float(code))
    except ValueError:
        return (1, code)
