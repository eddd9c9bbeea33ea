"""Dagster resources: where the warehouse is, and the dbt CLI pointed at this project."""

from __future__ import annotations

import functools
import json
import sys
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Optional

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

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


class ProjectDbtCli(DbtCliResource):
    """The dbt CLI of this environment, without two start-up costs dagster-dbt pays on every
    invocation and this project has no use for (together 3-5 s a run):

    - it asks the executable for its version in a `dbt --version` subprocess: the executable is
      this environment's dbt-core (`dbt_executable` must be the venv's), whose version the
      installed package states;
    - it opens a dbt adapter in this process, for the optional row counts and column metadata
      of `fetch_row_counts()` / `fetch_column_metadata()`, which the project does not fetch (the
      marts' row counts are in the snapshot's table info)."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def default_resources() -> dict:
    # dbt must be the venv's own: DbtCliResource otherwise looks for `dbt` on PATH (whose version
    # it then asks), and ProjectDbtCli takes its version from this environment's dbt-core
    dbt_executable = Path(sys.executable).parent / "dbt"
    options = {"project_dir": dbt_project, "profiles_dir": str(PROJECT_DIR)}
    return {
        "warehouse": WarehouseResource(),
        "dbt": ProjectDbtCli(**options, dbt_executable=str(dbt_executable)) if dbt_executable.exists()
        else DbtCliResource(**options, dbt_executable="dbt"),
    }
