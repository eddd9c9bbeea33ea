"""CSV exports and their labels sidecar.

`<name>.csv`: UTF-8 (a byte-order mark is tolerated), comma-separated, a header of source
variable names, then one row per respondent: codes as integers, ISO dates and timestamps,
an empty field for system-missing. Text is kept exactly as written (no trimming, no Unicode
normalisation), so Arabic, Ge'ez and Turkish answers arrive byte for byte.

`<name>.labels.json` beside it is the dictionary SPSS would have carried inside the file:
    {"meting": 2024, "questionnaire": "Wi2021-asiel", "synthetic": true,
     "variables": {"Q1": {"label": "...", "type": "integer", "value_labels": {"1": "Man"},
                          "user_missing": [9]}, ...}}
Row numbers in messages count data rows from 1 (the header is not a row; blank lines are
skipped).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from orchestration.landing import provenance
from orchestration.landing.errors import ExportError, Problem, rows_text
from orchestration.landing.export import RawExport, sha256_of, sidecar_path

TYPES = ("integer", "number", "date", "timestamp", "text")
_OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "pipes"}


@dataclass(frozen=True)
class Sidecar:
    fields: dict[str, object]  # meting, questionnaire as the sidecar gives them
    synthetic: object
    types: dict[str, str]
    variable_labels: dict[str, str]
    value_labels: dict[str, dict[int, str]]
    user_missing: dict[str, list]


def read_csv(path: Path, sha256: str | None = None) -> RawExport:
    sidecar = read_sidecar(path)
    text = _decode(path)
    header, records = _parse(path, text)
    _check_structure(path, header, records, sidecar)
    frame, problems = _convert(path, header, records, sidecar.types)
    sources = {"labels sidecar": sidecar.fields}
    manifest = provenance.read_manifest(path)
    if manifest is not None:
        sources[provenance.manifest_path(path).name] = manifest
    try:
        meting, questionnaire = provenance.resolve(path, sources)
    except ExportError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ExportError(problems)
    return RawExport(
        path=path,
        sha256=sha256 or sha256_of(path),
        meting=meting,
        questionnaire=questionnaire,
        data=frame,
        format="csv",
        synthetic=provenance.is_synthetic({"synthetic": sidecar.synthetic}, manifest),
        variable_labels=sidecar.variable_labels,
        value_labels=sidecar.value_labels,
        user_missing=sidecar.user_missing,
    )


def read_sidecar(path: Path) -> Sidecar:
    sidecar = sidecar_path(path)
    if not sidecar.exists():
        raise ExportError([Problem(path.name, "no labels sidecar beside the CSV",
                                   expected=f"the sidecar {sidecar}")])
    try:
        content = json.loads(sidecar.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError([Problem(path.name, f"labels sidecar {sidecar.name} is not valid UTF-8 JSON ({exc})",
                                   expected="a JSON object with 'variables'")]) from exc
    variables = content.get("variables") if isinstance(content, dict) else None
    if not isinstance(variables, dict) or not variables:
        raise ExportError([Problem(path.name, f"labels sidecar {sidecar.name} describes no variables",
                                   expected='{"variables": {"Q1": {"type": "integer", ...}, ...}}')])
    problems = []
    types, labels, value_labels, user_missing = {}, {}, {}, {}
    for name, spec in variables.items():
        spec = spec if isinstance(spec, dict) else {}
        if spec.get("type") not in TYPES:
            problems.append(Problem(path.name, f"labels sidecar gives type {spec.get('type')!r}", variable=name,
                                    expected=f"one of {', '.join(TYPES)}"))
        types[name] = spec.get("type")
        labels[name] = spec.get("label") or ""
        try:
            value_labels[name] = {int(code): str(text) for code, text in (spec.get("value_labels") or {}).items()}
        except (TypeError, ValueError, AttributeError):
            problems.append(Problem(path.name, "labels sidecar has value labels whose codes are not integers",
                                    variable=name, expected='{"1": "Man", "2": "Vrouw"}'))
        user_missing[name] = list(spec.get("user_missing") or [])
    if problems:
        raise ExportError(problems)
    fields = {key: content.get(key) for key in provenance.FIELDS}
    return Sidecar(fields, content.get("synthetic"), types, labels, value_labels, user_missing)


def _decode(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise ExportError([Problem(path.name, "not UTF-8: the file is encoded as UTF-16", expected="UTF-8")])
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            raw.decode("cp1252")
            hint = "; it looks like Windows-1252 or Latin-1, re-export it as UTF-8"
        except UnicodeDecodeError:
            pass
        raise ExportError([Problem(path.name, f"not UTF-8: byte 0x{raw[exc.start]:02x} on line {line} "
                                   f"is not valid UTF-8{hint}", expected="UTF-8 text")]) from exc
    if not text.strip():
        raise ExportError([Problem(path.name, "empty file (no header, no rows)",
                                   expected="a header line and data rows")])
    return text


def _parse(path: Path, text: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        lines = [line for line in reader if line]  # csv yields [] for a blank line
    except csv.Error as exc:
        raise ExportError([Problem(path.name, f"not valid CSV on line {reader.line_num}: {exc}",
                                   expected="comma-separated values with \"double-quoted\" text")]) from exc
    header, records = lines[0], lines[1:]
    if len(header) == 1:
        for delimiter, name in _OTHER_DELIMITERS.items():
            if delimiter in header[0]:
                raise ExportError([Problem(path.name, f"wrong delimiter: the header is one column "
                                           f"{header[0][:60]!r}, the file looks separated by {name}",
                                           expected="comma-separated values")])
    if not records:
        raise ExportError([Problem(path.name, "header only: the file has a header but no data rows",
                                   expected="at least one respondent")])
    return header, records


def _check_structure(path: Path, header: list[str], records: list[list[str]], sidecar: Sidecar) -> None:
    """Header against the sidecar and row widths; values cannot be read until these hold."""
    problems = []
    seen = set()
    for position, name in enumerate(header, start=1):
        if not name.strip():
            problems.append(Problem(path.name, f"header column {position} has no name",
                                    expected="a variable name"))
        elif name in seen:
            problems.append(Problem(path.name, "column appears twice in the header", variable=name,
                                    expected="unique variable names"))
        seen.add(name)
    for name in header:
        if name.strip() and name not in sidecar.types:
            problems.append(Problem(path.name, f"column not described in {sidecar_path(path).name}",
                                    variable=name, expected="a sidecar entry for every column"))
    for name in sidecar.types:
        if name not in seen:
            problems.append(Problem(path.name, f"{sidecar_path(path).name} describes it but the CSV has no "
                                    "such column", variable=name, expected="a column for every sidecar variable"))
    ragged = [number for number, record in enumerate(records, start=1) if len(record) != len(header)]
    if ragged:
        problems.append(Problem(path.name, "wrong number of fields", where=rows_text(ragged),
                                expected=f"{len(header)} fields, like the header"))
    if problems:
        raise ExportError(problems)


def _convert(path: Path, header: list[str], records: list[list[str]],
             types: dict[str, str]) -> tuple[pd.DataFrame, list[Problem]]:
    raw = pd.DataFrame(records, columns=header, dtype=object)
    columns, problems = {}, []
    for name in header:
        values = raw[name]
        if types[name] == "integer":
            values, beyond = _beyond_int64(path, name, values)
            problems += beyond
        column, bad = _convert_column(values, types[name])
        columns[name] = column
        if bad.any():
            rows = (bad[bad].index + 1).tolist()
            examples = ", ".join(repr(v) for v in raw[name][bad].drop_duplicates().head(3))
            problems.append(Problem(path.name, f"values that are not {_TYPE_WORDS[types[name]]}: {examples}",
                                    variable=name, where=rows_text(rows), expected=_TYPE_EXPECTED[types[name]]))
    return pd.DataFrame(columns), problems


def _beyond_int64(path: Path, name: str, values: pd.Series) -> tuple[pd.Series, list[Problem]]:
    """Whole numbers too large for a BIGINT are named (and blanked, so converting the rest
    cannot overflow)."""
    whole = values.str.strip().str.fullmatch(r"[+-]?\d+").fillna(False).astype(bool)
    huge = values[whole].map(lambda text: not -(2**63) <= int(text) < 2**63)
    huge = huge[huge]
    if huge.empty:
        return values, []
    examples = ", ".join(repr(v) for v in values[huge.index].drop_duplicates().head(3))
    problem = Problem(path.name, f"whole numbers beyond the 64-bit integer range: {examples}", variable=name,
                      where=rows_text((huge.index + 1).tolist()),
                      expected=f"integers from {-(2**63)} to {2**63 - 1}")
    return values.where(~values.index.isin(huge.index), ""), [problem]


_TYPE_WORDS = {"integer": "whole numbers", "number": "numbers", "date": "ISO dates",
               "timestamp": "ISO timestamps", "text": "text"}
_TYPE_EXPECTED = {"integer": "integer codes like 1 or 2024", "number": "a number like 3.5",
                  "date": "YYYY-MM-DD", "timestamp": "YYYY-MM-DDTHH:MM:SS", "text": "text"}


def _convert_column(values: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """Typed column and a mask of non-empty values that do not fit the type."""
    if kind == "text":
        # Only an empty field is missing; whitespace and every byte of the answer are kept.
        return values.where(values != "", None).astype("str"), pd.Series(False, index=values.index)
    stripped = values.str.strip()
    blank = stripped == ""
    present = stripped.where(~blank)
    if kind == "integer":
        whole = stripped.str.fullmatch(r"[+-]?\d+")
        converted = pd.to_numeric(present.where(whole), errors="coerce").astype("Int64")
        return converted, ~blank & ~whole
    if kind == "number":
        converted = pd.to_numeric(present, errors="coerce").astype("float64")
        return converted, ~blank & converted.isna()
    if kind == "date":
        parsed = pd.to_datetime(present, format="%Y-%m-%d", errors="coerce")
        # An Arrow date column lands as DATE, like SPSS dates, even when every value is missing.
        return parsed.astype(pd.ArrowDtype(pa.date32())), ~blank & parsed.isna()
    parsed = pd.to_datetime(present, format="ISO8601", errors="coerce", utc=True)
    # Timestamps land as naive UTC, like _loaded_at; an offset in the file is honoured.
    return parsed.dt.tz_localize(None), ~blank & parsed.isna()
