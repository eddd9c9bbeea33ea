"""Reading one raw export into memory, with its provenance, before anything is written.

Two formats: SPSS system files (`.sav`, `.zsav`), read here, and CSV with a labels sidecar
(csv_export.py); both give a RawExport (export.py). Whatever is wrong with a file is raised
as an ExportError listing every problem found; nothing here touches the warehouse.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyreadstat

from orchestration.landing import provenance
from orchestration.landing.csv_export import read_csv
from orchestration.landing.errors import ExportError, Problem
from orchestration.landing.export import CSV_SUFFIXES, EXPORT_SUFFIXES, SAV_SUFFIXES, RawExport, sha256_of

_SAV_MAGIC = (b"$FL2", b"$FL3")


def read_export(path: Path, sha256: str | None = None) -> RawExport:
    """Read a .sav/.zsav or .csv export; raise ExportError naming every problem."""
    if not path.is_file():
        raise ExportError([Problem(path.name, f"no such file: {path}")])
    if path.stat().st_size == 0:
        raise ExportError([Problem(path.name, "empty file (0 bytes)", expected="an SPSS or CSV export")])
    suffix = path.suffix.lower()
    if suffix in SAV_SUFFIXES:
        return read_sav(path, sha256)
    if suffix in CSV_SUFFIXES:
        return read_csv(path, sha256)
    raise ExportError([Problem(path.name, f"unsupported file type {path.suffix!r}",
                               expected=" or ".join(EXPORT_SUFFIXES))])


def read_sav(path: Path, sha256: str | None = None) -> RawExport:
    if path.stat().st_size == 0:
        raise ExportError([Problem(path.name, "empty file (0 bytes)", expected="an SPSS system file")])
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic not in _SAV_MAGIC:
        # Checked first because readstat's own message for this case ("Unable to read from
        # file") does not tell a CSV renamed to .sav from a damaged header.
        raise ExportError([Problem(path.name, f"not a readable SPSS file: it starts with {magic!r}",
                                   expected="an SPSS system file starting with $FL2 or $FL3")])
    try:
        # user_missing=True keeps "weet ik niet" and refusal codes as codes: staging decides
        # what they mean; system-missing (not asked, skipped) stays NULL.
        data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as exc:  # pyreadstat raises its own, unexported error types
        raise ExportError([Problem(path.name, f"not a readable SPSS file: {_explain_readstat(str(exc))}",
                                   expected="a complete SPSS system file")]) from exc
    if meta.number_rows is not None and meta.number_rows >= 0 and len(data) != meta.number_rows:
        raise ExportError([Problem(path.name, f"not a readable SPSS file: truncated, {len(data)} of "
                                   f"{meta.number_rows} rows present", expected="a complete SPSS system file")])
    if len(data) == 0:
        raise ExportError([Problem(path.name, "header only: the file has variables but no data rows",
                                   expected="at least one respondent")])
    sources = {"document notes": provenance.from_notes(meta.notes or [])}
    if not sources["document notes"]:
        sources = {"file label": provenance.from_file_label(meta.file_label or "")}
    manifest = provenance.read_manifest(path)
    if manifest is not None:
        sources[provenance.manifest_path(path).name] = manifest
    meting, questionnaire = provenance.resolve(path, sources)
    return RawExport(
        path=path,
        sha256=sha256 or sha256_of(path),
        meting=meting,
        questionnaire=questionnaire,
        data=_restore_integers(data, meta.original_variable_types),
        format="sav",
        synthetic=provenance.is_synthetic(provenance.from_notes(meta.notes or [], keys=("synthetic",)), manifest),
        variable_labels=dict(zip(meta.column_names, meta.column_labels)),
        value_labels={k: {int(c): lbl for c, lbl in v.items()} for k, v in meta.variable_value_labels.items()},
        user_missing={k: [r["lo"] for r in v if r["lo"] == r["hi"]] for k, v in (meta.missing_ranges or {}).items()},
    )


_READSTAT_MEANING = {
    "expected number of rows": "truncated, it holds fewer rows than its header promises",
    "Unable to read from file": "damaged or cut short before the data",
    "Invalid file": "damaged: its dictionary (the part describing the variables) does not parse",
    "requested encoding": "damaged, or text that does not match the file's declared encoding",
}


def _explain_readstat(message: str) -> str:
    """readstat's terse messages, said in words an engineer can act on (original kept)."""
    meaning = next((text for key, text in _READSTAT_MEANING.items() if key in message), None)
    return f"{meaning} (readstat: {message})" if meaning else message


def _restore_integers(data: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """pyreadstat hands integers back as float64; F<w>.0 variables become nullable ints."""
    for name, fmt in formats.items():
        if re.fullmatch(r"F\d+\.0", fmt or "") and pd.api.types.is_float_dtype(data[name]):
            values = data[name].dropna()
            # inf or 1e20 stay floats: validation names them instead of a cast failing here
            fits = (values >= -(2.0**63)) & (values < 2.0**63)
            if fits.all() and (values == values.round()).all():
                data[name] = data[name].astype("Int64")
    return data
