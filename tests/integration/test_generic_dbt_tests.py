"""The project's own generic dbt tests fail for what they guard, and only for that: each one's SQL
as dbt compiled and ran it in the session's build, run again on a copy of the warehouse with the
faulty rows added by hand. present_and_unique: a key column, not NULL and no value twice;
not_null_columns: a table's not-null columns, a failing row per column that holds a NULL."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.integration


def _compiled(manifest: dict, name: str) -> str:
    [node] = [node for node in manifest["nodes"].values() if node["resource_type"] == "test" and node["name"] == name]
    return node["compiled_code"]


def test_the_not_null_test_names_each_column_with_a_null_and_its_count(built_manifest, warehouse):
    sql = _compiled(built_manifest, "not_null_columns_int_answers_respondent_key__meting")
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(sql).fetchall() == []
        con.execute("insert into intermediate.int_answers select * replace (null as meting) "
                    "from intermediate.int_answers limit 2")
        assert con.execute(sql).fetchall() == [("meting", 2)]
        con.execute("insert into intermediate.int_answers select * replace (null as respondent_key) "
                    "from intermediate.int_answers limit 1")
        assert sorted(con.execute(sql).fetchall()) == [("meting", 2), ("respondent_key", 1)]


def test_the_key_test_finds_a_missing_key_and_a_key_twice_and_nothing_else(built_manifest, warehouse):
    sql = _compiled(built_manifest, "present_and_unique_int_respondents_respondent_key")
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(sql).fetchall() == []
        twice = con.execute("select respondent_key from intermediate.int_respondents order by 1 limit 1").fetchall()[0][0]
        con.execute("insert into intermediate.int_respondents select * from intermediate.int_respondents "
                    "where respondent_key = ?", [twice])
        con.execute("insert into intermediate.int_respondents select * replace (null as respondent_key) "
                    "from intermediate.int_respondents limit 1")
        assert sorted(con.execute(sql).fetchall(), key=str) == sorted([(twice, 2), (None, 1)], key=str)


def test_every_key_column_has_the_one_test_instead_of_two(built_manifest):
    """The 8 staging tokens, the 2 intermediate respondent keys and the 4 seed keys."""
    tests = [node for node in built_manifest["nodes"].values() if node["resource_type"] == "test"]
    keys = sorted(f"{node['attached_node'].split('.')[-1]}.{node['column_name']}" for node in tests
                  if (node.get("test_metadata") or {}).get("name") == "present_and_unique")
    assert keys == sorted([
        *(f"stg_{meting}__{form}.respondent_token" for meting in (2023, 2024)
          for form in ("wi2013_asiel", "wi2013_gezin", "wi2021_asiel", "wi2021_gezin")),
        "int_respondents.respondent_key", "int_respondent_weights.respondent_key", "weighting_targets.meting",
        "municipality_regions.municipality", "snapshot_aggregate_rules.relation",
        "snapshot_quasi_identifiers.quasi_identifier"])
    both = {(node["attached_node"], node["column_name"]) for node in tests
            if (node.get("test_metadata") or {}).get("name") == "unique"}
    assert both == set(), "a unique test where present_and_unique would do"
