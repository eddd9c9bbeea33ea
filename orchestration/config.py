"""Where things live. Every path can be moved with an environment variable, so tests and
benchmarks run against a throw-away warehouse without touching the real one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    path = Path(value) if value else default
    return path if path.is_absolute() else (PROJECT_DIR / path)


def snapshot_path_for(duckdb_path: Path) -> Path:
    """Where analysts' read-only snapshot of `duckdb_path` is published: INBURGERING_SNAPSHOT_PATH,
    else published/<name> beside the warehouse, so a throw-away warehouse publishes beside itself."""
    return _path_from_env("INBURGERING_SNAPSHOT_PATH", duckdb_path.parent / "published" / duckdb_path.name)


def dagster_home() -> Path:
    """The project's Dagster instance (runs, schedules, sensors): DAGSTER_HOME, else
    warehouse/dagster_home, the one the Makefile sets for `make run` and `make ui`."""
    return _path_from_env("DAGSTER_HOME", PROJECT_DIR / "warehouse" / "dagster_home")


@dataclass(frozen=True)
class Settings:
    duckdb_path: Path
    landing_dir: Path
    outputs_dir: Path
    snapshot_path: Path

    @classmethod
    def from_env(cls) -> "Settings":
        warehouse = PROJECT_DIR / "warehouse"
        duckdb_path = _path_from_env("INBURGERING_DUCKDB_PATH", warehouse / "inburgering.duckdb")
        return cls(
            duckdb_path=duckdb_path,
            landing_dir=_path_from_env("INBURGERING_LANDING_DIR", warehouse / "landing"),
            outputs_dir=_path_from_env("INBURGERING_OUTPUTS_DIR", warehouse / "outputs"),
            snapshot_path=snapshot_path_for(duckdb_path),
        )
