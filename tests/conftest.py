"""Shared fixtures: every test gets its own warehouse file and landing folder."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import Callable

import pytest

# The suite builds synthetic exports only, so it asks for the public demo pseudonym key by name
# (orchestration/privacy/pseudonym_key.py); the dbt runs it starts inherit this. A test of the
# refusal without a key removes it from its own environment.
os.environ["INBURGERING_DEMO"] = "1"
# The command line's rich console takes its width when it is first imported, in whichever test
# that happens: a wide one for every test, so that tables are read whole, never cut at 80 columns.
os.environ["COLUMNS"] = "400"


def pytest_collection_modifyitems(config, items):
    """The slow files first, each keeping its place among them: the workers (pytest-xdist, a file
    at a time, in this order when make test keeps it with --no-loadscope-reorder) then end on
    short files, never one idle while the other runs a long one to the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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


def _once(request, tmp_path_factory, name: str, build: Callable[[Path], object]):
    """`build(folder)` once per test session, by whichever worker asks first; the other workers
    (pytest-xdist: a process each, each with a base folder of its own inside the session's)
    wait for it and get the same JSON result. A build that failed is tried again. Whether this
    is a worker comes from pytest's own config, not from the environment, which a pytest started
    by a test would inherit."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if hasattr(request.config, "workerinput") else base) / f"session-{name}"
    root.mkdir(exist_ok=True)
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        result = root / "result.json"
        if not result.exists():
            shutil.rmtree(root / "data", ignore_errors=True)
            result.write_text(json.dumps(build(root / "data")), encoding="utf-8")
        return json.loads(result.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def _generated_forms(request, tmp_path_factory) -> dict:
    """One full generation (both metingen, scale 1, seed 2024) written as SPSS files and as CSV
    files with their label sidecars, each form in its own folder: 5-7 s, once per session."""
    from orchestration.synthetic.generator import generate_forms

    def build(root: Path) -> dict:
        folders = {"sav": root / "sav", "csv": root / "csv"}
        paths = generate_forms(folders, seed=2024)
        return {form: {"directory": str(folders[form]), "paths": [str(path) for path in paths[form]]}
                for form in folders}

    return _once(request, tmp_path_factory, "exports", build)


def _form(shared: dict) -> tuple[Path, list[Path]]:
    return Path(shared["directory"]), [Path(path) for path in shared["paths"]]


@pytest.fixture(scope="session")
def generated(_generated_forms):
    """The session's generation as SPSS files: (folder, files), shared by the tests that read it."""
    return _form(_generated_forms["sav"])


@pytest.fixture(scope="session")
def generated_csv(_generated_forms):
    """The same generation in the CSV + label sidecar form, in a folder of its own."""
    return _form(_generated_forms["csv"])


@pytest.fixture(scope="session")
def harmonised(generated):
    """The generated files read back and harmonised in Python (independent of dbt)."""
    from orchestration.codebook import Codebook
    from orchestration.synthetic.calibration import read_exports

    directory, _ = generated
    return read_exports(directory, Codebook.load())


@pytest.fixture(scope="session")
def built_warehouse(request, generated, tmp_path_factory):
    """The generated exports landed and `dbt build` run on them in a throw-away DuckDB file:
    the real loader, the real dbt, the real database."""
    from orchestration.dbt_runner import land_and_build

    _, paths = generated

    def build(root: Path) -> str:
        return str(land_and_build(paths, root))

    return Path(_once(request, tmp_path_factory, "warehouse", build))


@pytest.fixture
def warehouse(built_warehouse, tmp_path) -> Path:
    """A writable copy of the session's built warehouse (dbt marts; no analysis tables yet)."""
    copy = tmp_path / "warehouse" / "inburgering.duckdb"
    copy.parent.mkdir()
    shutil.copy2(built_warehouse, copy)
    return copy


@pytest.fixture
def target(tmp_path) -> Path:
    """Where a test publishes the analysts' snapshot."""
    return tmp_path / "published" / "inburgering.duckdb"
