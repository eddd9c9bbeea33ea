"""Per-meting bookkeeping for the analysis tables: a new wave adds work instead of redoing all.

Every analysis table carries a `meting` column. An asset fingerprints its input per meting (the
rows it reads, plus the analysis code, models.yaml and the report mapping); a meting whose fingerprint matches the
one stored in analysis.meting_inputs keeps its rows, the others are computed and swapped in. All
tables of an asset and the bookkeeping change in one transaction: a reader sees the old or the
new state, never a mix.

Before any of that, `up_to_date` answers without reading a row: when no dbt build ran a model
since the asset last computed (orchestration.dbt_state), and the project's code, the published
reference and the outputs folder are the same, the asset has nothing to do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from orchestration import dbt_state
from orchestration.reference import reference_dir

SCHEMA = "analysis"
BOOKKEEPING = "meting_inputs"
# beside dbt's record, unpublished: what each asset last computed from
ASSET_INPUTS = f"{dbt_state.SCHEMA}.analysis_inputs"
_PACKAGE = Path(__file__).parent


@lru_cache(maxsize=1)
def code_version() -> str:
    """The analysis code, its term coding and the report mapping it reads: changing any
    recomputes every meting."""
    digest = hashlib.sha256()
    mapping = _PACKAGE.parent / "report_mapping.yaml"
    for path in [*sorted([*_PACKAGE.glob("*.py"), *_PACKAGE.glob("*.yaml"), *_PACKAGE.glob("*.sql")]), mapping]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(*parts: pd.DataFrame | str) -> str:
    digest = hashlib.sha256(code_version().encode())
    for part in parts:
        if isinstance(part, pd.DataFrame):
            digest.update(",".join(map(str, part.columns)).encode())
            digest.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
        else:
            digest.update(str(part).encode())
    return digest.hexdigest()


def _digest_of(folder: Path, patterns: tuple[str, ...]) -> bytes:
    digest = hashlib.sha256()
    for path in sorted(p for pattern in patterns for p in folder.rglob(pattern) if "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.digest()


def inputs_version(con: duckdb.DuckDBPyConnection, outputs_dir: Path) -> str | None:
    """What an asset's result depends on besides the rows: the last dbt build that ran a model, all
    of the project's Python and YAML (the analyses import beyond their package), the published
    reference and where the pages go. None when no build was recorded: then always compute."""
    build = dbt_state.last_build(con)
    if build is None:
        return None
    digest = hashlib.sha256(build.encode())
    digest.update(_digest_of(_PACKAGE.parent, ("*.py", "*.yaml")))
    digest.update(_digest_of(reference_dir(), ("*.yaml",)))
    digest.update(str(outputs_dir.resolve()).encode())
    return digest.hexdigest()


def up_to_date(con: duckdb.DuckDBPyConnection, asset: str, version: str | None, tables: list[str]) -> bool:
    if version is None or not _table_exists(con, "analysis_inputs", dbt_state.SCHEMA) \
            or not all(_table_exists(con, t) for t in tables):
        return False
    stored = con.execute(f"select inputs_version from {ASSET_INPUTS} where asset = ?", [asset]).fetchall()
    return bool(stored) and stored[0][0] == version


def table_rows(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    return {table: con.execute(f"select count(*) from {SCHEMA}.{table}").fetchall()[0][0] for table in tables}


@dataclass
class Plan:
    asset: str
    fingerprints: dict[int, str]
    compute: list[int] = field(default_factory=list)
    reuse: list[int] = field(default_factory=list)
    drop: list[int] = field(default_factory=list)
    inputs_version: str | None = None  # stored with the tables: up_to_date compares it

    def metadata(self) -> dict:
        return {"metingen_computed": ", ".join(map(str, self.compute)) or "none",
                "metingen_reused": ", ".join(map(str, self.reuse)) or "none",
                "metingen_dropped": ", ".join(map(str, self.drop)) or "none"}


def _table_exists(con: duckdb.DuckDBPyConnection, table: str, schema: str = SCHEMA) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table]).fetchall()[0][0])


def plan(con: duckdb.DuckDBPyConnection, asset: str, fingerprints: dict[int, str], tables: list[str],
         force: bool = False, inputs_version: str | None = None) -> Plan:
    """Which metingen to compute: those whose input changed, or all when a table is missing."""
    result = Plan(asset, dict(fingerprints), inputs_version=inputs_version)
    stored: dict[int, str] = {}
    if not force and _table_exists(con, BOOKKEEPING) and all(_table_exists(con, t) for t in tables):
        stored = {int(m): f for m, f in con.execute(
            f"select meting, input_fingerprint from {SCHEMA}.{BOOKKEEPING} where asset = ?", [asset]).fetchall()}
    for meting, value in sorted(fingerprints.items()):
        (result.reuse if stored.get(meting) == value else result.compute).append(meting)
    result.drop = sorted(set(stored) - set(fingerprints))
    return result


def write(con: duckdb.DuckDBPyConnection, work: Plan, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Swap in the computed metingen's rows of every table, keep the reused ones, in one transaction."""
    rows = {}
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        for table, frame in frames.items():
            name = f"_new_{table}"
            con.register(name, frame)
            keep = work.reuse if _table_exists(con, table) else []
            if keep:
                con.execute(
                    f"create or replace table {SCHEMA}.{table} as "
                    f"select * from {SCHEMA}.{table} where list_contains($keep, meting) "
                    f"union all by name select * from {name}", {"keep": keep})
            else:
                con.execute(f"create or replace table {SCHEMA}.{table} as select * from {name}")
            con.unregister(name)
            rows[table] = con.execute(f"select count(*) from {SCHEMA}.{table}").fetchall()[0][0]
        con.execute(f"create table if not exists {SCHEMA}.{BOOKKEEPING} "
                    "(asset varchar, meting integer, input_fingerprint varchar, computed_at timestamp)")
        con.execute(f"delete from {SCHEMA}.{BOOKKEEPING} where asset = ? and not list_contains(?, meting)",
                    [work.asset, work.reuse])
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        for meting in work.compute:
            con.execute(f"insert into {SCHEMA}.{BOOKKEEPING} values (?, ?, ?, ?)",
                        [work.asset, meting, work.fingerprints[meting], now])
        con.execute(f"create schema if not exists {dbt_state.SCHEMA}")
        con.execute(f"create table if not exists {ASSET_INPUTS} "
                    "(asset varchar primary key, inputs_version varchar, computed_at timestamp)")
        con.execute(f"delete from {ASSET_INPUTS} where asset = ?", [work.asset])
        if work.inputs_version is not None:
            con.execute(f"insert into {ASSET_INPUTS} values (?, ?, ?)", [work.asset, work.inputs_version, now])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return rows
