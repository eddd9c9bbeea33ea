"""The Dagster code location: landing, dbt and analysis assets with their resources.

`make ui` serves it on the project's Dagster instance; `inburgering build` runs its refresh job.
"""

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    Definitions,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
)

from orchestration.assets.analysis import analysis_assets, analysis_checks
from orchestration.assets.automation import REFRESH_JOB, landed_exports_sensor
from orchestration.assets.catalog import with_catalog
from orchestration.assets.dbt import warehouse_dbt_models
from orchestration.assets.landing import land_exports_job, land_raw_exports, landing_sensor
from orchestration.assets.publication import publication_assets
from orchestration.assets.publish import published_snapshot
from orchestration.resources import default_resources

# The whole refresh: land what is new, rebuild dbt (tests as asset checks), rerun the analyses.
refresh_job = define_asset_job(
    REFRESH_JOB,
    selection=AssetSelection.all(),
    description="Land new exports, build every dbt model and test, rerun the analyses.",
)

daily_refresh = ScheduleDefinition(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Europe/Amsterdam",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every morning: the whole refresh, which also lands exports the sensor missed.",
)

defs = Definitions(
    assets=with_catalog([land_raw_exports, warehouse_dbt_models, *analysis_assets, published_snapshot,
                         *publication_assets]),
    asset_checks=analysis_checks,
    jobs=[land_exports_job, refresh_job],
    sensors=[landing_sensor, landed_exports_sensor],
    schedules=[daily_refresh],
    resources=default_resources(),
    # Small jobs: one process is about 3x faster than a process per step, and DuckDB
    # allows a single writer anyway.
    executor=in_process_executor,
)
