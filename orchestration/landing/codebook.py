"""The codebook exports are validated against: the dbt seed CSVs in `seeds/codebook/`.

- `source_variables.csv` (meting, questionnaire, source_variable, question_id, value_type, …):
  which variables an export of a meting x questionnaire has; the pairs it lists are the
  exports the study knows.
- `crosswalk.csv` (meting, questionnaire, source_variable, source_code, …): the codes a
  categorical variable may take.

The folder is a parameter (INBURGERING_CODEBOOK_DIR, default PROJECT_DIR/seeds/codebook) so
tests bring small codebooks of their own. No `source_variables.csv` means no codebook yet:
`load_codebook` returns None and the caller decides what that means (see validation.py).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from orchestration.codebook import codebook_dir
from orchestration.landing.errors import CodebookError, Problem

SOURCE_VARIABLES = "source_variables.csv"
CROSSWALK = "crosswalk.csv"
CODED_TYPES = ("categorical", "multi_response_option")
RESPONDENT_TOKEN = "respondent_token"
_REQUIRED = {
    SOURCE_VARIABLES: ("meting", "questionnaire", "source_variable", "question_id", "value_type"),
    CROSSWALK: ("meting", "questionnaire", "source_variable", "source_code"),
}


@dataclass(frozen=True)
class VariableSpec:
    name: str
    question_id: str
    value_type: str
    label: str = ""


@dataclass
class Codebook:
    directory: Path
    variables: dict[tuple[int, str], dict[str, VariableSpec]]
    # None when crosswalk.csv is not there yet: then codes cannot be checked.
    codes: dict[tuple[int, str, str], set[str]] | None

    def knows(self, meting: int, questionnaire: str) -> bool:
        return (meting, questionnaire) in self.variables

    def exports(self) -> list[str]:
        return [f"{meting} {questionnaire}" for meting, questionnaire in sorted(self.variables)]


def default_codebook_dir() -> Path:
    return codebook_dir()


def load_codebook(directory: Path | None = None) -> Codebook | None:
    directory = directory or default_codebook_dir()
    if not (directory / SOURCE_VARIABLES).exists():
        return None
    variables: dict[tuple[int, str], dict[str, VariableSpec]] = {}
    for row in _rows(directory / SOURCE_VARIABLES):
        key = (_meting(row, directory / SOURCE_VARIABLES), row["questionnaire"].strip())
        name = row["source_variable"].strip()
        variables.setdefault(key, {})[name] = VariableSpec(
            name=name,
            question_id=row["question_id"].strip(),
            value_type=row["value_type"].strip(),
            label=(row.get("variable_label") or "").strip(),
        )
    codes = None
    if (directory / CROSSWALK).exists():
        codes = {}
        for row in _rows(directory / CROSSWALK):
            code = code_key(row["source_code"])
            if code is not None:  # rows for uncoded variables have no source code
                key = (_meting(row, directory / CROSSWALK), row["questionnaire"].strip(), row["source_variable"].strip())
                codes.setdefault(key, set()).add(code)
    return Codebook(directory, variables, codes)


def code_key(value: object) -> str | None:
    """One spelling per code, so 1, 1.0, '1' and ' 1 ' from SPSS, CSV or the seed all match."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    if text == "" or text.lower() in ("nan", "<na>", "none"):
        return None
    # only plain decimals are codes: a hex token such as "5e812345" must not be read as 5 x 10^812345
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", text):
        return text
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    return str(int(number)) if number == number.to_integral_value() else str(number.normalize())


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [column for column in _REQUIRED[path.name] if column not in (reader.fieldnames or [])]
            if missing:
                raise CodebookError([Problem(path.name, f"codebook file lacks columns {', '.join(missing)}",
                                             expected=", ".join(_REQUIRED[path.name]))])
            return list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CodebookError([Problem(path.name, f"codebook file cannot be read: {exc}",
                                     expected="a UTF-8 CSV file")]) from exc


def _meting(row: dict[str, str], path: Path) -> int:
    try:
        return int(code_key(row["meting"]))
    except (TypeError, ValueError) as exc:
        raise CodebookError([Problem(path.name, f"meting {row['meting']!r} is not a year",
                                     where=f"source variable {row.get('source_variable')}",
                                     expected="e.g. 2024")]) from exc
