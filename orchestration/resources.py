"""Dagster resources: where the warehouse is, and the dbt CLI pointed at this project
(orchestration/dbt_cli.py, imported only where the resources are made)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Optional

from dagster import ConfigurableResource

from orchestration.config import PROJECT_DIR, Settings

# where `dbt parse` (make manifest) writes it, and dagster-dbt's DbtProject reads it
MANIFEST_PATH = PROJECT_DIR / "target" / "manifest.json"


@functools.cache
def dbt_manifest() -> dict:
    """dbt's manifest (target/manifest.json), parsed once per process: the landing and the dbt
    assets both read it when the definitions load. Read it, never change it."""
    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


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
    from orchestration.dbt_cli import dbt_cli_resource

    return {"warehouse": WarehouseResource(), "dbt": dbt_cli_resource()}
