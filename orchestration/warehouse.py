"""Connections to the DuckDB warehouse and whole-table writes.

DuckDB allows one writing process per file, and a writer keeps every other process out (even
read-only ones). Writers therefore take turns through one lock file beside the warehouse
(`<warehouse>.writer.lock`, fcntl.flock): loads, dbt builds, analyses and publishing wait for it
with a message naming the holder (process id, command, since when), up to
INBURGERING_WAIT_SECONDS (or the command's `--wait`). The holder writes who it is into the file;
the kernel releases the lock when the holder's process ends, however it ends.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from orchestration.privacy.file_modes import make_private, restrict_umask

log = logging.getLogger(__name__)

WAIT_ENV = "INBURGERING_WAIT_SECONDS"
DEFAULT_WAIT_SECONDS = 60.0


class WarehouseBusy(RuntimeError):
    """Another process holds the warehouse file: a writer, or any connection when we want to
    write (DuckDB's lock is per process: one writer, or any number of read-only readers)."""


def default_wait_seconds() -> float:
    """INBURGERING_WAIT_SECONDS, else 60 s; a value that is not a number >= 0 stops with its name."""
    value = os.environ.get(WAIT_ENV)
    if value in (None, ""):
        return DEFAULT_WAIT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise ValueError(f"{WAIT_ENV}={value!r}: expected a number of seconds (0 or more)")
    return seconds


@contextmanager
def waiting_for(seconds: float) -> Iterator[None]:
    """Every connection opened inside waits `seconds` for the warehouse, dbt's subprocess too
    (it inherits the variable); the caller's own setting comes back afterwards."""
    before = os.environ.get(WAIT_ENV)
    os.environ[WAIT_ENV] = str(seconds)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(WAIT_ENV, None)
        else:
            os.environ[WAIT_ENV] = before


# --- the writer lock ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Holder:
    pid: int | None
    command: str
    since: str

    def __str__(self) -> str:
        if self.pid is None:
            return "a process that has not said who it is yet"
        return f"PID {self.pid} ({self.command}, since {self.since} UTC)"


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".writer.lock")


def _this_command() -> str:
    return " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv and sys.argv[0] else "python"


def _read_holder(fd: int) -> Holder:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        info = {}
    return Holder(info.get("pid"), info.get("command", "unknown command"), info.get("since", "unknown"))


def current_holder(database: Path) -> Holder | None:
    """Who holds the writer lock of `database` now; None when nobody does."""
    path = lock_path(database)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


# Held locks of this process, so nested writers (a dbt step opening a probe connection) re-enter.
_held: dict[Path, list] = {}
_guard = threading.Lock()


@contextmanager
def writer_lock(database: Path, activity: str = "", wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock; wait up to `wait_seconds` for another process to release it,
    then raise WarehouseBusy naming the holder. Re-entrant within a process."""
    wait_seconds = default_wait_seconds() if wait_seconds is None else wait_seconds
    path = lock_path(Path(database).resolve())
    with _guard:
        entry = _held.get(path)
        if entry is not None:
            entry[1] += 1
    if entry is not None:
        try:
            yield
        finally:
            with _guard:
                entry[1] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o664)
    try:
        _acquire(fd, database, wait_seconds)
    except BaseException:
        os.close(fd)
        raise
    command = _this_command() + (f": {activity}" if activity else "")
    since = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": command, "since": since}).encode(), 0)
    with _guard:
        _held[path] = [fd, 1]
    try:
        yield
    finally:
        with _guard:
            del _held[path]
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def reading_turn(database: Path) -> Iterator[None]:
    """A short read by the pipeline's own sensors: WarehouseBusy at once while a writer holds the
    warehouse, and writers kept out while it reads (a shared lock), so a dbt process never finds the
    file held by a sensor's connection."""
    path = lock_path(Path(database).resolve())
    with _guard:
        held_here = path in _held
    if held_here or not path.parent.exists():
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o664)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(f"{database}: held by {_read_holder(fd)}") from None
        yield
    finally:
        os.close(fd)


def _acquire(fd: int, database: Path, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    told = None
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if told is not None:
                log.warning("%s: our turn, %s released the warehouse", database, told)
            return
        except BlockingIOError:
            holder = _read_holder(fd)
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{database}: the warehouse is busy, held by {holder}, and was not released within "
                    f"{wait_seconds:.0f}s; nothing was changed. Try again when it is done, or wait longer "
                    f"(--wait or {WAIT_ENV}).") from None
            if holder != told:
                log.warning("%s is held by %s; waiting for our turn (up to %.0fs)", database, holder,
                            max(deadline - time.monotonic(), 0))
                told = holder
            time.sleep(min(0.5, max(deadline - time.monotonic(), 0.01)))


# --- connections -------------------------------------------------------------------------------

def _is_lock_error(exc: Exception) -> bool:
    return "lock" in str(exc).lower()


def _holder(path: Path, exc: Exception) -> str:
    """Who holds the file: the writer lock's holder if a writer does, else 'PID 1234' from DuckDB's
    lock message (an analyst's session), so the engineer knows whom to ask."""
    holder = current_holder(path)
    if holder is not None and holder.pid not in (None, os.getpid()):
        return str(holder)
    match = re.search(r"\(PID (\d+)\)", str(exc))
    return f"PID {match.group(1)}" if match else "process unknown"


@contextmanager
def connect(path: Path, read_only: bool = False, wait_seconds: float | None = None,
            activity: str = "") -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse; a writing one holds the writer lock while it is open."""
    wait_seconds = default_wait_seconds() if wait_seconds is None else wait_seconds
    path.parent.mkdir(parents=True, exist_ok=True)
    if not read_only:
        restrict_umask()  # record-level data: the files DuckDB creates are the owner's and group's only
    deadline = time.monotonic() + wait_seconds
    if read_only:
        with _open(path, True, wait_seconds, deadline) as con:
            yield con
        return
    with writer_lock(path, activity or "write", wait_seconds):
        with _open(path, False, wait_seconds, deadline) as con:
            yield con


@contextmanager
def _open(path: Path, read_only: bool, wait_seconds: float, deadline: float) -> Iterator[duckdb.DuckDBPyConnection]:
    delay, told = 0.2, None
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise WarehouseBusy(
                        f"{path}: the warehouse is held by another process ({_holder(path, exc)}) and was not "
                        f"released within {wait_seconds:.0f}s. A load, a dbt build or an open session "
                        "(even a read-only one) blocks writers; nothing was changed, try again when it "
                        f"is closed (or wait longer: --wait or {WAIT_ENV}). DuckDB said: {exc}"
                    ) from exc
                raise
            holder = _holder(path, exc)
            if holder != told:  # once per holder, not once per retry
                log.warning("%s is held by another process (%s); waiting up to %.0fs for it to close",
                            path, holder, max(deadline - time.monotonic(), 0))
                told = holder
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
    if not read_only:
        make_private(path)
    try:
        yield con
    finally:
        con.close()


def wait_until_free(path: Path, wait_seconds: float | None = None) -> None:
    """Return once no other process has the DuckDB file open, for a child process (dbt) that opens it
    itself and cannot wait. Call it holding the writer lock, so no writer slips in between."""
    if path.exists():
        with connect(path, wait_seconds=wait_seconds):
            pass


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
