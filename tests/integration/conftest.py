"""Fixtures of the integration tests: a small codebook for the command line and Dagster, and
another process holding the warehouse (helpers.holder)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from dagster import DagsterInstance
from helpers.holder import hold
from helpers.landing import ASIEL_2024, MINI_LAYOUT, write_codebook

from orchestration.resources import WarehouseResource


@pytest.fixture
def hold_warehouse():
    """hold_warehouse(db, seconds, activity) -> the holding process, once it holds the warehouse."""
    processes = []

    def start(db: Path, seconds: float, activity: str = "test load") -> subprocess.Popen:
        processes.append(hold(db, seconds, activity))
        return processes[-1]

    yield start
    for process in processes:
        process.kill()
        process.wait()


@pytest.fixture
def mini_codebook(workspace, tmp_path, monkeypatch) -> dict[str, Path]:
    """The workspace, with a codebook of one small export (helpers.landing.MINI_LAYOUT as 2024
    Wi2021-asiel) that INBURGERING_CODEBOOK_DIR names."""
    codebook = write_codebook(tmp_path / "codebook", {ASIEL_2024: MINI_LAYOUT})
    monkeypatch.setenv("INBURGERING_CODEBOOK_DIR", str(codebook))
    return {**workspace, "codebook": codebook}


@pytest.fixture
def cli_env(mini_codebook, monkeypatch) -> dict[str, Path]:
    """mini_codebook, in a terminal wide enough that rich does not wrap what the tests assert on."""
    monkeypatch.setenv("COLUMNS", "400")
    return mini_codebook


@pytest.fixture
def dagster_env(mini_codebook):
    """mini_codebook with its landing folder, the warehouse resource on it, and a Dagster instance."""
    mini_codebook["landing"].mkdir(parents=True, exist_ok=True)
    warehouse = WarehouseResource(duckdb_path=str(mini_codebook["duckdb"]), landing_dir=str(mini_codebook["landing"]))
    with DagsterInstance.ephemeral() as instance:
        yield {**mini_codebook, "warehouse": warehouse, "instance": instance}
