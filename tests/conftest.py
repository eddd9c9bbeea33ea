"""Shared fixtures: every test gets its own warehouse file and landing folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A throw-away warehouse: env vars point the code (and dbt subprocesses) at tmp_path."""
    paths = {
        "duckdb": tmp_path / "warehouse" / "inburgering.duckdb",
        "landing": tmp_path / "warehouse" / "landing",
        "outputs": tmp_path / "warehouse" / "outputs",
    }
    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(paths["duckdb"]))
    monkeypatch.setenv("INBURGERING_LANDING_DIR", str(paths["landing"]))
    monkeypatch.setenv("INBURGERING_OUTPUTS_DIR", str(paths["outputs"]))
    return paths
