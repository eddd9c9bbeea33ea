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


@dataclass(frozen=True)
class Settings:
    duckdb_path: Path
    landing_dir: Path
    outputs_dir: Path

    @classmethod
    def from_env(cls) -> "Settings":
        warehouse = PROJECT_DIR / "warehouse"
        return cls(
            duckdb_path=_path_from_env("INBURGERING_DUCKDB_PATH", warehouse / "inburgering.duckdb"),
            landing_dir=_path_from_env("INBURGERING_LANDING_DIR", warehouse / "landing"),
            outputs_dir=_path_from_env("INBURGERING_OUTPUTS_DIR", warehouse / "outputs"),
        )
