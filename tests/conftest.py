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


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """One full generation (both metingen, scale 1), shared by the tests that read it: ~25 s."""
    from orchestration.synthetic.generator import generate

    directory = tmp_path_factory.mktemp("exports")
    return directory, generate(directory, seed=2024)


@pytest.fixture(scope="session")
def harmonised(generated):
    """The generated files read back and harmonised in Python (independent of dbt)."""
    from orchestration.codebook import Codebook
    from orchestration.synthetic.calibration import read_exports

    directory, _ = generated
    return read_exports(directory, Codebook.load())


@pytest.fixture(scope="session")
def built_warehouse(generated, tmp_path_factory):
    """The generated exports landed and `dbt build` run on them in a throw-away DuckDB file:
    the real loader, the real dbt, the real database."""
    import os
    import subprocess
    import sys

    from orchestration.config import PROJECT_DIR
    from orchestration.landing.loader import land_files

    _, paths = generated
    root = tmp_path_factory.mktemp("warehouse")
    database = root / "inburgering.duckdb"
    land_files(database, paths, landing_dir=root / "landing")
    env = {**os.environ, "INBURGERING_DUCKDB_PATH": str(database)}
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "build", "--profiles-dir", str(PROJECT_DIR), "--project-dir", str(PROJECT_DIR),
         "--target-path", str(root / "target"), "--quiet"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return database
