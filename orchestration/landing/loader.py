"""Writing a read export into DuckDB: one transaction per file, lineage on every row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration.landing.reader import RawExport, read_sav
from orchestration.warehouse import connect, replace_table

RAW_SCHEMA = "raw"


@dataclass(frozen=True)
class LandingResult:
    file: str
    table: str
    rows: int
    sha256: str


def land_export(con: duckdb.DuckDBPyConnection, export: RawExport) -> LandingResult:
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    frame = export.data.copy()
    frame["_source_file"] = export.path.name
    frame["_source_sha256"] = export.sha256
    frame["_loaded_at"] = loaded_at
    frame["_meting"] = export.meting
    frame["_questionnaire"] = export.questionnaire
    rows = replace_table(con, RAW_SCHEMA, export.table_name, frame)
    return LandingResult(export.path.name, f"{RAW_SCHEMA}.{export.table_name}", rows, export.sha256)


def land_files(duckdb_path: Path, paths: list[Path]) -> list[LandingResult]:
    exports = [read_sav(path) for path in paths]  # read all first: a bad file stops before any write
    with connect(duckdb_path) as con:
        return [land_export(con, export) for export in exports]
