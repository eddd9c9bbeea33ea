"""The Dagster code location: landing, dbt and analysis assets with their resources.

`dagster dev` (from the project root) serves it; `inburgering build` materialises it.
"""

from dagster import Definitions, in_process_executor

from orchestration.assets.analysis import regressions
from orchestration.assets.dbt import warehouse_dbt_models
from orchestration.assets.landing import land_raw_exports
from orchestration.resources import default_resources

defs = Definitions(
    assets=[land_raw_exports, warehouse_dbt_models, regressions],
    resources=default_resources(),
    # Small jobs: one process is about 3x faster than a process per step, and DuckDB
    # allows a single writer anyway.
    executor=in_process_executor,
)
