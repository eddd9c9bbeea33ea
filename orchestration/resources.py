"""Dagster resources: where the warehouse is, and the dbt CLI pointed at this project."""

from __future__ import annotations

import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.config import PROJECT_DIR, Settings

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


class WarehouseResource(ConfigurableResource):
    """Paths of the DuckDB file and the landing folder (defaults from the environment)."""

    duckdb_path: str
    landing_dir: str

    @property
    def db(self) -> Path:
        return Path(self.duckdb_path)

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)


def default_resources() -> dict:
    settings = Settings.from_env()
    # dbt must be the venv's own: DbtCliResource otherwise looks for `dbt` on PATH.
    dbt_executable = Path(sys.executable).parent / "dbt"
    return {
        "warehouse": WarehouseResource(
            duckdb_path=str(settings.duckdb_path), landing_dir=str(settings.landing_dir)
        ),
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(PROJECT_DIR),
            dbt_executable=str(dbt_executable) if dbt_executable.exists() else "dbt",
        ),
    }
