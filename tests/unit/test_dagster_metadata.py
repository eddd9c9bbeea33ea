"""What the Dagster UI shows, read from the loaded Definitions: owners, kinds and tags on every
asset, descriptions from the YAML (never SQL), readable dbt checks with a description, runs of
the refresh job named after it."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from dagster import AssetKey

from orchestration.config import PROJECT_DIR


@pytest.fixture(scope="module")
def graph():
    from orchestration.definitions import defs

    return defs.resolve_asset_graph()


def test_every_asset_has_owners_kinds_and_a_layer_tag(graph):
    keys = graph.get_all_asset_keys()
    assert len(keys) > 40
    for key in keys:
        node = graph.get(key)
        assert node.owners == ["team:inburgering-data"], key
        assert 1 <= len(node.kinds) <= 3, key
        assert node.tags["layer"] == key.path[0], key
    assert graph.get(AssetKey(["analysis", "regression_models"])).kinds == {"python", "duckdb", "statsmodels"}
    assert graph.get(AssetKey(["raw", "export_2024_wi2021_asiel"])).kinds == {"python", "duckdb", "spss"}
    assert graph.get(AssetKey(["marts", "fct_respondent"])).kinds == {"dbt", "duckdb"}


def test_descriptions_hold_no_sql(graph):
    for key in graph.get_all_asset_keys():
        description = graph.get(key).description or ""
        assert description, key
        assert "select " not in description.lower() and "{{" not in description, key
    marts = yaml.safe_load((PROJECT_DIR / "models" / "marts" / "_marts__models.yml").read_text(encoding="utf-8"))
    [fct] = [model for model in marts["models"] if model["name"] == "fct_respondent"]
    assert graph.get(AssetKey(["marts", "fct_respondent"])).description == fct["description"].strip()


def test_every_dbt_model_and_seed_is_an_asset(graph):
    """dagster-dbt takes them from the manifest itself, without dbt's selector
    (orchestration/dagster_dbt_cli.py): none may go missing, the unconnected ones included."""
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    nodes = {AssetKey([node["schema"], node["name"]]) for node in manifest["nodes"].values()
             if node["resource_type"] in ("model", "seed")}
    assert len(nodes) == 42
    assert nodes <= graph.get_all_asset_keys()


def test_every_dbt_test_is_a_readable_check_with_a_description(graph):
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    dbt_tests = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    checks = {key: graph.get_check_spec(key) for key in graph.asset_check_keys}
    dbt_checks = {key: spec for key, spec in checks.items() if "dagster_dbt/unique_id" in (spec.metadata or {})}
    assert len(dbt_checks) == len(dbt_tests), "every dbt test, singular ones on several models too, is a check"
    for key, spec in checks.items():
        assert re.fullmatch(r"[a-z0-9_]{3,64}", key.name), key
        assert not re.search(r"[0-9a-f]{10}", key.name), key
        assert spec.description, key
    by_name = {(key.asset_key.to_user_string(), key.name): spec.description for key, spec in checks.items()}
    assert by_name[("intermediate/int_respondents", "respondent_key_present_and_unique")] == \
        "Every row has a respondent_key, and no value of it occurs twice."
    assert by_name[("marts/mart_answer_shares", "category_kind_accepted_values")] == \
        "category_kind holds only: single, combined."
    assert by_name[("marts/fct_answer", "assert_answers_use_their_answer_set")] == \
        "A harmonised code must be an option of the question's own answer set."


def test_the_refresh_job_covers_every_asset():
    from orchestration.definitions import defs

    job = defs.resolve_job_def("refresh_warehouse")
    assert job.asset_layer.asset_graph.get_all_asset_keys() >= defs.resolve_asset_graph().get_all_asset_keys()


def test_the_answers_hang_below_every_landed_export_in_the_asset_graph(graph):
    # int_answers reads the raw tables by name (a new meting is seed rows), so dbt lists only
    # seeds as its parents; the graph must still show the exports it is built from
    exports = {key for key in graph.get_all_asset_keys() if key.path[0] == "raw" and key.path[1].startswith("export_")}
    assert len(exports) == 8  # 2 metingen x 4 questionnaires
    parents = graph.get(AssetKey(["intermediate", "int_answers"])).parent_keys
    assert exports <= parents


def test_readable_names_leave_the_shared_manifest_as_dbt_wrote_it():
    # the parsed manifest is shared by the landing and dbt assets; renaming the checks must not
    # rename what the other readers see (nor what a second renaming would start from)
    from orchestration.assets.dbt import MANIFEST
    from orchestration.resources import dbt_manifest

    written = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text())
    assert dbt_manifest() == written
    name = "present_and_unique_int_respondents_respondent_key"
    [unique_id] = [key for key, node in written["nodes"].items()
                   if node["resource_type"] == "test" and node["name"] == name]
    assert MANIFEST["nodes"][unique_id]["name"] == "respondent_key_present_and_unique"
    assert MANIFEST["nodes"][unique_id]["config"]["meta"]["description"] == \
        "Every row has a respondent_key, and no value of it occurs twice."
    assert dbt_manifest()["nodes"][unique_id]["name"] == name
    assert "description" not in (dbt_manifest()["nodes"][unique_id]["config"].get("meta") or {})
