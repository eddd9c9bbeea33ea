"""Landing exports into the warehouse: exactly once, validated first, one transaction per file.

For each file:
1. Its sha256. A file whose sha256 is already the current version is a no-op that says so
   ('unchanged'); it is not even read, so a codebook change cannot quarantine old files.
2. Read and validate, with no warehouse writes. A damaged or invalid file, or one the reader
   or a check broke on, is quarantined (`<landing>/quarantine/`, with a reason file).
3. One transaction: re-check the registry (another process may have landed it meanwhile),
   refuse a different version of the same export without `replace=True` and tokens another
   export of the meting holds (both quarantined at once, so no later run meets them again),
   move a replaced version to `raw_history`, write the current table, the registry row and
   the load_log row. Any failure rolls all of it back; the failure's load_log row is then
   written in a transaction of its own, on a fresh connection if the old one is unusable.
Files of one batch are independent: a bad file, or a failed write, does not stop the others.
Every problem of every file is raised together at the end as one LandingError (or subclass),
which also carries the outcome of each file.
"""

from __future__ import annotations

import logging
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable

import duckdb
import pandas as pd

from orchestration.codebook import Codebook
from orchestration.config import Settings
from orchestration.landing import registry, tokens
from orchestration.landing.errors import ConflictError, ExportError, LandingError, Problem, ValidationError, combined_error
from orchestration.landing.export import CSV_SUFFIXES, RawExport, is_export, sha256_of, sidecar_path
from orchestration.landing.quarantine import quarantine
from orchestration.landing.reader import read_export
from orchestration.landing.registry import RAW_SCHEMA, Attempt, Version, utc_now
from orchestration.landing.validation import validate
from orchestration.warehouse import connect

log = logging.getLogger(__name__)

LANDED = ("loaded", "replaced", "unchanged")


@dataclass
class LoadOutcome:
    """What happened to one file; `status` is one of loaded, replaced, unchanged (no-op),
    refused (left in place), quarantined, failed (write rolled back)."""

    file: str
    path: Path
    status: str
    message: str
    sha256: str | None = None
    meting: int | None = None
    questionnaire: str | None = None
    table: str | None = None
    rows: int | None = None
    load_id: int | None = None
    quarantined_to: Path | None = None
    error: LandingError | None = field(default=None, repr=False)

    @property
    def landed(self) -> bool:
        return self.status in LANDED

    @property
    def problems(self) -> list[Problem]:
        return self.error.problems if self.error else []


@dataclass
class _Item:
    """A file between reading and writing."""

    path: Path
    started_at: datetime
    sha256: str | None = None
    export: RawExport | None = None
    error: LandingError | None = None
    quarantined_to: Path | None = None
    notes: list[str] = field(default_factory=list)


def land_files(
    duckdb_path: Path,
    paths: Iterable[Path],
    *,
    replace: bool = False,
    landing_dir: Path | None = None,
    codebook_dir: Path | None = None,
    tables: set[str] | None = None,
    wait_seconds: float = 60.0,
) -> list[LoadOutcome]:
    """Land each file; return the outcomes, or raise LandingError (with `.outcomes`) when any
    file was refused, quarantined or failed.

    `tables`: only files for these raw tables (names without schema) are touched; the
    others are left for another run (Dagster asset subsets use this).
    Raises WarehouseBusy when the warehouse stays locked for `wait_seconds`.
    """
    landing_dir = landing_dir or Settings.from_env().landing_dir
    codebook = Codebook.load(codebook_dir)
    known = registry.snapshot(duckdb_path, wait_seconds=wait_seconds)
    items = [_prepare(Path(path), known, replace, codebook, landing_dir, tables) for path in paths]
    items = [item for item in items if item is not None]
    if not items:
        return []
    with _Session(duckdb_path, wait_seconds) as session:
        registry.ensure_schema(session.con)
        outcomes = [_commit(session, item, replace, codebook, landing_dir) for item in items]
    errors = [outcome.error for outcome in outcomes if outcome.error]
    if errors:
        raise combined_error(errors, outcomes)
    return outcomes


def _prepare(path: Path, known: dict[str, Version], replace: bool, codebook: Codebook,
             landing_dir: Path, tables: set[str] | None) -> _Item | None:
    """Read and validate without writing; None when the file is outside `tables`."""
    item = _Item(path, utc_now())
    if not path.is_file():
        item.error = LandingError([Problem(path.name, f"no such file: {path}", expected="an existing export file")])
        return item
    export = None
    try:
        item.sha256 = sha256_of(path)
        version = known.get(item.sha256)
        if version is not None and (version.status == "current" or not replace):
            # A no-op; decided (and re-checked) in the transaction. Not read at all.
            return item if tables is None or _bare(version.export_table) in tables else None
        export = read_export(path, item.sha256)
        if tables is not None and export.table_name not in tables:
            return None
        findings = validate(export, codebook)
        if findings.problems:
            raise ValidationError(findings.problems)
        item.export, item.notes = export, findings.notes
    except (ExportError, ValidationError) as error:
        if tables is not None and export is None:
            return None  # cannot tell which table it is for: leave it to a full landing run
        item.export, item.error = export, error  # export (if read) names meting and table in the log
        _set_aside(item, landing_dir)
    except Exception as exc:  # a reader or check that broke on this file: refuse it, land the rest
        log.exception("landing %s: reading or checking it failed", path)
        if tables is not None and export is None:
            return None
        item.export, item.error = export, ExportError([Problem(
            path.name, f"could not be read or checked ({type(exc).__name__}: {exc})",
            expected="an export the reader and the codebook checks can take in; the traceback is in the log")])
        _set_aside(item, landing_dir)
    return item


def _set_aside(item: _Item, landing_dir: Path, advice: str | None = None) -> None:
    """Quarantine at the first refusal, so no later run trips over the file again. A file that
    cannot be moved is still refused (and says so)."""
    try:
        item.quarantined_to = quarantine(item.path, item.error.problems, landing_dir, item.started_at, advice)
    except OSError as exc:
        log.exception("could not quarantine %s", item.path)
        item.notes.append(f"could not be set aside in {landing_dir / 'quarantine'} ({exc})")


def _commit(session: _Session, item: _Item, replace: bool, codebook: Codebook,
            landing_dir: Path) -> LoadOutcome:
    if item.error is not None:
        return _refused(session, item)
    try:
        con = session.ready()
        con.execute("begin transaction")
        outcome = _write(con, item, replace, codebook)
        con.execute("commit")
        return outcome
    except (ConflictError, ValidationError, ExportError) as error:
        # Found inside the transaction (a different current version, tokens another export of
        # the meting holds): set aside now, so the next run is not refused again.
        session.rollback()
        item.error = error
        _set_aside(item, landing_dir, REPLACE_ADVICE if isinstance(error, ConflictError) else None)
        return _refused(session, item)
    except Exception as exc:  # anything at all: the transaction must not half-apply
        session.rollback()
        log.exception("landing %s failed; rolled back", item.path)
        item.error = LandingError([Problem(item.path.name, f"could not be written, nothing changed "
                                           f"({type(exc).__name__}: {exc}); the file is left where it is "
                                           "for the next run")])
        return _record(session, item, "failed", item.error.problems[0].problem)


REPLACE_ADVICE = ("Nothing is wrong with the file itself. If it is a corrected export meant to replace the current "
                  "version: inburgering load --replace {file} (the current one stays retrievable in raw_history).")


def _refused(session: _Session, item: _Item) -> LoadOutcome:
    problems = item.error.problems
    message = "; ".join(str(problem) for problem in problems[:5])
    if len(problems) > 5:
        message += f"; and {len(problems) - 5} more problem(s)"
    if item.quarantined_to:
        message += f" -> set aside in {item.quarantined_to} (reason in {item.quarantined_to.name}.reason.txt)"
    for remark in item.notes:
        message += f"; {remark}"
    return _record(session, item, "quarantined" if item.quarantined_to else "refused", message)


def _write(con: duckdb.DuckDBPyConnection, item: _Item, replace: bool, codebook: Codebook) -> LoadOutcome:
    existing = registry.by_sha(con, item.sha256)
    if existing is not None and (existing.status == "current" or not replace):
        return _unchanged(con, item, existing)
    if item.export is None:
        # Registered when we looked, gone from the registry now: read it after all.
        item.export = read_export(item.path, item.sha256)
        findings = validate(item.export, codebook)
        if findings.problems:
            raise ValidationError(findings.problems)
        item.notes = findings.notes
    export = item.export
    export_table = f"{RAW_SCHEMA}.{export.table_name}"
    current = registry.current_for(con, export_table)
    if current is not None and not replace:
        raise ConflictError([Problem(
            item.path.name,
            f"{export_table} already holds a different version of meting {export.meting} x "
            f"{export.questionnaire}: load {current.load_id}, {current.source_file}, sha256 {current.sha256[:12]}, "
            f"landed {current.loaded_at:%Y-%m-%d %H:%M} UTC",
            expected="`inburgering load --replace` to replace it (the earlier version stays retrievable)")])
    clashes = tokens.clashes_with_landed(con, export, codebook, export_table)
    if clashes:
        raise ValidationError(clashes)
    now = utc_now()
    load_id = existing.load_id if existing else registry.next_id(con, registry.REGISTRY, "load_id")
    history = registry.supersede(con, current, load_id, now) if current else None
    # validated: every check ran, no allowance taken
    validated = not item.notes
    version = Version(load_id, item.sha256, item.path.name, str(item.path.resolve()), export.meting,
                      export.questionnaire, export_table, export_table, len(export.data), "current",
                      validated, now)
    if existing is not None:
        registry.make_current(con, existing, version)
    else:
        registry.insert_version(con, version)
    registry.write_current(con, export_table, with_lineage(export, now))
    status = "replaced" if current else "loaded"
    message = f"{version.rows} rows into {export_table}"
    if current:
        message += f"; replaced load {current.load_id} ({current.source_file}), kept in {history}"
    for remark in item.notes:
        message += f"; {remark}"
    registry.log_attempt(con, _attempt(item, status, message, export_table, version.rows, load_id, export))
    return LoadOutcome(item.path.name, item.path, status, message, item.sha256, export.meting,
                       export.questionnaire, export_table, version.rows, load_id)


def _unchanged(con: duckdb.DuckDBPyConnection, item: _Item, version: Version) -> LoadOutcome:
    if version.status == "current":
        message = (f"already loaded as load {version.load_id} into {version.export_table} "
                   f"on {version.loaded_at:%Y-%m-%d %H:%M} UTC; nothing to do")
    else:
        message = (f"already loaded as load {version.load_id}, since replaced by load {version.superseded_by} "
                   f"(kept in {version.stored_in}); nothing done, use --replace to make it current again")
    registry.log_attempt(con, _attempt(item, "unchanged", message, version.export_table, version.rows,
                                       version.load_id, None, version))
    return LoadOutcome(item.path.name, item.path, "unchanged", message, item.sha256, version.meting,
                       version.questionnaire, version.export_table, version.rows, version.load_id)


def _record(session: _Session, item: _Item, status: str, message: str) -> LoadOutcome:
    """The outcome of a file that did not land, with its load_log row when that can be written."""
    export = item.export
    table = f"{RAW_SCHEMA}.{export.table_name}" if export else None
    unrecorded = _log_alone(session, _attempt(item, status, message, table, None, None, export))
    if unrecorded:
        message += f"; not recorded in {registry.LOAD_LOG} ({unrecorded})"
    return LoadOutcome(item.path.name, item.path, status, message, item.sha256,
                       export.meting if export else None, export.questionnaire if export else None, table,
                       quarantined_to=item.quarantined_to, error=item.error)


def _log_alone(session: _Session, attempt: Attempt) -> str | None:
    """Write a failed attempt's log row in a transaction of its own, on a fresh connection if
    the current one fails; returns why it could not be written, None when it was. Never
    raises: the log row must not hide the failure it records."""
    reason = None
    for fresh in (False, True):
        try:
            con = session.renew() if fresh else session.ready()
            registry.log_attempt_alone(con, attempt)
            return None
        except Exception as exc:
            log.exception("could not record the attempt for %s in %s", attempt.file, registry.LOAD_LOG)
            session.broken = True
            reason = f"{type(exc).__name__}: {exc}"
    return reason


class _Session:
    """The write connection of a batch. A failure that leaves it unusable (a rollback that
    raises, as after a full disk) makes the next use open a fresh one: closing the old one
    discards whatever its transaction held, and the log row and the remaining files still
    get their turn."""

    def __init__(self, path: Path, wait_seconds: float) -> None:
        self.path, self.wait_seconds = path, wait_seconds
        self.con: duckdb.DuckDBPyConnection | None = None
        self.broken = False
        self._stack: ExitStack | None = None

    def __enter__(self) -> _Session:
        self._open()
        return self

    def __exit__(self, *exc_info) -> None:
        self._close()

    def ready(self) -> duckdb.DuckDBPyConnection:
        return self.renew() if self.broken or self.con is None else self.con

    def renew(self) -> duckdb.DuckDBPyConnection:
        self._close()
        return self._open()

    def rollback(self) -> None:
        try:
            registry.rollback(self.con)
        except Exception:
            log.exception("rollback failed; the next statement gets a fresh connection")
            self.broken = True

    def _open(self) -> duckdb.DuckDBPyConnection:
        stack = ExitStack()
        self.con = stack.enter_context(connect(self.path, wait_seconds=self.wait_seconds))
        self._stack, self.broken = stack, False
        return self.con

    def _close(self) -> None:
        stack, self._stack, self.con = self._stack, None, None
        if stack is not None:
            try:
                stack.close()
            except Exception:
                log.exception("closing the warehouse connection failed")


def _attempt(item: _Item, status: str, message: str, table: str | None, rows: int | None, load_id: int | None,
             export: RawExport | None, version: Version | None = None) -> Attempt:
    source = export or version
    return Attempt(file=item.path.name, status=status, message=message, started_at=item.started_at,
                   path=str(item.path), sha256=item.sha256,
                   meting=source.meting if source else None,
                   questionnaire=source.questionnaire if source else None,
                   export_table=table, rows=rows, load_id=load_id)


def with_lineage(export: RawExport, loaded_at: datetime) -> pd.DataFrame:
    frame = export.data.copy()
    frame["_source_file"] = export.path.name
    frame["_source_sha256"] = export.sha256
    frame["_loaded_at"] = loaded_at
    frame["_meting"] = export.meting
    frame["_questionnaire"] = export.questionnaire
    return frame


def _bare(qualified: str) -> str:
    return qualified.split(".", 1)[1]


# Finding work in the landing folder (the Dagster sensor and the scheduled refresh).

@dataclass(frozen=True)
class Pending:
    path: Path
    sha256: str


def discover_exports(folder: Path) -> list[Path]:
    """Export files directly in `folder` (quarantine/ and other subfolders are not looked in)."""
    return sorted(path for path in folder.iterdir() if is_export(path)) if folder.is_dir() else []


def pending_exports(duckdb_path: Path, landing_dir: Path, *, settle_seconds: float = 0.0,
                    sidecar_grace_seconds: float = 0.0, hashes: dict | None = None,
                    wait_seconds: float = 60.0) -> list[Pending]:
    """Exports in the landing folder whose sha256 the registry does not know yet.

    `settle_seconds`: skip files modified that recently (still being copied: a half-written
    .sav would otherwise be quarantined as truncated). `sidecar_grace_seconds`: a CSV whose
    labels sidecar has not arrived is given that long before it is attempted (and refused).
    `hashes`: a cache {name: [size, mtime_ns, sha256]} the caller keeps between calls, so
    unchanged files are not hashed again; it is updated in place.
    """
    hashes = {} if hashes is None else hashes
    known = registry.snapshot(duckdb_path, wait_seconds=wait_seconds)
    now = time.time()
    pending, seen = [], set()
    for path in discover_exports(landing_dir):
        stat = path.stat()
        age = now - stat.st_mtime
        if age < settle_seconds:
            continue
        if path.suffix.lower() in CSV_SUFFIXES and not sidecar_path(path).exists() and age < sidecar_grace_seconds:
            continue
        seen.add(path.name)
        cached = hashes.get(path.name)
        if cached and cached[:2] == [stat.st_size, stat.st_mtime_ns]:
            sha = cached[2]
        else:
            sha = sha256_of(path)
            hashes[path.name] = [stat.st_size, stat.st_mtime_ns, sha]
        if sha not in known:
            pending.append(Pending(path, sha))
    for name in set(hashes) - seen:
        if not (landing_dir / name).exists():
            del hashes[name]
    return pending
