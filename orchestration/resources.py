"""Dagster resources: where the warehouse is, and the dbt CLI pointed at this project."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Optional

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject

from orchestration.config import PROJECT_DIR, Settings

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


@functools.cache
def dbt_manifest() -> dict:
    """dbt's manifest (target/manifest.json), parsed once per process: the landing and the dbt
    assets both read it when the definitions load. Read it, never change it."""
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


class WarehouseResource(ConfigurableResource):
    """Paths of the DuckDB file and the landing folder. Left unset, each is read from the
    environment when a run uses it, not when the definitions are imported: dbt's own
    subprocess reads the same variables then, so the two can never point at different files."""

    duckdb_path: Optional[str] = None
    landing_dir: Optional[str] = None

    @property
    def db(self) -> Path:
        return Path(self.duckdb_path) if self.duckdb_path else Settings.from_env().duckdb_path

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir) if self.landing_dir else Settings.from_env().landing_dir


def default_resources() -> dict:
    # dbt must be the venv's own: DbtCliResource otherwise looks for `dbt` on PATH.
    dbt_executable = Path(sys.executable).parent / "dbt"
    return {
        "warehouse": WarehouseResource(),
        "dbt": DbtCliResource(
            project_dir=dbt_project,
            profiles_dir=str(PROJECT_DIR),
            dbt_executable=str(dbt_executable) if dbt_executable.exists() else "dbt",
        ),
    }
