"""What has been landed, where each version lives, and every attempt, inside the warehouse.

Tables (created on first use):
- `raw.load_registry`: one row per distinct file content (sha256) ever landed: its meting,
  questionnaire and export table, `status` current|superseded, and `stored_in`, the table
  that holds its rows now. `load_id` identifies the version.
- `raw.load_log`: one row per attempt, whatever its outcome (loaded, replaced, unchanged,
  refused, quarantined, failed), with the message an engineer needs.

History, not overwrite: the current version of an export is `raw.export_<meting>_<slug>`
(what dbt reads). When `--replace` lands a corrected export, the rows of the version it
replaces move, in the same transaction, to `raw_history.export_<meting>_<slug>__load_<id>`
and its registry row says so (`status = 'superseded'`, `stored_in` = that table). So
    select * from raw_history.export_2024_wi2021_asiel__load_1
gives the earlier version back, lineage columns included; `inburgering history` lists them.

Functions here run inside the caller's transaction unless they say otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.warehouse import connect

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
HISTORY_SCHEMA = "raw_history"
REGISTRY = f"{RAW_SCHEMA}.load_registry"
LOAD_LOG = f"{RAW_SCHEMA}.load_log"
LANDING_TABLES = ("load_registry", "load_log")

_DDL = [
    f"create schema if not exists {RAW_SCHEMA}",
    f"create schema if not exists {HISTORY_SCHEMA}",
    f"""create table if not exists {REGISTRY} (
        load_id bigint not null,
        sha256 varchar not null,
        source_file varchar,
        source_path varchar,
        meting integer,
        questionnaire varchar,
        export_table varchar,
        stored_in varchar,
        rows bigint,
        status varchar,
        validated boolean,
        loaded_at timestamp,
        superseded_by bigint,
        superseded_at timestamp
    )""",
    f"""create table if not exists {LOAD_LOG} (
        attempt_id bigint not null,
        load_id bigint,
        file varchar,
        path varchar,
        sha256 varchar,
        meting integer,
        questionnaire varchar,
        export_table varchar,
        rows bigint,
        status varchar,
        message varchar,
        started_at timestamp,
        finished_at timestamp
    )""",
]


@dataclass
class Version:
    """A row of raw.load_registry."""

    load_id: int
    sha256: str
    source_file: str
    source_path: str | None
    meting: int
    questionnaire: str
    export_table: str
    stored_in: str
    rows: int
    status: str
    validated: bool | None
    loaded_at: datetime
    superseded_by: int | None = None
    superseded_at: datetime | None = None


@dataclass
class Attempt:
    """A row of raw.load_log."""

    file: str
    status: str
    message: str
    started_at: datetime
    finished_at: datetime | None = None
    path: str | None = None
    sha256: str | None = None
    meting: int | None = None
    questionnaire: str | None = None
    export_table: str | None = None
    rows: int | None = None
    load_id: int | None = None


def utc_now() -> datetime:
    # Naive UTC, like the lineage column _loaded_at.
    return datetime.now(timezone.utc).replace(tzinfo=None)


def quoted(qualified: str) -> str:
    schema, _, table = qualified.partition(".")
    return f'{schema}."{table}"'


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the landing tables if missing, and register tables landed before there was a
    registry (by the first loader, which kept no registry), so they count as loaded. Own transaction."""
    con.execute("begin transaction")
    try:
        for statement in _DDL:
            con.execute(statement)
        _adopt_unregistered(con)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def _adopt_unregistered(con: duckdb.DuckDBPyConnection) -> None:
    tables = [row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_type = 'BASE TABLE' and starts_with(table_name, 'export_')", [RAW_SCHEMA]).fetchall()]
    for table in tables:
        qualified = f"{RAW_SCHEMA}.{table}"
        if current_for(con, qualified) is not None:
            continue
        columns = {row[0] for row in con.execute(f"describe {quoted(qualified)}").fetchall()}
        if not {"_source_sha256", "_source_file", "_meting", "_questionnaire", "_loaded_at"} <= columns:
            log.warning("%s has no lineage columns; left unregistered", qualified)
            continue
        sha, file, meting, questionnaire, loaded_at, rows = con.execute(
            f"select any_value(_source_sha256), any_value(_source_file), any_value(_meting), "
            f"any_value(_questionnaire), max(_loaded_at), count(*) from {quoted(qualified)}").fetchone()
        if sha is None or by_sha(con, sha) is not None:
            continue
        insert_version(con, Version(next_id(con, REGISTRY, "load_id"), sha, file, None, meting, questionnaire,
                                    qualified, qualified, rows, "current", None, loaded_at))
        log.info("registered %s, landed before the registry existed (sha256 %s)", qualified, sha[:12])


def _version(row: tuple | None) -> Version | None:
    return Version(*row) if row else None


_VERSION_COLUMNS = ", ".join(field.name for field in fields(Version))


def by_sha(con: duckdb.DuckDBPyConnection, sha256: str) -> Version | None:
    return _version(con.execute(f"select {_VERSION_COLUMNS} from {REGISTRY} where sha256 = ?", [sha256]).fetchone())


def by_id(con: duckdb.DuckDBPyConnection, load_id: int) -> Version | None:
    return _version(con.execute(f"select {_VERSION_COLUMNS} from {REGISTRY} where load_id = ?", [load_id]).fetchone())


def current_for(con: duckdb.DuckDBPyConnection, export_table: str) -> Version | None:
    return _version(con.execute(
        f"select {_VERSION_COLUMNS} from {REGISTRY} where export_table = ? and status = 'current'",
        [export_table]).fetchone())


def next_id(con: duckdb.DuckDBPyConnection, table: str, column: str) -> int:
    # max + 1 is safe: DuckDB lets one process write, and we write inside a transaction.
    return con.execute(f"select coalesce(max({column}), 0) + 1 from {table}").fetchone()[0]


def insert_version(con: duckdb.DuckDBPyConnection, version: Version) -> None:
    values = [getattr(version, field.name) for field in fields(Version)]
    con.execute(f"insert into {REGISTRY} ({_VERSION_COLUMNS}) values ({', '.join('?' * len(values))})", values)


def make_current(con: duckdb.DuckDBPyConnection, earlier: Version, version: Version) -> None:
    """A superseded version landed again with --replace: same load_id, current again. Its
    raw_history copy goes, so every version lives in exactly one place."""
    if earlier.stored_in != earlier.export_table:
        con.execute(f"drop table if exists {quoted(earlier.stored_in)}")
    con.execute(
        f"update {REGISTRY} set status = 'current', stored_in = export_table, source_file = ?, source_path = ?, "
        "rows = ?, validated = ?, loaded_at = ?, superseded_by = null, superseded_at = null where load_id = ?",
        [version.source_file, version.source_path, version.rows, version.validated, version.loaded_at,
         version.load_id])


def supersede(con: duckdb.DuckDBPyConnection, current: Version, by: int, at: datetime) -> str:
    """Move the current version's rows to raw_history and mark it superseded; returns where."""
    history = f"{HISTORY_SCHEMA}.{current.export_table.split('.', 1)[1]}__load_{current.load_id}"
    con.execute(f"create table {quoted(history)} as select * from {quoted(current.export_table)}")
    con.execute(f"update {REGISTRY} set status = 'superseded', stored_in = ?, superseded_by = ?, superseded_at = ? "
                "where load_id = ?", [history, by, at, current.load_id])
    return history


def write_current(con: duckdb.DuckDBPyConnection, export_table: str, frame: pd.DataFrame) -> None:
    con.register("_landing_frame", frame)
    try:
        con.execute(f"create or replace table {quoted(export_table)} as select * from _landing_frame")
    finally:
        con.unregister("_landing_frame")


def log_attempt(con: duckdb.DuckDBPyConnection, attempt: Attempt) -> int:
    attempt.finished_at = attempt.finished_at or utc_now()
    attempt_id = next_id(con, LOAD_LOG, "attempt_id")
    names = ["attempt_id"] + [field.name for field in fields(Attempt)]
    values = [attempt_id] + [getattr(attempt, field.name) for field in fields(Attempt)]
    con.execute(f"insert into {LOAD_LOG} ({', '.join(names)}) values ({', '.join('?' * len(values))})", values)
    return attempt_id


def log_attempt_alone(con: duckdb.DuckDBPyConnection, attempt: Attempt) -> None:
    """A failed attempt's only trace: its log row, in a transaction of its own."""
    con.execute("begin transaction")
    try:
        log_attempt(con, attempt)
        con.execute("commit")
    except Exception:
        rollback(con)
        raise


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Undo the open transaction. Raises when it cannot (a full disk, a connection DuckDB has
    invalidated): the caller then drops the connection, which discards the transaction."""
    con.execute("rollback")


# Reading, for the sensor, the CLI and tests: read-only connections, and a warehouse that
# does not exist yet (or has no registry yet) simply has nothing landed.

def snapshot(duckdb_path: Path, wait_seconds: float = 60.0) -> dict[str, Version]:
    """Every registered version by sha256."""
    frame = read_frame(duckdb_path, f"select {_VERSION_COLUMNS} from {REGISTRY}", wait_seconds=wait_seconds)
    return {} if frame is None else {row.sha256: Version(*row) for row in frame.itertuples(index=False)}


def read_frame(duckdb_path: Path, sql: str, params: list | None = None,
               wait_seconds: float = 60.0) -> pd.DataFrame | None:
    """Result of a query on a read-only connection; None when the warehouse or table is not there."""
    if not duckdb_path.exists():
        return None
    try:
        with connect(duckdb_path, read_only=True, wait_seconds=wait_seconds) as con:
            return _frame_or_none(con, sql, params)
    except duckdb.ConnectionException:
        # This process already has the file open read-write (e.g. another asset of the same
        # in-process run): DuckDB refuses a second configuration, but shares that one.
        with connect(duckdb_path, wait_seconds=wait_seconds) as con:
            return _frame_or_none(con, sql, params)


def _frame_or_none(con: duckdb.DuckDBPyConnection, sql: str, params: list | None) -> pd.DataFrame | None:
    try:
        return con.execute(sql, params or []).df()
    except duckdb.CatalogException:
        return None


def version_rows(duckdb_path: Path, load_id: int) -> pd.DataFrame:
    """The rows of one landed version, current or superseded."""
    found = read_frame(duckdb_path, f"select stored_in from {REGISTRY} where load_id = ?", [load_id])
    if found is None or found.empty:
        raise KeyError(f"no landed version with load_id {load_id}")
    return read_frame(duckdb_path, f"select * from {quoted(found.iloc[0, 0])}")

