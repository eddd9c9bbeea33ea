"""`dbt build` of the generated demo exports: the session's warehouse (tests/conftest.py) is the
refresh job's build of it, which ran every seed, model and data test the project defines, each
passing, and none of dbt's unit tests (a refresh leaves them out); the unit tests run here, each
passing, on a copy of that warehouse. What the project defines comes from dbt's manifest of that
build; what ran from the run results."""

from __future__ import annotations

import json

import pytest

from orchestration.bench.runner import copy_database
from orchestration.config import PROJECT_DIR
from orchestration.dbt_runner import run_dbt

pytestmark = pytest.mark.integration

BUILT = {"seed", "model", "test"}


def _statuses(results: dict) -> dict[str, str]:
    return {result["unique_id"]: result["status"] for result in results["results"]}


def test_every_seed_model_and_data_test_was_built_or_run_and_passed(built_warehouse, built_manifest):
    results = json.loads((built_warehouse.parent / "target" / "run_results.json").read_text(encoding="utf-8"))
    assert results["args"]["which"] == "build"

    defined = {unique_id for unique_id, node in built_manifest["nodes"].items()
               if node["resource_type"] in BUILT and node["config"].get("enabled", True)}
    ran = _statuses(results)

    assert sorted(defined - set(ran)) == [], "defined but not run"
    assert {unique_id: status for unique_id, status in ran.items()
            if unique_id in defined and status not in ("success", "pass")} == {}
    assert {unique_id.split(".")[0] for unique_id in defined} == {"seed", "model", "test"}
    assert [unique_id for unique_id in ran if unique_id.startswith("unit_test.")] == [], "a refresh ran unit tests"


def test_every_unit_test_passes(built_warehouse, built_manifest, tmp_path):
    """dbt's unit tests, which no refresh runs, on a copy of the session's build (dbt reads the
    column types of a unit test's inputs from the warehouse)."""
    database = copy_database(built_warehouse, tmp_path / "warehouse")
    result = run_dbt("test", database, tmp_path / "target", PROJECT_DIR, "--select", "test_type:unit", "--quiet")
    ran = _statuses(json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8")))

    assert sorted(ran) == sorted(built_manifest["unit_tests"]), result.stdout[-3000:]
    assert len(ran) == 5 and set(ran.values()) == {"pass"}, result.stdout[-3000:]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
