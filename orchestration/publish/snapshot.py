"""Publish a read-only snapshot of the warehouse for analysts.

The warehouse file has one writer at a time, and a reader holding it open blocks the next
load or dbt build (and vice versa). Analysts therefore read a separate file: after a build
the `marts` and `analysis` schemas are copied, as tables, into a new DuckDB file in the
published folder, which is checkpointed, closed, fsynced and then renamed onto the published
path. A rename is atomic on POSIX: a reader that has the old file open keeps reading the old
inode, a reader that opens the path afterwards gets the whole new file, and nobody ever sees
a half-written snapshot or meets the pipeline's lock.

The snapshot is the analysts' privacy tier: record-level, but no respondent-wave can be singled
out by its quasi-identifiers (anonymise.py, orchestration/privacy/snapshot_privacy.py), and no
aggregate line of fewer than k respondents is copied. A snapshot that does not reach k, or holds
a table without a declared rule, is not published; the previous one stays. The file is readable
by its owner and group only.

The refresh publishes only when something changed (`unless_unchanged`): the snapshot records the
version of its source (every copied table's rows and content hash, the privacy rules, the code and
documentation that shape the copy, DuckDB's version), and a source with the same version keeps the
published file as it is.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from orchestration import dbt_state
from orchestration.privacy.file_modes import PRIVATE_READ_ONLY, private_umask
from orchestration.privacy.snapshot_privacy import PrivacyRuleError, Rules
from orchestration.publish import comments
from orchestration.publish.anonymise import Plan, PrivacyNotReached, PrivacyReport, verify
from orchestration.warehouse import WarehouseBusy, connect, writer_lock

SNAPSHOT_SCHEMAS = ("marts", "analysis")
INFO_TABLE = "snapshot_info"
SOURCE_TABLE = "snapshot_source"
ALIAS = "snapshot"
_TEMP_MARK = ".tmp-"


class SnapshotError(RuntimeError):
    """The snapshot could not be published; the previously published file is untouched."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    source: Path
    built_at: datetime
    rows: dict[str, int]  # "schema.table" -> rows
    fingerprint: str
    seconds: float
    bytes: int
    privacy: PrivacyReport
    reused: bool = False  # the published file was already up to date with its source: left as it was

    @property
    def tables(self) -> list[str]:
        return sorted(self.rows)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def publish(warehouse: Path, target: Path, schemas: tuple[str, ...] = SNAPSHOT_SCHEMAS,
            wait_seconds: float | None = None, rules: Rules | None = None,
            unless_unchanged: bool = False) -> Snapshot:
    """Copy every table and view of `schemas` in `warehouse` into a new file and move it onto
    `target` in one rename. On any failure the file at `target` is left as it was. With
    `unless_unchanged`, a `target` published from the same source version is kept instead."""
    try:
        rules = rules or Rules.load()
    except PrivacyRuleError as exc:
        raise SnapshotError(f"{exc}; the published file is unchanged") from exc
    if not warehouse.is_file():
        raise SnapshotError(f"{warehouse}: no warehouse file to publish a snapshot from; build it first")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_temp_files(target)
    temp = target.with_name(f".{target.name}{_TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")
    started = time.monotonic()
    built_at = datetime.now(timezone.utc).replace(tzinfo=None)
    try:
        # the writer lock: no load or build changes the warehouse halfway through the copy
        with writer_lock(warehouse, "publish snapshot", wait_seconds), \
                connect(warehouse, read_only=True, wait_seconds=wait_seconds) as con, private_umask():
            source = source_version(con, schemas, rules)
            kept = _published_from(target, source, warehouse) if unless_unchanged else None
            if kept is not None:
                return dataclasses.replace(kept, seconds=time.monotonic() - started)
            rows, fingerprints, privacy = _copy_schemas(con, warehouse, temp, schemas, built_at, rules, source)
        _fsync(temp)
        # 0440: an analyst who forgets read_only=True gets an error (as a non-root user) instead of
        # taking the write lock that would keep every other reader out until they close; and
        # only the owner and the analysts' group can read it.
        temp.chmod(PRIVATE_READ_ONLY)
        os.replace(temp, target)
        _fsync(target.parent)
    except BaseException as exc:
        _remove(temp)
        # Busy: the caller may wait and retry, and its message already names the warehouse.
        if isinstance(exc, (SnapshotError, WarehouseBusy, KeyboardInterrupt, SystemExit)):
            raise
        if isinstance(exc, PrivacyNotReached):
            raise SnapshotError(f"{target}: {exc}; the previously published snapshot stays") from exc
        raise SnapshotError(f"publishing a snapshot of {warehouse} to {target} failed; the published file "
                            f"is unchanged. {type(exc).__name__}: {exc}") from exc
    return Snapshot(path=target, source=warehouse, built_at=built_at, rows=rows,
                    fingerprint=_combine(fingerprints), seconds=time.monotonic() - started,
                    bytes=target.stat().st_size, privacy=privacy)


def source_version(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...], rules: Rules) -> str:
    """What a snapshot is made from: every relation of `schemas` (rows and an order-independent
    content hash, one scan each), the privacy rules, the project's models, seeds and documentation
    (comments), the copying and anonymising code, and DuckDB's version (its hash function)."""
    # counted and hashed as snapshot_info counts and hashes the copies
    contents = [(f"{schema}.{name}", *_count_and_fingerprint(con, f"{_ident(schema)}.{_ident(name)}"))
                for schema, name in _relations(con, schemas)]
    package = Path(__file__).resolve().parents[1]
    code = [path for folder in ("publish", "privacy") for path in (package / folder).glob("*.py")]
    digest = hashlib.sha256()
    for part in (duckdb.__version__, repr(rules), dbt_state.project_fingerprint(),
                 dbt_state.files_digest(package, code), json.dumps(contents)):
        digest.update(part.encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def _published_from(target: Path, source: str, warehouse: Path) -> Snapshot | None:
    """The snapshot at `target` if it was published from `source`; None if not, or unreadable."""
    try:
        with duckdb.connect(str(target), read_only=True) as con:
            recorded, report = con.execute(f"select source_version, privacy_report from main.{SOURCE_TABLE}").fetchone()
            if recorded != source:
                return None
            info = con.execute(f"select table_schema || '.' || table_name, row_count, table_fingerprint, built_at "
                               f"from main.{INFO_TABLE}").fetchall()
    except (duckdb.Error, OSError, TypeError):
        return None
    return Snapshot(path=target, source=warehouse, built_at=max(row[3] for row in info),
                    rows={row[0]: int(row[1]) for row in info},
                    fingerprint=_combine({row[0]: row[2] for row in info}), seconds=0.0,
                    bytes=target.stat().st_size, privacy=PrivacyReport(**json.loads(report)), reused=True)


def _copy_schemas(con: duckdb.DuckDBPyConnection, warehouse: Path, temp: Path, schemas: tuple[str, ...],
                  built_at: datetime, rules: Rules, source: str) -> tuple[dict[str, int], dict[str, str], PrivacyReport]:
    """The copy itself, from the warehouse's read-only connection into `temp` attached read-write."""
    relations = _relations(con, schemas)
    if not any(schema == "marts" for schema, _ in relations) and "marts" in schemas:
        raise SnapshotError(f"{warehouse}: the marts schema holds no tables; run the build before publishing")
    plan = Plan(con, relations, rules)
    relations = [relation for relation in relations if plan.copies(relation)]
    con.execute(f"attach {_literal(temp)} as {ALIAS} (read_write)")
    try:
        # One transaction for the whole copy: a commit per table and per comment (a few hundred)
        # costs more than the copy of a small warehouse. The file is temporary until the rename
        # either way; a failure rolls back before the file is removed.
        con.execute("begin transaction")
        rows, fingerprints, privacy = _fill(con, warehouse, relations, plan, built_at, source, schemas)
        con.execute("commit")
        # Everything in the main file, no WAL beside it: the rename then moves the whole snapshot.
        con.execute(f"checkpoint {ALIAS}")
    except BaseException:
        # the error that got here is the one to tell: a rollback with nothing to roll back (the
        # commit went through), or a detach that fails after it, must not replace it
        for statement in ("rollback", f"detach {ALIAS}"):
            with contextlib.suppress(duckdb.Error):
                con.execute(statement)
        raise
    con.execute(f"detach {ALIAS}")
    return rows, fingerprints, privacy


def _fill(con: duckdb.DuckDBPyConnection, warehouse: Path, relations: list[tuple[str, str]], plan: Plan,
          built_at: datetime, source: str, schemas: tuple[str, ...]) -> tuple[dict[str, int], dict[str, str], PrivacyReport]:
    """The snapshot's schemas, tables, privacy check, bookkeeping and comments, in the attached file."""
    rows, fingerprints = {}, {}
    for schema in sorted({schema for schema, _ in relations}):
        con.execute(f"create schema {ALIAS}.{_ident(schema)}")
    for schema, name in relations:
        copy = f"{ALIAS}.{_ident(schema)}.{_ident(name)}"
        # Tables, not views: the snapshot must not depend on seeds or intermediate models.
        con.execute(f"create table {copy} as {plan.select((schema, name))}")
        rows[f"{schema}.{name}"], fingerprints[f"{schema}.{name}"] = _count_and_fingerprint(con, copy)
    privacy = verify(con, ALIAS, plan)
    _write_info(con, warehouse, built_at, rows, fingerprints)
    _write_source(con, source, privacy)
    _copy_comments(con, schemas)
    return rows, fingerprints, privacy


INFO_COMMENT = ("One row per table of this snapshot: its rows and content fingerprint, when the snapshot was "
                "built and from which warehouse; a reader can check that what it sees is complete.")


def _copy_comments(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> None:
    """Table and column comments: `create table as select` drops them, so they are copied from the
    warehouse (dbt's persist_docs) and applied to the analysis tables from their dbt source YAML."""
    warehouse = con.execute("select current_database()").fetchone()[0]
    comments.copy(con, warehouse, ALIAS, schemas)
    comments.apply(con, comments.source_docs(), catalog=ALIAS)
    con.execute(f"comment on table {ALIAS}.main.{INFO_TABLE} is '{INFO_COMMENT}'")
    con.execute(f"comment on table {ALIAS}.main.{SOURCE_TABLE} is '{SOURCE_COMMENT}'")


def _relations(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema in (select unnest(?)) "
        "order by table_schema, table_name", [list(schemas)]).fetchall()


def _count_and_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, str]:
    """Rows and an order-independent content hash (sum of DuckDB's row hashes): one scan of a
    table; comparable between snapshots made by the same DuckDB version."""
    count, digest = con.execute(f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {table} t").fetchone()
    return int(count), str(digest)


def _write_info(con: duckdb.DuckDBPyConnection, warehouse: Path, built_at: datetime,
                rows: dict[str, int], fingerprints: dict[str, str]) -> None:
    """One row per copied table; readers can check that what they see is complete."""
    con.execute(f"create table {ALIAS}.main.{INFO_TABLE} (table_schema varchar, table_name varchar, "
                "row_count bigint, table_fingerprint varchar, snapshot_fingerprint varchar, "
                "built_at timestamp, source_warehouse varchar)")
    overall = _combine(fingerprints)
    con.executemany(
        f"insert into {ALIAS}.main.{INFO_TABLE} values (?, ?, ?, ?, ?, ?, ?)",
        [[*name.split(".", 1), rows[name], fingerprints[name], overall, built_at, str(warehouse)]
         for name in sorted(rows)])


SOURCE_COMMENT = ("The version of the warehouse this snapshot was copied from (tables, privacy rules, code) and its "
                  "privacy report: a refresh with the same version keeps this file as it is.")


def _write_source(con: duckdb.DuckDBPyConnection, source: str, privacy: PrivacyReport) -> None:
    con.execute(f"create table {ALIAS}.main.{SOURCE_TABLE} (source_version varchar, privacy_report json)")
    con.execute(f"insert into {ALIAS}.main.{SOURCE_TABLE} values (?, ?)",
                [source, json.dumps(dataclasses.asdict(privacy))])


def _combine(fingerprints: dict[str, str]) -> str:
    text = "\n".join(f"{name}:{value}" for name, value in sorted(fingerprints.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _fsync(path: Path) -> None:
    """Data on disk before the rename makes it visible (and the directory entry after it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(temp: Path) -> None:
    for leftover in (temp, temp.with_name(temp.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _remove_abandoned_temp_files(target: Path) -> None:
    """Temp files of publishers that died (kill -9, power loss); a live publisher's are kept."""
    for temp in target.parent.glob(f".{target.name}{_TEMP_MARK}*"):
        pid = temp.name.removeprefix(f".{target.name}{_TEMP_MARK}").split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            temp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    return True


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
