"""Landing in Dagster: the raw tables as assets, a sensor on the landing folder, a landing job.

- `land_raw_exports`: one asset per `raw` source table in the dbt manifest. A run lands the
  files it is given (config `files`, as the sensor does) or every export in the landing folder
  the registry does not know yet (the scheduled refresh), through the same loader as
  `inburgering load`. It reports every raw table that has a current version, with its sha256
  as data version, so downstream dbt runs even when nothing new arrived.
- `raw/load_log`: the landing log, materialised by every landing run with what became of each
  file offered. Its check `exports_landed` (ERROR, not blocking) fails when a file was refused
  or failed, naming it and every problem: the run itself succeeds with what did land, so dbt,
  the analyses, the report and the snapshot still run. A refused file is already in the
  quarantine folder, so the next run does not meet it again. The run gets the tag
  `landing/not_landed` with the count.
- `landing_sensor`: a new sha256 in the landing folder -> one run of `land_exports`, run_key =
  sha256 (Dagster never launches the same key twice; the daily refresh retries leftovers).
"""

import json
from collections import Counter
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    Config,
    DataVersion,
    DefaultSensorStatus,
    Failure,
    MaterializeResult,
    MetadataValue,
    RetryRequested,
    RunConfig,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    multi_asset,
    sensor,
)
from pydantic import Field

from orchestration.landing import registry
from orchestration.landing.errors import LandingError, Problem
from orchestration.landing.loader import LoadOutcome, land_files, pending_exports
from orchestration.landing.registry import RAW_SCHEMA
from orchestration.resources import WarehouseResource, dbt_manifest
from orchestration.warehouse import WarehouseBusy, reading_turn

# A file modified this recently may still be being copied in; look again next tick.
SETTLE_SECONDS = 30
# A CSV dropped before its labels sidecar gets this long for the sidecar to follow.
SIDECAR_GRACE_SECONDS = 600
# A load that finds the warehouse locked (an analyst's session, a dbt build) is retried.
BUSY_RETRIES, BUSY_RETRY_SECONDS = 5, 60


def raw_table_specs() -> list[AssetSpec]:
    """One spec per `raw` source table in the dbt manifest, so dbt's staging models
    depend on the landing asset without a second list to keep in step."""
    tables = sorted(
        source["name"] for source in dbt_manifest()["sources"].values() if source["source_name"] == RAW_SCHEMA
    )
    return [
        AssetSpec(
            key=AssetKey([RAW_SCHEMA, table]),
            group_name="landing",
            description=f"Raw export landed into {RAW_SCHEMA}.{table}",
            skippable=True,
        )
        for table in tables
    ]


LOAD_LOG_KEY = AssetKey([RAW_SCHEMA, "load_log"])
LANDED_CHECK = AssetCheckSpec(
    "exports_landed", asset=LOAD_LOG_KEY,
    description="Every export offered to this landing run landed (or was already landed). A failure names "
                "each refused file and its problems; refused files are in the quarantine folder with a reason "
                "file, and the rest of the run went on.")


def load_log_spec() -> AssetSpec:
    return AssetSpec(
        key=LOAD_LOG_KEY,
        group_name="landing",
        description=f"{registry.LOAD_LOG}: one row per landing attempt (loaded, replaced, unchanged, refused, "
                    "quarantined, failed) with the message an engineer needs.",
        skippable=True,
    )


class LandingConfig(Config):
    files: list[str] = Field(
        default=[], description="Export files to land; empty: every new export in the landing folder.")
    replace: bool = Field(
        default=False, description="Replace a different current version of the same export (kept in raw_history).")


@multi_asset(specs=[*raw_table_specs(), load_log_spec()], check_specs=[LANDED_CHECK], can_subset=True,
             name="land_raw_exports")
def land_raw_exports(context: AssetExecutionContext, config: LandingConfig, warehouse: WarehouseResource):
    declared = {key.path[-1] for key in context.assets_def.keys if key != LOAD_LOG_KEY}
    wanted = {key.path[-1] for key in context.selected_asset_keys if key != LOAD_LOG_KEY}
    if config.files:
        paths = [Path(file) for file in config.files]
    else:
        paths = [pending.path for pending in pending_exports(warehouse.db, warehouse.landing)]
    error = None
    try:
        outcomes = land_files(warehouse.db, paths, replace=config.replace, landing_dir=warehouse.landing,
                              tables=None if wanted in (declared, set()) else wanted)
    except WarehouseBusy as exc:
        context.log.warning(str(exc))
        raise RetryRequested(max_retries=BUSY_RETRIES, seconds_to_wait=BUSY_RETRY_SECONDS) from exc
    except LandingError as exc:
        if not exc.outcomes:  # no file was attempted: the codebook itself is unusable (fail closed)
            raise Failure(description=f"nothing landed: {exc}",
                          metadata={"problems": MetadataValue.md(problems_markdown(exc.problems))}) from exc
        outcomes, error = exc.outcomes, exc
    for outcome in outcomes:
        (context.log.info if outcome.landed else context.log.error)(
            f"{outcome.file}: {outcome.status}: {outcome.message}")
    if not paths:
        context.log.info(f"no new exports in {warehouse.landing}")
    yield from _current_tables(context, warehouse.db, wanted, outcomes)
    if LOAD_LOG_KEY in context.selected_asset_keys:
        yield from _landing_log(context, outcomes, error)


def _landing_log(context: AssetExecutionContext, outcomes: list[LoadOutcome], error: LandingError | None):
    """The log asset and its check: a refusal is a failed check, not a failed run."""
    not_landed = [outcome for outcome in outcomes if not outcome.landed]
    statuses = Counter(outcome.status for outcome in outcomes)
    yield MaterializeResult(asset_key=LOAD_LOG_KEY, metadata={
        "attempts_in_this_run": len(outcomes),
        **{f"{status}_in_this_run": count for status, count in sorted(statuses.items())}})
    if not_landed:
        context.instance.add_run_tags(context.run.run_id, {"landing/not_landed": str(len(not_landed))})
    if AssetCheckKey(LOAD_LOG_KEY, LANDED_CHECK.name) not in context.selected_asset_check_keys:
        return
    files = "; ".join(f"{outcome.file} ({outcome.status})" for outcome in not_landed)
    set_aside = sorted({str(outcome.quarantined_to.parent) for outcome in not_landed if outcome.quarantined_to})
    where = f"see {registry.LOAD_LOG}"
    if set_aside:
        where += f"; set aside with a reason file in {', '.join(set_aside)}"
    yield AssetCheckResult(
        asset_key=LOAD_LOG_KEY,
        check_name=LANDED_CHECK.name,
        passed=not not_landed,
        severity=AssetCheckSeverity.ERROR,
        description=(f"{len(not_landed)} of {len(outcomes)} export(s) not landed: {files}; {where}" if not_landed
                     else f"all {len(outcomes)} export(s) offered landed or were already landed"),
        metadata={
            "not_landed": len(not_landed),
            "files": MetadataValue.md(outcomes_markdown(not_landed)) if not_landed else "none",
            "problems": MetadataValue.md(problems_markdown(error.problems)) if error else "none",
        },
    )


def _current_tables(context: AssetExecutionContext, db: Path, wanted: set[str], outcomes: list[LoadOutcome]):
    landed_now = {outcome.table: outcome for outcome in outcomes if outcome.status in ("loaded", "replaced")}
    current = registry.read_frame(
        db, f"select * from {registry.REGISTRY} where status = 'current' order by export_table")
    found = set()
    for version in ([] if current is None else current.itertuples(index=False)):
        table = version.export_table.split(".", 1)[1]
        if table not in wanted:
            if version.export_table in landed_now:
                context.log.info(f"{version.export_table} is landed but no dbt source declares it yet")
            continue
        found.add(table)
        yield MaterializeResult(
            asset_key=AssetKey([RAW_SCHEMA, table]),
            data_version=DataVersion(version.sha256),
            metadata={
                "rows": int(version.rows),
                "source_file": version.source_file,
                "sha256": version.sha256,
                "load_id": int(version.load_id),
                "loaded_at": str(version.loaded_at),
                "changed_in_this_run": version.export_table in landed_now,
            },
        )
    if wanted - found:
        context.log.warning(f"no landed export yet for: {', '.join(sorted(wanted - found))}")


def outcomes_markdown(outcomes: list[LoadOutcome]) -> str:
    lines = ["| file | status | set aside in | message |", "| --- | --- | --- | --- |"]
    for outcome in outcomes:
        cells = [outcome.file, outcome.status, str(outcome.quarantined_to or ""), outcome.message]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def problems_markdown(problems: list[Problem], limit: int = 200) -> str:
    lines = ["| file | variable | where | problem | expected |", "| --- | --- | --- | --- | --- |"]
    for problem in problems[:limit]:
        cells = [problem.file, problem.variable or "", problem.where or "", problem.problem, problem.expected or ""]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    if len(problems) > limit:
        lines.append(f"\n… and {len(problems) - limit} more (all of them in the quarantine reason files)")
    return "\n".join(lines)


land_exports_job = define_asset_job(
    "land_exports",
    selection=AssetSelection.assets(land_raw_exports),
    description="Land raw exports from the landing folder (what the landing sensor launches).",
)


@sensor(
    job=land_exports_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="New export (a sha256 the registry does not know) in the landing folder -> land it.",
)
def landing_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource):
    # The cursor caches sha256 by (name, size, mtime), so unchanged files are not re-hashed.
    hashes = json.loads(context.cursor) if context.cursor else {}
    try:
        # never holds the file while a writer (a dbt build) has its turn; see reading_turn
        with reading_turn(warehouse.db):
            pending = pending_exports(warehouse.db, warehouse.landing, settle_seconds=SETTLE_SECONDS,
                                      sidecar_grace_seconds=SIDECAR_GRACE_SECONDS, hashes=hashes, wait_seconds=10)
    except WarehouseBusy as exc:
        return SkipReason(f"the warehouse is busy; looking again next tick ({exc})")
    context.update_cursor(json.dumps(hashes))
    if not pending:
        return SkipReason(f"no new exports in {warehouse.landing}")
    return [
        RunRequest(
            run_key=item.sha256,
            run_config=RunConfig(ops={"land_raw_exports": LandingConfig(files=[str(item.path)])}),
            tags={"landing/file": item.path.name, "landing/sha256": item.sha256},
        )
        for item in pending
    ]
