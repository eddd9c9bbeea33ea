"""Shared fixtures: every test gets its own warehouse file and landing folder."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
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
    """The slow files first, each keeping its place among them, and first of all the file marked
    `first` (it asks for the session's whole build, which other files read later): the workers
    (pytest-xdist, a file at a time, in this order when make test keeps it with
    --no-loadscope-reorder) then end on short files, never one idle while the other runs a long
    one to the end."""
    items.sort(key=lambda item: (item.get_closest_marker("slow") is None, item.get_closest_marker("first") is None))


@pytest.fixture(scope="session", autouse=True)
def _dbt_runs_outside_the_project(tmp_path_factory):
    """dagster-dbt puts each run's folder, and keeps the run's saved parse, in DBT_TARGET_PATH
    (else the project's target/): the suite's runs use a folder of their own, so they neither fill
    the project's target/ nor replace the saved parse that `make manifest` left for the next run
    on the project's warehouse (a parse at a test's warehouse path would make that run parse in full)."""
    os.environ["DBT_TARGET_PATH"] = str(tmp_path_factory.getbasetemp() / "dbt-target")


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
def small_exports(request, tmp_path_factory) -> list[Path]:
    """A small generation (seed 11, scale 0.05, both metingen, SPSS files), once per session, for
    the tests that run the whole chain several times over: a file at this scale still reaches
    every model and analysis. Shared, so read only: a test lands copies of them
    (helpers.landing.copies)."""
    from orchestration.synthetic.generator import generate

    def build(root: Path) -> list[str]:
        return [str(path) for path in generate(root / "exports", seed=11, scale=0.05)]

    return [Path(path) for path in _once(request, tmp_path_factory, "small-exports", build)]


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


# what the refresh job adds to the warehouse after dbt (the analyses, the refresh's bookkeeping)
# and the table the holder process of full_build leaves: none of it is dbt's
AFTER_DBT = ["drop schema if exists analysis cascade", "drop schema if exists refresh cascade",
             "drop table if exists main.held"]


@pytest.fixture(scope="session")
def built_warehouse(request, full_build, tmp_path_factory):
    """The generated exports landed and `dbt build` run on them: the warehouse of the session's
    whole build (full_build: the real loader, the real dbt, the real database) as dbt left it, a
    copy without what the refresh job adds after dbt, with that dbt run's manifest and run
    results beside it in target/. The chain is built once a session, not once for dbt alone."""
    import duckdb

    from orchestration.bench.runner import copy_database

    def build(root: Path) -> str:
        results = Path(full_build["dbt_target"]).rglob("run_results.json")
        builds = [path.parent for path in results
                  if json.loads(path.read_text(encoding="utf-8"))["args"]["which"] == "build"]
        assert len(builds) == 1, (f"the session's build ran dbt build {len(builds)} times ({builds}), not once:\n"
                                  f"{full_build['output'][-3000:]}")
        (root / "target").mkdir(parents=True)
        manifest = json.loads((builds[0] / "manifest.json").read_text(encoding="utf-8"))
        for name in ("manifest.json", "run_results.json"):
            shutil.copy2(builds[0] / name, root / "target" / name)
        copy = copy_database(Path(full_build["duckdb"]), root)
        dbt_schemas = {node["schema"] for node in manifest["nodes"].values() if node["resource_type"] in ("seed", "model")}
        with duckdb.connect(str(copy)) as con:
            for statement in AFTER_DBT:
                con.execute(statement)
            con.execute("checkpoint")
            left = {schema for (schema,) in con.execute(
                "select distinct table_schema from information_schema.tables").fetchall()}
        # what is left is the landed exports and dbt's own schemas, whatever the refresh adds later
        assert left == {"raw"} | dbt_schemas, f"besides dbt's schemas: {sorted(left - dbt_schemas - {'raw'})}"
        return str(copy)

    return Path(_once(request, tmp_path_factory, "warehouse", build))


@pytest.fixture(scope="session")
def built_manifest(built_warehouse) -> dict:
    """dbt's manifest of the session's build (its compiled SQL, tests and contracts), read once."""
    return json.loads((built_warehouse.parent / "target" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def full_build(request, generated, tmp_path_factory) -> dict:
    """The whole chain once per session, as `make run` runs it: the real `inburgering build` in its
    own process, with a Dagster home of its own, on the generated exports in its landing folder
    (the loader, dbt with its tests, the analyses, the report and the snapshot). Another process
    holds the warehouse when it starts, so it first waits its turn. Its warehouse, outputs and
    snapshot are on disk; what it printed, what it ran and what Dagster recorded of it are in the
    result. The tests that read them copy what they write to."""
    _, paths = generated

    def build(root: Path) -> dict:
        from helpers.holder import hold
        from helpers.landing import copies

        warehouse = root / "warehouse"
        folders = {"duckdb": warehouse / "inburgering.duckdb", "landing": warehouse / "landing",
                   "outputs": warehouse / "outputs", "home": root / "dagster_home", "dbt_target": root / "dbt-target"}
        copies(paths, folders["landing"])
        folders["home"].mkdir()
        (folders["home"] / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        env = {name: value for name, value in os.environ.items() if not name.startswith("INBURGERING_")}
        env.update(INBURGERING_DEMO="1", INBURGERING_DUCKDB_PATH=str(folders["duckdb"]),
                   INBURGERING_LANDING_DIR=str(folders["landing"]), INBURGERING_OUTPUTS_DIR=str(folders["outputs"]),
                   DAGSTER_HOME=str(folders["home"]), COLUMNS="200", PYTHONUNBUFFERED="1",
                   # dagster-dbt's run folders and saved parse there, not in the project's target/
                   DBT_TARGET_PATH=str(folders["dbt_target"]))
        # a real key and the machine's memory cap reach the build, as they reach every other
        for name in ("INBURGERING_PSEUDONYM_KEY", "INBURGERING_DUCKDB_MEMORY_LIMIT"):
            if name in os.environ:
                env[name] = os.environ[name]
        holder = hold(folders["duckdb"], 600, "dbt build")
        try:
            command = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "inburgering"), "build",
                                        "--wait", "600"],
                                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            before = []
            for line in command.stdout:  # up to the line saying it waits for the holder
                before.append(line)
                if "waiting" in line:
                    break
        finally:
            holder.kill()
            holder.wait()
        rest, _ = command.communicate(timeout=3600)
        recorded = _recorded(folders["home"])
        return {**{name: str(path) for name, path in folders.items()},
                # where the build says it published (None when it did not)
                "snapshot": recorded["materialised"].get("published/snapshot", {}).get("path"),
                "returncode": command.returncode, "holder_pid": holder.pid,
                "before_waiting": "".join(before), "output": "".join(before) + rest, **recorded}

    return _once(request, tmp_path_factory, "full-build", build)


def _recorded(home: Path) -> dict:
    """What the Dagster instance in `home` recorded of its one run: the job, the assets
    materialised (with their metadata) and every asset check's evaluation."""
    from dagster import DagsterEventType, DagsterInstance

    def plain(metadata) -> dict:
        values = {key: getattr(value, "value", value) for key, value in metadata.items()}
        return json.loads(json.dumps(values, default=str))  # what JSON cannot hold, as text

    with DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        if len(runs) != 1:
            return {"jobs": [run.job_name for run in runs], "materialised": {}, "checks": []}
        logs = instance.all_logs(runs[0].run_id, of_type={DagsterEventType.ASSET_MATERIALIZATION,
                                                          DagsterEventType.ASSET_CHECK_EVALUATION})
        materialised, checks = {}, []
        for entry in logs:
            event = entry.dagster_event
            if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
                materialised["/".join(event.asset_key.path)] = plain(event.materialization.metadata)
            else:
                evaluation = event.event_specific_data
                checks.append({"asset": "/".join(evaluation.asset_key.path), "name": evaluation.check_name,
                               "passed": evaluation.passed, "metadata": plain(evaluation.metadata)})
        return {"jobs": [runs[0].job_name], "materialised": materialised, "checks": checks}


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
