"""What a raw export is once read, and the files that make one: shared by both readers
(reader.py for SPSS, csv_export.py for CSV with its labels sidecar) and the loader."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from orchestration.landing import provenance

SAV_SUFFIXES = (".sav", ".zsav")
CSV_SUFFIXES = (".csv",)
EXPORT_SUFFIXES = SAV_SUFFIXES + CSV_SUFFIXES


@dataclass
class RawExport:
    path: Path
    sha256: str
    meting: int
    questionnaire: str
    data: pd.DataFrame
    format: str = "sav"
    synthetic: bool = False  # the export says it holds generated, not real, respondents
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)
    user_missing: dict[str, list] = field(default_factory=dict)

    @property
    def table_name(self) -> str:
        return raw_table_name(self.meting, self.questionnaire)


def raw_table_name(meting: int, questionnaire: str) -> str:
    return f"export_{meting}_{questionnaire.lower().replace('-', '_')}"


def is_export(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in EXPORT_SUFFIXES


def companions(path: Path) -> list[Path]:
    """Files that belong to an export and travel with it (into quarantine, for instance)."""
    candidates = [provenance.manifest_path(path)]
    if path.suffix.lower() in CSV_SUFFIXES:
        candidates.append(sidecar_path(path))
    return [candidate for candidate in candidates if candidate.exists()]


def sidecar_path(path: Path) -> Path:
    """`<name>.csv` is described by `<name>.labels.json` beside it."""
    return path.with_name(path.stem + ".labels.json")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
