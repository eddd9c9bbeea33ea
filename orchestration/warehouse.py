"""Connections to the DuckDB warehouse and whole-table writes.

DuckDB allows one writing process per file. A writer that finds the file locked waits
and retries with a message instead of failing on the first attempt.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from orchestration.privacy.file_modes import make_private, restrict_umask

log = logging.getLogger(__name__)


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file: a writer, or any connection when we want to
    write (DuckDB's lock is per process: one writer, or any number of read-only readers)."""


def _is_lock_error(exc: Exception) -> bool:
    return "lock" in str(exc).lower()


def _holder(exc: Exception) -> str:
    """'PID 1234' from DuckDB's lock message, so the engineer knows whom to ask."""
    match = re.search(r"\(PID (\d+)\)", str(exc))
    return f"PID {match.group(1)}" if match else "process unknown"


@contextmanager
def connect(path: Path, read_only: bool = False, wait_seconds: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not read_only:
        restrict_umask()  # record-level data: the files DuckDB creates are the owner's and group's only
    deadline = time.monotonic() + wait_seconds
    delay = 0.2
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise WarehouseBusy(
                        f"{path}: the warehouse is held by another process ({_holder(exc)}) and was not "
                        f"released within {wait_seconds:.0f}s. A load, a dbt build or an open session "
                        "(even a read-only one) blocks writers; nothing was changed, try again when it "
                        f"is closed. DuckDB said: {exc}"
                    ) from exc
                raise
            log.warning("%s is held by another process (%s); waiting %.1fs and trying again",
                        path, _holder(exc), delay)
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    if not read_only:
        make_private(path)
    try:
        yield con
    finally:
        con.close()


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame) -> int:
    """Swap a table's contents in one transaction: readers see the old or the new, never half."""
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {schema}")
        con.register("_frame", frame)
        con.execute(f"create or replace table {schema}.{table} as select * from _frame")
        con.unregister("_frame")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(frame)
