"""Running the project's dbt from Python against any warehouse file: tests, benchmarks and the
third-wave check use it to build throw-away warehouses without touching the real one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration.config import PROJECT_DIR
from orchestration.warehouse import wait_until_free, writer_lock

# The dbt project's files: what a copy of it needs to build on its own (seeds edited in the copy,
# say), and what a refresh fingerprints to see whether the project changed (dbt_state).
DBT_PARTS = ("dbt_project.yml", "profiles.yml", "selectors.yml", "models", "macros", "seeds", "tests/dbt")
# dbt's saved parse of the project, in a target folder: a later dbt command given it re-parses
# only the files changed since (dagster-dbt copies the project's into every run's target folder)
PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# `dbt build` arguments for the tables only (every seed and model, not dbt's tests of them): for a
# warehouse built to be read or compared, where a build with the tests runs elsewhere
TABLES_ONLY = ("--resource-type", "seed", "--resource-type", "model")
# A refresh's dbt build leaves dbt's unit tests out, as dbt's documentation advises for
# production runs: they check the models' SQL on rows typed in the project, never the data, so
# they pass or fail with the project's files, which `make test` builds with them (dbt build, and
# the suite's unit-test run) before they reach a warehouse. In a build of everything they held the
# critical path: a model waits for its unit tests (about 2 s of a 13-16 s build at bench scale 1).
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


def copy_partial_parse(source_target: Path, target: Path) -> bool:
    """The partial-parse file of one target folder copied into another, whole (written beside it,
    then renamed: a dbt run starting meanwhile reads the old one or the new one). False when
    `source_target` has none."""
    source = source_target / PARTIAL_PARSE_FILE
    if not source.is_file():
        return False
    target.mkdir(parents=True, exist_ok=True)
    temporary = target / f".{PARTIAL_PARSE_FILE}.{os.getpid()}"
    shutil.copyfile(source, temporary)
    os.replace(temporary, target / PARTIAL_PARSE_FILE)
    return True


def copy_dbt_project(target: Path) -> Path:
    """The dbt project copied into `target`, so a test can edit its seeds and build it."""
    for part in DBT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)
    return target


class DbtFailed(RuntimeError):
    """dbt exited non-zero; the message holds the end of its output."""


def dbt_build(database: Path, target_path: Path, project_dir: Path = PROJECT_DIR, *args: str) -> None:
    with writer_lock(database, "dbt build"):
        wait_until_free(database)
        result = run_dbt("build", database, target_path, project_dir, "--quiet", *args)
    if result.returncode != 0:
        raise DbtFailed(result.stdout[-4000:] + result.stderr[-2000:])


def dbt_command(command: str, target_path: Path, project_dir: Path = PROJECT_DIR, *args: str) -> list[str]:
    """The command line of dbt's `command` ('build', 'docs generate', ...) on the project in
    `project_dir`, its files in `target_path`: this environment's dbt, else the one on PATH."""
    dbt = Path(sys.executable).parent / "dbt"
    return [str(dbt) if dbt.exists() else "dbt", *command.split(), "--project-dir", str(project_dir),
            "--profiles-dir", str(project_dir), "--target-path", str(target_path), *args]


def run_dbt(command: str, database: Path, target_path: Path, project_dir: Path = PROJECT_DIR,
            *args: str) -> subprocess.CompletedProcess:
    """dbt's `command` (see `dbt_command`) against the warehouse file `database`; what it printed
    is in the result. It takes no lock: `dbt_build` does, for a warehouse others may use."""
    return subprocess.run(
        dbt_command(command, target_path, project_dir, *args),
        cwd=project_dir, env={**os.environ, "INBURGERING_DUCKDB_PATH": str(database)},
        capture_output=True, text=True,
    )
