"""Running the project's dbt from Python against any warehouse file: tests, benchmarks and the
third-wave check use it to build throw-away warehouses without touching the real one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.config import PROJECT_DIR
from orchestration.warehouse import wait_until_free, writer_lock


class DbtFailed(RuntimeError):
    """dbt exited non-zero; the message holds the end of its output."""


def dbt_build(database: Path, target_path: Path, project_dir: Path = PROJECT_DIR, *args: str) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    with writer_lock(database, "dbt build"):
        wait_until_free(database)
        result = _run_dbt(dbt, database, target_path, project_dir, args)
    if result.returncode != 0:
        raise DbtFailed(result.stdout[-4000:] + result.stderr[-2000:])


def _run_dbt(dbt: Path, database: Path, target_path: Path, project_dir: Path, args: tuple[str, ...]):
    return subprocess.run(
        [str(dbt), "build", "--project-dir", str(project_dir), "--profiles-dir", str(project_dir),
         "--target-path", str(target_path), "--quiet", *args],
        cwd=project_dir, env={**os.environ, "INBURGERING_DUCKDB_PATH": str(database)},
        capture_output=True, text=True,
    )


def land_and_build(paths: list[Path], root: Path) -> Path:
    """Land `paths` into `root`/inburgering.duckdb with the real loader, then `dbt build`."""
    from orchestration.landing.loader import land_files

    database = root / "inburgering.duckdb"
    land_files(database, paths, landing_dir=root / "landing")
    dbt_build(database, root / "target")
    return database
