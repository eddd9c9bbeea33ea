"""The code location is imported once and then runs many times (the webserver, the daemon, a
test session): where a run reads and writes must follow the environment of that run, the way
dbt's subprocess does, not the one of the import."""

from __future__ import annotations

import os

from orchestration.warehouse import WAIT_ENV, default_wait_seconds, waiting_for


def test_the_warehouse_resource_reads_its_paths_when_a_run_uses_them(tmp_path, monkeypatch):
    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(tmp_path / "first" / "w.duckdb"))
    monkeypatch.setenv("INBURGERING_LANDING_DIR", str(tmp_path / "first" / "landing"))
    from orchestration.definitions import defs

    warehouse = defs.resources["warehouse"]
    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(tmp_path / "second" / "w.duckdb"))
    monkeypatch.setenv("INBURGERING_LANDING_DIR", str(tmp_path / "second" / "landing"))
    assert warehouse.db == tmp_path / "second" / "w.duckdb"
    assert warehouse.landing == tmp_path / "second" / "landing"


def test_paths_given_to_the_resource_win_over_the_environment(tmp_path, monkeypatch):
    from orchestration.resources import WarehouseResource

    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(tmp_path / "env.duckdb"))
    resource = WarehouseResource(duckdb_path=str(tmp_path / "given.duckdb"), landing_dir=str(tmp_path / "in"))
    assert (resource.db, resource.landing) == (tmp_path / "given.duckdb", tmp_path / "in")


def test_a_build_s_wait_holds_for_the_build_only(monkeypatch):
    monkeypatch.setenv(WAIT_ENV, "7")
    with waiting_for(0.0):
        assert default_wait_seconds() == 0.0
    assert os.environ[WAIT_ENV] == "7"
    monkeypatch.delenv(WAIT_ENV)
    with waiting_for(3.0):
        assert default_wait_seconds() == 3.0
    assert WAIT_ENV not in os.environ


def test_the_dbt_resource_states_the_version_the_dbt_executable_reports():
    """The resource takes dbt's version from the installed dbt-core instead of asking the
    executable in a subprocess on every run: both must agree."""
    import re
    import subprocess

    from orchestration.definitions import defs

    dbt = defs.resources["dbt"]
    reported = subprocess.run([dbt.dbt_executable, "--version"], capture_output=True, text=True, check=True).stdout
    installed = re.search(r"installed:\s*(\d+\.\d+\.\d+)", reported).group(1)
    assert str(dbt._cli_version) == installed
