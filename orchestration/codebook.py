"""The codebook seeds (`seeds/codebook/`) as one typed object, for the loader, the generator and the docs.

The same CSV files are dbt seeds, so the warehouse and the Python side read one truth:
- `source_variables.csv`: the variables of each export (meting x questionnaire); the pairs it
  lists are the exports the study knows.
- `crosswalk.csv`: the codes a categorical variable may take, and the harmonised code each becomes.
- `questions.csv` and `answer_sets.csv`: the questions and the label of every harmonised code.
- read when asked for: `question_availability.csv`, `answer_set_groups.csv` (combined
  categories) and `label_synonyms.csv` (reviewed re-wordings of an answer label; may be absent).

The folder is a parameter (INBURGERING_CODEBOOK_DIR, default PROJECT_DIR/seeds/codebook) so
tests bring small codebooks of their own. `Codebook.load` fails closed: a folder that does not
exist, lacks a required file, or holds a file that cannot be read stops it with a CodebookError
naming the folder or file, before any export is looked at: a mistyped `--codebook` must never
land exports unchecked.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd

from orchestration.config import PROJECT_DIR
from orchestration.landing.errors import CodebookError, Problem

CODEBOOK_ENV = "INBURGERING_CODEBOOK_DIR"
SOURCE_VARIABLES = "source_variables.csv"
CROSSWALK = "crosswalk.csv"
QUESTIONS = "questions.csv"
ANSWER_SETS = "answer_sets.csv"
AVAILABILITY = "question_availability.csv"
GROUPS = "answer_set_groups.csv"
SYNONYMS = "label_synonyms.csv"
REQUIRED_FILES = (SOURCE_VARIABLES, CROSSWALK, QUESTIONS, ANSWER_SETS)
LABEL_COLUMN = "label_nl"  # the language of the exports' value labels
CODED_TYPES = ("categorical", "multi_response_option")
RESPONDENT_TOKEN = "respondent_token"
# The columns each file must have; a file lacking one stops the load.
COLUMNS = {
    SOURCE_VARIABLES: ("meting", "questionnaire", "source_variable", "question_id", "value_type"),
    CROSSWALK: ("meting", "questionnaire", "source_variable", "source_code", "question_id", "harmonised_code",
                "missing_type"),
    QUESTIONS: ("question_id", "answer_set_id"),
    ANSWER_SETS: ("answer_set_id", "code", LABEL_COLUMN),
    AVAILABILITY: ("question_id", "meting", "questionnaire"),
    GROUPS: ("answer_set_id", "code", "combined_id", "sort_order"),
    SYNONYMS: ("meting", "answer_set_id", "harmonised_code", "export_label", "note"),
}


def codebook_dir() -> Path:
    """The codebook folder, for the generator and the loader alike (relative: from the project)."""
    configured = os.environ.get(CODEBOOK_ENV)
    path = Path(configured) if configured else PROJECT_DIR / "seeds" / "codebook"
    return path if path.is_absolute() else PROJECT_DIR / path


@dataclass(frozen=True)
class VariableSpec:
    """One variable of an export's layout."""

    name: str
    question_id: str
    value_type: str
    label: str = ""


@dataclass(frozen=True)
class Mapping:
    """What a source code of one export variable becomes, per the crosswalk."""

    answer_set_id: str
    harmonised_code: int
    missing: bool


@dataclass(frozen=True)
class LabelBook:
    """What the export's value labels must say (landing/labels.py checks them)."""

    # (meting, questionnaire, source_variable) -> {source_code: Mapping}
    mappings: dict[tuple[int, str, str], dict[int, Mapping]]
    # (answer_set_id, harmonised_code) -> the codebook's label
    labels: dict[tuple[str, int], str]
    # (meting, answer_set_id, harmonised_code) -> reviewed alternative wordings
    synonyms: dict[tuple[int, str, int], list[str]]

    def expected(self, meting: int, mapping: Mapping) -> list[str]:
        """Every wording accepted for a harmonised code in a meting; empty: the codebook has none."""
        label = self.labels.get((mapping.answer_set_id, mapping.harmonised_code))
        if label is None:
            return []
        return [label, *self.synonyms.get((meting, mapping.answer_set_id, mapping.harmonised_code), [])]


@dataclass(frozen=True, eq=False)
class Codebook:
    """The seeds of one codebook folder, each file read once. `load` builds the typed views the
    loader needs (`variables`, `codes`, `labels`), so a broken codebook stops there."""

    directory: Path
    variables: dict[tuple[int, str], dict[str, VariableSpec]]  # (meting, questionnaire) -> layout
    codes: dict[tuple[int, str, str], set[str]]  # (meting, questionnaire, variable) -> source codes (code_key)
    labels: LabelBook
    texts: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # file -> its rows as text

    @classmethod
    def load(cls, directory: Path | None = None) -> "Codebook":
        """The codebook of `directory` (default: the configured one). Read once per process while
        the folder's files stay as they are: a run's landing and analyses share one reading, and
        after a file changes (its time, size or inode) or comes or goes, the folder is read again.
        Read it, never change it."""
        directory = Path(directory or codebook_dir())
        _require_files(directory)
        return _load(cls, directory, _signature(directory))

    def _text(self, name: str) -> pd.DataFrame:
        """A copy of a seed as text; the optional seeds are read on first use."""
        if name not in self.texts:
            self.texts[name] = _read(self.directory, name)
        return self.texts[name].copy()

    # the exports it knows

    def knows(self, meting: int, questionnaire: str) -> bool:
        return (meting, questionnaire) in self.variables

    def exports(self) -> list[tuple[int, str]]:
        """Every meting x questionnaire the codebook describes."""
        return sorted(self.variables)

    # the seeds as frames (codes and metingen as integers), for the generator and the docs

    @cached_property
    def questions(self) -> pd.DataFrame:
        return self._text(QUESTIONS).set_index("question_id", drop=False)

    @cached_property
    def answer_sets(self) -> pd.DataFrame:
        return _whole_columns(self._text(ANSWER_SETS), ANSWER_SETS, "code", "sort_order")

    @cached_property
    def availability(self) -> pd.DataFrame:
        return _whole_columns(self._text(AVAILABILITY), AVAILABILITY, "meting")

    @cached_property
    def source_variables(self) -> pd.DataFrame:
        frame = _whole_columns(self._text(SOURCE_VARIABLES), SOURCE_VARIABLES, "meting", "position")
        frame["reversed"] = frame["reversed"].str.lower().eq("true")
        return frame

    @cached_property
    def crosswalk(self) -> pd.DataFrame:
        return _whole_columns(self._text(CROSSWALK), CROSSWALK, "meting", "source_code", "harmonised_code")

    @cached_property
    def answer_set_groups(self) -> pd.DataFrame:
        """The combined categories ("(zeer) eens" = codes 4 + 5), one row per code."""
        return _whole_columns(self._text(GROUPS), GROUPS, "code", "sort_order")

    @cached_property
    def label_synonyms(self) -> pd.DataFrame:
        """Reviewed re-wordings of answer labels; no file: none."""
        if SYNONYMS not in self.texts:
            return pd.DataFrame({column: pd.Series(dtype="int64" if column in ("meting", "harmonised_code") else str)
                                 for column in COLUMNS[SYNONYMS]})
        return _whole_columns(self._text(SYNONYMS), SYNONYMS, "meting", "harmonised_code")

    def combined_categories(self, answer_set_id: str) -> list[dict]:
        """The answer set's combined categories in their order, each with the codes it holds."""
        groups = self.answer_set_groups[self.answer_set_groups["answer_set_id"] == answer_set_id]
        return [{"combined_id": combined_id, "label_nl": part["label_nl"].iloc[0],
                 "label_en": part["label_en"].iloc[0], "codes": sorted(part["code"].tolist())}
                for (_, combined_id), part in groups.groupby(["sort_order", "combined_id"], sort=True)]

    def answers(self, answer_set_id: str) -> pd.DataFrame:
        """The answer set's rows in their order (a copy: the caller may change it)."""
        rows = self._answers_by_set.get(answer_set_id)
        # not in the seed: no rows, with the seed's columns
        return (self.answer_sets.iloc[:0] if rows is None else rows).copy()

    @cached_property
    def _answers_by_set(self) -> dict[str, pd.DataFrame]:
        # split in one pass over the seed: a generation asks for answer sets thousands of times
        return {answer_set_id: rows.sort_values("sort_order")
                for answer_set_id, rows in self.answer_sets.groupby("answer_set_id", sort=False)}

    def layout(self, meting: int, questionnaire: str) -> pd.DataFrame:
        """The export's variables in questionnaire order."""
        rows = self.source_variables[
            (self.source_variables["meting"] == meting) & (self.source_variables["questionnaire"] == questionnaire)
        ]
        return rows.sort_values("position")

    def code_map(self, meting: int, questionnaire: str) -> pd.DataFrame:
        return self.crosswalk[(self.crosswalk["meting"] == meting) & (self.crosswalk["questionnaire"] == questionnaire)]


def code_key(value: object) -> str | None:
    """One spelling per code, so 1, 1.0, '1' and ' 1 ' from SPSS, CSV or the seed all match."""
    try:
        return _code_key(value)
    except TypeError:  # unhashable: not a code the cache can hold
        return _code_key.__wrapped__(value)


# every code of every seed row and export label goes through here, mostly the same few values
@lru_cache(maxsize=1 << 16, typed=True)
def _code_key(value: object) -> str | None:
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


def _whole(row: dict[str, str], column: str, file: str) -> int:
    """A meting or code of a seed row as an integer ('2024', '2024.0'); anything else stops the load."""
    text = (row.get(column) or "").strip()
    key = code_key(text)
    if key is None or not re.fullmatch(r"[+-]?\d+", key):
        what = "is not a year" if column == "meting" else "is not a whole number"
        raise CodebookError([Problem(file, f"{column} {text!r} {what}",
                                     where=f"source variable {row['source_variable']}" if row.get("source_variable")
                                     else None,
                                     expected="e.g. 2024" if column == "meting" else "an integer")])
    return int(key)


def _require_files(directory: Path) -> None:
    if not directory.is_dir():
        raise CodebookError([Problem(str(directory), "codebook folder does not exist; nothing was loaded",
                                     expected=f"a folder holding {', '.join(REQUIRED_FILES)} "
                                              "(--codebook or INBURGERING_CODEBOOK_DIR)")])
    missing = [name for name in REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise CodebookError([Problem(str(directory), f"codebook folder lacks {', '.join(missing)}; nothing was loaded",
                                     expected=f"a folder holding {', '.join(REQUIRED_FILES)}")])


def _signature(directory: Path) -> tuple:
    """What a codebook's reading depends on: the identity and state of every file in its folder
    (the optional seeds too, which `_text` reads on first use)."""
    signature = []
    for path in sorted(directory.iterdir()):
        try:
            status = path.stat()
        except FileNotFoundError:  # renamed away meanwhile (a draft applied beside, then moved in)
            continue
        signature.append((path.name, status.st_ino, status.st_size, status.st_mtime_ns))
    return tuple(signature)


@lru_cache(maxsize=8)
def _load(cls: type[Codebook], directory: Path, signature: tuple) -> Codebook:
    # a codebook that cannot be read raises, and lru_cache keeps nothing of it
    texts = {name: _read(directory, name) for name in REQUIRED_FILES}
    if (directory / SYNONYMS).is_file():
        texts[SYNONYMS] = _read(directory, SYNONYMS)
    records = {name: frame.to_dict("records") for name, frame in texts.items()}
    return cls(directory, _variables(records[SOURCE_VARIABLES]), _codes(records[CROSSWALK]),
               _label_book(records), texts)


def _read(directory: Path, name: str) -> pd.DataFrame:
    """A seed as text, every value a string ('' for empty), its required columns checked."""
    path = directory / name
    if not path.is_file():
        raise CodebookError([Problem(str(directory), f"codebook folder lacks {name}",
                                     expected=f"{name} beside {', '.join(REQUIRED_FILES)}")])
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").fillna("")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise CodebookError([Problem(name, f"codebook file cannot be read: {exc}",
                                     expected="a UTF-8 CSV file")]) from exc
    missing = [column for column in COLUMNS.get(name, ()) if column not in frame.columns]
    if missing:
        raise CodebookError([Problem(name, f"codebook file lacks columns {', '.join(missing)}",
                                     expected=", ".join(COLUMNS[name]))])
    return frame


def _whole_columns(frame: pd.DataFrame, name: str, *columns: str) -> pd.DataFrame:
    rows = frame.to_dict("records")
    for column in columns:
        frame[column] = [_whole(row, column, name) for row in rows]
    return frame


def _variables(rows: list[dict[str, str]]) -> dict[tuple[int, str], dict[str, VariableSpec]]:
    variables: dict[tuple[int, str], dict[str, VariableSpec]] = {}
    for row in rows:
        key = (_whole(row, "meting", SOURCE_VARIABLES), row["questionnaire"].strip())
        name = row["source_variable"].strip()
        variables.setdefault(key, {})[name] = VariableSpec(
            name=name,
            question_id=row["question_id"].strip(),
            value_type=row["value_type"].strip(),
            label=(row.get("variable_label") or "").strip(),
        )
    return variables


def _codes(rows: list[dict[str, str]]) -> dict[tuple[int, str, str], set[str]]:
    codes: dict[tuple[int, str, str], set[str]] = {}
    for row in rows:
        code = code_key(row["source_code"])
        if code is not None:  # rows for uncoded variables have no source code
            key = (_whole(row, "meting", CROSSWALK), row["questionnaire"].strip(), row["source_variable"].strip())
            codes.setdefault(key, set()).add(code)
    return codes


def _label_book(records: dict[str, list[dict[str, str]]]) -> LabelBook:
    """The crosswalk, questions, answer sets and synonyms, as the label check reads them."""
    answer_set_of = {row["question_id"].strip(): row["answer_set_id"].strip() for row in records[QUESTIONS]}
    labels = {(row["answer_set_id"].strip(), _whole(row, "code", ANSWER_SETS)): row[LABEL_COLUMN]
              for row in records[ANSWER_SETS]}
    mappings: dict[tuple[int, str, str], dict[int, Mapping]] = {}
    for row in records[CROSSWALK]:
        if not row["source_code"].strip():
            continue
        question_id = row["question_id"].strip()
        if question_id not in answer_set_of:
            raise CodebookError([Problem(CROSSWALK, f"question {question_id} is not in {QUESTIONS}",
                                         where=f"source variable {row['source_variable']}",
                                         expected=f"a question of {QUESTIONS}")])
        key = (_whole(row, "meting", CROSSWALK), row["questionnaire"].strip(), row["source_variable"].strip())
        mappings.setdefault(key, {})[_whole(row, "source_code", CROSSWALK)] = Mapping(
            answer_set_of[question_id], _whole(row, "harmonised_code", CROSSWALK), bool(row["missing_type"].strip()))
    synonyms: dict[tuple[int, str, int], list[str]] = {}
    for row in records.get(SYNONYMS, []):  # none: only the answer sets' own wording is accepted
        key = (_whole(row, "meting", SYNONYMS), row["answer_set_id"].strip(), _whole(row, "harmonised_code", SYNONYMS))
        synonyms.setdefault(key, []).append(row["export_label"])
    return LabelBook(mappings, labels, synonyms)
