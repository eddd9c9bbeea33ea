"""Reading one raw export into memory, with its provenance, before anything is written."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyreadstat

QUESTIONNAIRES = ("Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin")


class ExportError(ValueError):
    """A raw export that cannot be landed; the message names the file and the problem."""


@dataclass
class RawExport:
    path: Path
    sha256: str
    meting: int
    questionnaire: str
    data: pd.DataFrame
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def table_name(self) -> str:
        return raw_table_name(self.meting, self.questionnaire)


def raw_table_name(meting: int, questionnaire: str) -> str:
    return f"export_{meting}_{questionnaire.lower().replace('-', '_')}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sav(path: Path) -> RawExport:
    try:
        # user_missing=True keeps "weet ik niet" and refusal codes as codes: staging decides
        # what they mean; system-missing (not asked, skipped) stays NULL.
        data, meta = pyreadstat.read_sav(path, user_missing=True)
    except Exception as exc:  # pyreadstat raises its own error types per failure
        raise ExportError(f"{path.name}: not a readable SPSS file ({exc})") from exc
    meting, questionnaire = _provenance(path, meta.notes or [], meta.file_label or "")
    data = _restore_integers(data, meta.original_variable_types)
    return RawExport(
        path=path,
        sha256=sha256_of(path),
        meting=meting,
        questionnaire=questionnaire,
        data=data,
        variable_labels=dict(zip(meta.column_names, meta.column_labels)),
        value_labels={k: {int(c): lbl for c, lbl in v.items()} for k, v in meta.variable_value_labels.items()},
    )


def _provenance(path: Path, notes: list[str], file_label: str) -> tuple[int, str]:
    """Meting and questionnaire come from the file's own metadata, never from its name."""
    fields = dict(line.split("=", 1) for line in notes if "=" in line)
    meting, questionnaire = fields.get("meting"), fields.get("questionnaire")
    if meting is None or questionnaire is None:
        match = re.search(r"(20\d\d)\s+(Wi20(?:21|13)-(?:asiel|gezin))", file_label)
        if match:
            meting, questionnaire = match.groups()
    if meting is None or questionnaire is None:
        raise ExportError(
            f"{path.name}: the file does not say which meting and questionnaire it holds "
            "(expected document notes 'meting=YYYY' and 'questionnaire=Wi20xx-...')"
        )
    if questionnaire not in QUESTIONNAIRES:
        raise ExportError(f"{path.name}: unknown questionnaire {questionnaire!r}; expected one of {QUESTIONNAIRES}")
    if not meting.isdigit():
        raise ExportError(f"{path.name}: meting {meting!r} is not a year")
    return int(meting), questionnaire


def _restore_integers(data: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """pyreadstat hands integers back as float64; F<w>.0 variables become nullable ints."""
    for name, fmt in formats.items():
        if re.fullmatch(r"F\d+\.0", fmt or "") and pd.api.types.is_float_dtype(data[name]):
            data[name] = data[name].astype("Int64")
    return data
