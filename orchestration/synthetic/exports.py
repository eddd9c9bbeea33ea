"""From a harmonised frame to the raw exports a survey platform would deliver: one file per
questionnaire, variable names from the codebook's export layout (source_variables.csv), source
codes from the generator's own per-wave coding (coding.yaml, never the crosswalk dbt harmonises
with) and value labels from the codebook's label texts; SPSS dictionary or a CSV with a labels
sidecar."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.codebook import Codebook
from orchestration.synthetic.coding import source_codes
from orchestration.synthetic.sav import SavExport, write_sav

TIMESTAMP_QUESTIONS = {"start_time", "end_time"}
CODED = {"categorical", "multi_response_option"}


def file_stem(meting: int, questionnaire: str) -> str:
    return f"perspectief_{meting}_{questionnaire.lower().replace('-', '_')}"


@dataclass(frozen=True)
class SetCoding:
    """How an export writes one answer set in one meting: source code per answer position,
    the value labels in the platform's order and the user-missing source codes."""

    coding: dict[int, int]
    value_labels: dict[int, str]
    missing: list[int]

    @classmethod
    def of(cls, answers: pd.DataFrame, answer_set: str, meting: int) -> "SetCoding":
        """The coding of `answers`, the rows of `answer_set` (Codebook.answers)."""
        coding = source_codes(answer_set, answers, meting)
        labels = dict(zip(answers["code"], answers["label_nl"]))
        # as platforms list them: ascending, the negative skip code last
        order = sorted(coding.items(), key=lambda item: (item[1] < 0, item[1]))
        missing = sorted(coding[int(c)] for c in answers.loc[answers["missing_type"] != "", "code"])
        return cls(coding, {source: labels[position] for position, source in order}, missing)

    def user_missing(self) -> list:
        return list(self.missing) if len(self.missing) <= 3 else [{"lo": min(self.missing), "hi": max(self.missing)}]


class Codings:
    """The codings of a codebook's answer sets per meting, each worked out once: the exports of
    one generation share them (hundreds of variables, a few dozen answer sets)."""

    def __init__(self, codebook: Codebook) -> None:
        self.codebook = codebook
        self._codings: dict[tuple[str, int], SetCoding] = {}

    def of(self, answer_set: str, meting: int) -> SetCoding:
        if (answer_set, meting) not in self._codings:
            self._codings[answer_set, meting] = SetCoding.of(self.codebook.answers(answer_set), answer_set, meting)
        return self._codings[answer_set, meting]


def build_export(codebook: Codebook, frame: pd.DataFrame, meting: int, questionnaire: str, seed: int,
                 codings: Codings | None = None) -> SavExport:
    """`codings`: the answer sets' codings of the generation's exports so far (of `codebook`)."""
    codings = codings or Codings(codebook)
    if codings.codebook is not codebook:
        raise ValueError("the codings are of another codebook")
    rows = frame[frame["questionnaire"] == questionnaire].reset_index(drop=True)
    layout = codebook.layout(meting, questionnaire)
    answer_sets = codebook.questions["answer_set_id"]
    data: dict[str, object] = {}
    variable_labels, value_labels, user_missing = {}, {}, {}
    for variable in layout.itertuples(index=False):
        name, question_id = variable.source_variable, variable.question_id
        variable_labels[name] = variable.variable_label
        values = rows[question_id] if question_id in rows else pd.Series(np.nan, index=rows.index)
        if variable.value_type in CODED:
            coding = codings.of(answer_sets[question_id], meting)
            data[name] = _to_source_codes(values, coding.coding, name, meting, questionnaire)
            value_labels[name] = dict(coding.value_labels)
            if coding.missing:
                user_missing[name] = coding.user_missing()
        elif variable.value_type == "integer":
            data[name] = pd.to_numeric(values, errors="coerce").astype(float)
        elif variable.value_type == "date" or question_id in TIMESTAMP_QUESTIONS:
            data[name] = values
        else:
            data[name] = values.fillna("").astype(str)
    return SavExport(
        data=pd.DataFrame(data),
        meting=meting,
        questionnaire=questionnaire,
        variable_labels=variable_labels,
        value_labels=value_labels,
        user_missing=user_missing,
        seed=seed,
    )


def _to_source_codes(values: pd.Series, coding: dict[int, int], name: str, meting: int, questionnaire: str
                     ) -> pd.Series:
    # int() truncates: so does np.trunc
    codes = np.trunc(pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan))
    present = np.unique(codes[~np.isnan(codes)])
    unknown = sorted(int(v) for v in present if int(v) not in coding)
    if unknown:
        raise ValueError(f"{meting} {questionnaire} {name}: answers {unknown} are not in the codebook's answer set")
    if not coding:
        return pd.Series(np.nan, index=values.index)
    # every code is in `coding` (checked above): looked up in the sorted codes
    positions = sorted(coding)
    known = np.array(positions, dtype=float)
    sources = np.array([coding[position] for position in positions], dtype=float)
    at = np.minimum(np.searchsorted(known, codes), len(known) - 1)
    return pd.Series(np.where(known[at] == codes, sources[at], np.nan), index=values.index)


def write_csv(export: SavExport, path: Path) -> Path:
    """Codes in a UTF-8 CSV; labels, types and missing codes in `<name>.labels.json` beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns, types = {}, {}
    for name, column in export.data.items():
        columns[name], types[name] = _csv_column(name, column, export)
    frame = pd.DataFrame(columns, index=export.data.index)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    sidecar = {
        "meting": export.meting,
        "questionnaire": export.questionnaire,
        "synthetic": True,
        "seed": export.seed,
        "variables": {
            name: {
                "label": export.variable_labels.get(name, ""),
                "type": types[name],
                "value_labels": {str(k): v for k, v in export.value_labels.get(name, {}).items()},
                "user_missing": export.user_missing.get(name, []),
            }
            for name in frame.columns
        },
    }
    labels_path = path.with_suffix(".labels.json")
    labels_path.write_text(json.dumps(sidecar, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return path


def _csv_column(name: str, column: pd.Series, export: SavExport) -> tuple[pd.Series, str]:
    """A column as the CSV writes it, and its type for the sidecar."""
    if name in export.value_labels or pd.api.types.is_float_dtype(column):
        return column.astype("Int64"), "integer"
    if isinstance(column.dtype, pd.StringDtype):  # strings only: no value to look at as a date
        return column, "text"
    if column.map(lambda v: isinstance(v, datetime)).any():
        return column.map(lambda v: v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, datetime) else ""), "timestamp"
    if column.map(lambda v: hasattr(v, "isoformat")).any():
        return column.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else ""), "date"
    return column, "text"


def write_export(export: SavExport, directory: Path, fmt: str, created: datetime) -> Path:
    stem = file_stem(export.meting, export.questionnaire)
    if fmt == "sav":
        return write_sav(export, directory / f"{stem}.sav", created)
    if fmt == "csv":
        return write_csv(export, directory / f"{stem}.csv")
    raise ValueError(f"unknown export format {fmt!r}: expected 'sav' or 'csv'")
