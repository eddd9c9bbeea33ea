"""Automation: a landed export leads to the downstream rebuild, however it landed.

`landed_exports_sensor` reads raw.load_registry, the loader's own record of what each raw table
holds now, whether the landing sensor, the daily refresh or `inburgering load` in a shell put it
there:

- a raw table whose current sha256 is not the data version Dagster last recorded for it (a file
  landed outside Dagster) gets a materialisation reported with that sha256 as its data version
  and the registry's row count, file and load id: the UI shows what the table holds, and the
  models downstream of it show as stale;
- when any raw table changed after the last published snapshot (the end of a refresh), it asks
  for one run of `refresh_warehouse`: dbt, the analyses, the report and the snapshot. The run key
  is the registry's state, so one state is rebuilt once, and no run is asked for while a refresh
  is queued or running.
"""

import hashlib

from dagster import (
    AssetKey,
    AssetMaterialization,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from orchestration.assets.landing import raw_table_specs
from orchestration.assets.publish import PUBLISHED_SNAPSHOT
from orchestration.landing import registry
from orchestration.landing.registry import RAW_SCHEMA
from orchestration.resources import WarehouseResource
from orchestration.warehouse import WarehouseBusy, reading_turn

REFRESH_JOB = "refresh_warehouse"
NOT_FINISHED = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING,
                DagsterRunStatus.STARTED]
DATA_VERSION_TAG = "dagster/data_version"
RAW_KEYS = {spec.key for spec in raw_table_specs()}


def _latest(instance, key: AssetKey):
    records = instance.fetch_materializations(key, limit=1).records
    return records[0] if records else None


def _recorded_version(record) -> str | None:
    materialization = record.event_log_entry.asset_materialization if record else None
    return (materialization.tags or {}).get(DATA_VERSION_TAG) if materialization else None


def _landed_outside(version) -> AssetMaterialization:
    table = version.export_table.split(".", 1)[1]
    return AssetMaterialization(
        asset_key=AssetKey([RAW_SCHEMA, table]),
        description=f"{version.source_file} landed outside Dagster (recorded in raw.load_registry)",
        metadata={"rows": int(version.rows), "source_file": version.source_file, "sha256": version.sha256,
                  "load_id": int(version.load_id), "loaded_at": str(version.loaded_at)},
        tags={DATA_VERSION_TAG: version.sha256},
    )


@sensor(
    job_name=REFRESH_JOB,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="A raw table changed in raw.load_registry (by the landing sensor, the refresh or "
                "`inburgering load`) -> record its sha256 as its data version and rebuild downstream.",
)
def landed_exports_sensor(context: SensorEvaluationContext, warehouse: WarehouseResource):
    try:
        with reading_turn(warehouse.db):
            current = registry.read_frame(
                warehouse.db, f"select * from {registry.REGISTRY} where status = 'current' order by export_table",
                wait_seconds=10)
    except WarehouseBusy as exc:
        return SkipReason(f"the warehouse is busy; looking again next tick ({exc})")
    if current is None or current.empty:
        return SkipReason("nothing landed yet")
    instance = context.instance
    versions = [v for v in current.itertuples(index=False)
                if AssetKey([RAW_SCHEMA, v.export_table.split(".", 1)[1]]) in RAW_KEYS]
    latest = {v.export_table: _latest(instance, AssetKey([RAW_SCHEMA, v.export_table.split(".", 1)[1]]))
              for v in versions}
    events = [_landed_outside(v) for v in versions if _recorded_version(latest[v.export_table]) != v.sha256]
    published = _latest(instance, PUBLISHED_SNAPSHOT)
    changed_since_refresh = bool(events) or published is None or any(
        record is not None and record.storage_id > published.storage_id for record in latest.values())
    if not changed_since_refresh:
        return SensorResult(skip_reason="every landed export is in the last refresh")
    if instance.get_runs(RunsFilter(job_name=REFRESH_JOB, statuses=NOT_FINISHED), limit=1):
        return SensorResult(asset_events=events, skip_reason="a refresh is queued or running; it takes these along")
    state = "\n".join(f"{v.export_table}:{v.sha256}" for v in versions)
    changed = [e.asset_key.path[-1] for e in events]
    return SensorResult(
        asset_events=events,
        run_requests=[RunRequest(
            run_key=f"registry-{hashlib.sha256(state.encode()).hexdigest()[:16]}",
            tags={"automation/reason": "landed export",
                  "automation/landed_outside_dagster": ",".join(changed)[:200] or "none"},
        )],
    )
