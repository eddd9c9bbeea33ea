"""Writing SPSS exports the way survey platforms do, deterministically."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

# SPSS keeps its creation date/time in fixed header slots (offset 92: "dd Mon yy",
# offset 101: "hh:mm:ss"); readstat fills them with the wall clock, so two runs with the same
# seed would differ. We pin them to make files byte-identical.
_HEADER_DATE = slice(92, 101)
_HEADER_TIME = slice(101, 109)


@dataclass
class SavExport:
    """One export file: data plus the SPSS dictionary (labels, missing codes)."""

    data: pd.DataFrame
    meting: int
    questionnaire: str
    variable_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[int, str]] = field(default_factory=dict)
    user_missing: dict[str, list[int]] = field(default_factory=dict)
    seed: int | None = None

    @property
    def notes(self) -> list[str]:
        # Machine-readable provenance: the loader reads meting and questionnaire from here.
        return [
            f"meting={self.meting}",
            f"questionnaire={self.questionnaire}",
            "synthetic=true",
            f"seed={self.seed}",
        ]

    @property
    def file_label(self) -> str:
        return f"Perspectief inburgeraars {self.meting} {self.questionnaire} SYNTHETIC"[:64]


def write_sav(export: SavExport, path: Path, created: datetime) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(
        export.data,
        path,
        file_label=export.file_label,
        note=export.notes,
        column_labels={k: v for k, v in export.variable_labels.items() if k in export.data},
        variable_value_labels={k: v for k, v in export.value_labels.items() if k in export.data},
        missing_ranges={k: v for k, v in export.user_missing.items() if k in export.data} or None,
        variable_format=_integer_formats(export.data),
    )
    _pin_header_timestamp(path, created)
    return path


def _integer_formats(data: pd.DataFrame) -> dict[str, str]:
    """Codes and years are whole numbers: declare them F8.0 as SPSS exports do, so readers
    can tell an integer variable from a measurement."""
    formats = {}
    for name, column in data.items():
        if pd.api.types.is_float_dtype(column):
            values = column.to_numpy(dtype=float, na_value=np.nan)
            values = values[~np.isnan(values)]
            if (values == np.round(values)).all():
                formats[name] = "F8.0"
    return formats


def _pin_header_timestamp(path: Path, created: datetime) -> None:
    raw = bytearray(path.read_bytes())
    if raw[:4] not in (b"$FL2", b"$FL3"):
        raise ValueError(f"{path}: not an SPSS system file (magic {bytes(raw[:4])!r})")
    raw[_HEADER_DATE] = created.strftime("%d %b %y").encode("ascii")
    raw[_HEADER_TIME] = created.strftime("%H:%M:%S").encode("ascii")
    path.write_bytes(bytes(raw))
