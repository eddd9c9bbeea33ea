"""`dbt build` of the generated demo exports: the session's warehouse (tests/conftest.py) is that
build, and it ran every seed, model, unit test and data test the project defines, each passing.
What the project defines comes from dbt's manifest of that build; what ran from its run results."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration

BUILT = {"seed", "model", "test"}


def test_every_node_of_the_project_was_built_or_tested_and_passed(built_warehouse):
    target = built_warehouse.parent / "target"
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    assert results["args"]["which"] == "build"

    defined = {unique_id for unique_id, node in manifest["nodes"].items()
               if node["resource_type"] in BUILT and node["config"].get("enabled", True)}
    defined |= set(manifest.get("unit_tests", {}))
    ran = {result["unique_id"]: result["status"] for result in results["results"]}

    assert sorted(defined - set(ran)) == [], "defined but not run"
    assert {unique_id: status for unique_id, status in ran.items()
            if unique_id in defined and status not in ("success", "pass")} == {}
    kinds = {unique_id.split(".")[0] for unique_id in defined}
    assert kinds == {"seed", "model", "test", "unit_test"}
