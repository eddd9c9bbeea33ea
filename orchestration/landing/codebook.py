"""The codebook exports are validated against: the dbt seed CSVs in `seeds/codebook/`.

- `source_variables.csv` (meting, questionnaire, source_variable, question_id, value_type, …):
  which variables an export of a meting x questionnaire has; the pairs it lists are the
  exports the study knows.
- `crosswalk.csv` (meting, questionnaire, source_variable, source_code, …): the codes a
  categorical variable may take, and the harmonised code each becomes.
- `questions.csv` and `answer_sets.csv`: the label of every harmonised code, which the
  export's own value labels must match (labels.py); `label_synonyms.csv`, if there, the
  reviewed re-wordings.

The folder is a parameter (INBURGERING_CODEBOOK_DIR, default PROJECT_DIR/seeds/codebook) so
tests bring small codebooks of their own. A folder that does not exist or lacks one of the
required files stops the load before any file is looked at (CodebookError naming the folder):
a mistyped `--codebook` must never land exports unchecked.
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
from orchestration.landing.labels import ANSWER_SETS, LABEL_COLUMN, QUESTIONS, SYNONYMS, LabelBook, read_label_book

SOURCE_VARIABLES = "source_variables.csv"
CROSSWALK = "crosswalk.csv"
REQUIRED_FILES = (SOURCE_VARIABLES, CROSSWALK, QUESTIONS, ANSWER_SETS)
CODED_TYPES = ("categorical", "multi_response_option")
RESPONDENT_TOKEN = "respondent_token"
_REQUIRED = {
    SOURCE_VARIABLES: ("meting", "questionnaire", "source_variable", "question_id", "value_type"),
    CROSSWALK: ("meting", "questionnaire", "source_variable", "source_code", "question_id", "harmonised_code",
                "missing_type"),
    QUESTIONS: ("question_id", "answer_set_id"),
    ANSWER_SETS: ("answer_set_id", "code", LABEL_COLUMN),
    SYNONYMS: ("meting", "answer_set_id", "harmonised_code", "export_label", "note"),
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
    codes: dict[tuple[int, str, str], set[str]]
    labels: LabelBook  # what each source code must be labelled (labels.py)

    def knows(self, meting: int, questionnaire: str) -> bool:
        return (meting, questionnaire) in self.variables

    def exports(self) -> list[str]:
        return [f"{meting} {questionnaire}" for meting, questionnaire in sorted(self.variables)]


def default_codebook_dir() -> Path:
    return codebook_dir()


def load_codebook(directory: Path | None = None) -> Codebook:
    directory = directory or default_codebook_dir()
    _require_files(directory)
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
    codes: dict[tuple[int, str, str], set[str]] = {}
    for row in _rows(directory / CROSSWALK):
        code = code_key(row["source_code"])
        if code is not None:  # rows for uncoded variables have no source code
            key = (_meting(row, directory / CROSSWALK), row["questionnaire"].strip(), row["source_variable"].strip())
            codes.setdefault(key, set()).add(code)
    return Codebook(directory, variables, codes, read_label_book(directory, _rows))


def _require_files(directory: Path) -> None:
    if not directory.is_dir():
        raise CodebookError([Problem(str(directory), "codebook folder does not exist; nothing was loaded",
                                     expected=f"a folder holding {', '.join(REQUIRED_FILES)} "
                                              "(--codebook or INBURGERING_CODEBOOK_DIR)")])
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise CodebookError([Problem(str(directory), f"codebook folder lacks {', '.join(missing)}; nothing was loaded",
                                     expected=f"a folder holding {', '.join(REQUIRED_FILES)}")])


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
