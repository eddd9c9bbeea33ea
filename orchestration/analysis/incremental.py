"""Per-meting bookkeeping for the analysis tables: a new wave adds work instead of redoing all.

Every analysis table carries a `meting` column. An asset fingerprints its input per meting (the
rows it reads, plus the analysis code, models.yaml and the report mapping); a meting whose fingerprint matches the
one stored in analysis.meting_inputs keeps its rows, the others are computed and swapped in. All
tables of an asset and the bookkeeping change in one transaction: a reader sees the old or the
new state, never a mix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

SCHEMA = "analysis"
BOOKKEEPING = "meting_inputs"
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


@dataclass
class Plan:
    asset: str
    fingerprints: dict[int, str]
    compute: list[int] = field(default_factory=list)
    reuse: list[int] = field(default_factory=list)
    drop: list[int] = field(default_factory=list)

    def metadata(self) -> dict:
        return {"metingen_computed": ", ".join(map(str, self.compute)) or "none",
                "metingen_reused": ", ".join(map(str, self.reuse)) or "none",
                "metingen_dropped": ", ".join(map(str, self.drop)) or "none"}


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [SCHEMA, table]).fetchall()[0][0])


def plan(con: duckdb.DuckDBPyConnection, asset: str, fingerprints: dict[int, str], tables: list[str],
         force: bool = False) -> Plan:
    """Which metingen to compute: those whose input changed, or all when a table is missing."""
    result = Plan(asset, dict(fingerprints))
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
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return rows
