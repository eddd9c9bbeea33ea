"""The dbt CLI resource pointed at this project. Apart from resources.py so that the processes
that run no dbt (the analyses, the report, the snapshot) do not load dagster-dbt at all."""

from __future__ import annotations

import sys
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

from packaging.version import Version

from orchestration.config import PROJECT_DIR
from orchestration.dagster_dbt_cli import DbtCliResource, DbtProject

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


class ProjectDbtCli(DbtCliResource):
    """The dbt CLI of this environment, without two start-up costs dagster-dbt pays on every
    invocation and this project has no use for (together 3-5 s a run):

    - it asks the executable for its version in a `dbt --version` subprocess: the executable is
      this environment's dbt-core (`dbt_executable` must be the venv's), whose version the
      installed package states;
    - it opens a dbt adapter in this process, for the optional row counts and column metadata
      of `fetch_row_counts()` / `fetch_column_metadata()`, which the project does not fetch (the
      marts' row counts are in the snapshot's table info); that would also load the dbt-core this
      process keeps out (orchestration/dagster_dbt_cli.py)."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_cli_resource() -> DbtCliResource:
    # dbt must be the venv's own: DbtCliResource otherwise looks for `dbt` on PATH (whose version
    # it then asks), and ProjectDbtCli takes its version from this environment's dbt-core
    dbt_executable = Path(sys.executable).parent / "dbt"
    options = {"project_dir": dbt_project, "profiles_dir": str(PROJECT_DIR)}
    if dbt_executable.exists():
        return ProjectDbtCli(**options, dbt_executable=str(dbt_executable))
    return DbtCliResource(**options, dbt_executable="dbt")
