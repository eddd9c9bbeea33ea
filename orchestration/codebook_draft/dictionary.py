"""What an export says about itself: its dictionary, read from the SPSS file or the CSV sidecar.

The draft needs names, variable labels, value labels and what kind of value each variable
holds; plus the codes a labelled variable uses without a label (they cannot be matched by
label, so a person must say what they mean). Meting and questionnaire come from the command
line; where the export also states them, they must agree.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import pyreadstat

from orchestration.landing import provenance
from orchestration.landing.csv_export import read_sidecar
from orchestration.landing.errors import ExportError, Problem

KINDS = ("labelled", "numeric", "date", "timestamp", "text")


@dataclass(frozen=True)
class ExportVariable:
    name: str
    position: int
    label: str
    kind: str  # one of KINDS
    value_labels: dict[int, str] = field(default_factory=dict)
    unlabelled_codes: tuple[int, ...] = ()  # whole numbers in the data with no value label


@dataclass
class ExportDictionary:
    path: Path
    sha256: str
    format: str
    stated: dict[str, str]  # meting / questionnaire as the export gives them (may be empty)
    variables: list[ExportVariable]

    def check_provenance(self, meting: int, questionnaire: str) -> None:
        """Refuse an export that says it holds another meting or questionnaire."""
        given = {"meting": str(meting), "questionnaire": questionnaire}
        problems = [Problem(self.path.name, f"the export says {key} {value!r}, the command says {given[key]!r}",
                            expected="the meting and questionnaire the export holds")
                    for key, value in self.stated.items() if value and value != given[key]]
        if problems:
            raise ExportError(problems)


def read_dictionary(path: Path) -> ExportDictionary:
    if not path.is_file():
        raise ExportError([Problem(path.name, f"no such file: {path}")])
    suffix = path.suffix.lower()
    if suffix in (".sav", ".zsav"):
        return _read_sav(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise ExportError([Problem(path.name, f"unsupported file type {path.suffix!r}",
                               expected=".sav, .zsav or .csv with a labels sidecar")])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_sav(path: Path) -> ExportDictionary:
    try:
        data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as exc:  # pyreadstat raises its own, unexported error types
        raise ExportError([Problem(path.name, f"not a readable SPSS file: {exc}",
                                   expected="an SPSS system file")]) from exc
    stated = provenance.from_notes(meta.notes or []) or provenance.from_file_label(meta.file_label or "")
    value_labels = {name: {int(code): str(text) for code, text in labels.items()}
                    for name, labels in meta.variable_value_labels.items()}
    variables = []
    for position, (name, label) in enumerate(zip(meta.column_names, meta.column_labels), start=1):
        labels = value_labels.get(name, {})
        kind = "labelled" if labels else _sav_kind(meta.original_variable_types.get(name, ""),
                                                    meta.readstat_variable_types.get(name, ""))
        used = data[name].dropna().unique() if labels else []
        variables.append(ExportVariable(name, position, label or "", kind, labels, _unlabelled(used, labels)))
    return ExportDictionary(path, _sha256(path), "sav", {k: str(v) for k, v in stated.items()}, variables)


def _sav_kind(spss_format: str, storage: str) -> str:
    if storage == "string":
        return "text"
    if spss_format.upper().startswith("DATETIME"):
        return "timestamp"
    if spss_format.upper().startswith(("DATE", "ADATE", "EDATE", "SDATE")):
        return "date"
    return "numeric"


def _read_csv(path: Path) -> ExportDictionary:
    sidecar = read_sidecar(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    variables = []
    for position, (name, kind) in enumerate(sidecar.types.items(), start=1):
        labels = sidecar.value_labels.get(name, {})
        used = [value for row in rows if (value := (row.get(name) or "").strip())] if labels else []
        variables.append(ExportVariable(name, position, sidecar.variable_labels.get(name, ""),
                                        "labelled" if labels else _CSV_KINDS[kind], labels,
                                        _unlabelled(used, labels)))
    stated = {key: str(value) for key, value in sidecar.fields.items() if value not in (None, "")}
    return ExportDictionary(path, _sha256(path), "csv", stated, variables)


_CSV_KINDS = {"integer": "numeric", "number": "numeric", "date": "date", "timestamp": "timestamp", "text": "text"}


def _unlabelled(values, labels: dict[int, str]) -> tuple[int, ...]:
    codes = set()
    for value in values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if number == int(number) and int(number) not in labels:
            codes.add(int(number))
    return tuple(sorted(codes))
