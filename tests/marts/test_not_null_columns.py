"""The marts' keys and the columns analysts filter on are never empty, and the warehouse itself
holds them to it: NOT NULL in the tables' enforced dbt contracts, so a build that would write a
NULL there fails and leaves the previous table in place. No dbt data test checks them again.

The columns are typed here by hand, not read from the project's YAML: a constraint dropped from
the YAML, or one the build no longer enforces, fails the first test."""

from __future__ import annotations

import duckdb
import pytest
from helpers.marts import contract_rules, refused_for, repeated_by_data_tests

pytestmark = pytest.mark.integration

NOT_NULL = {
    "marts.fct_respondent": {"respondent_key", "meting", "group_label"},
    "marts.fct_answer": {"respondent_key", "meting", "question_id"},
    "marts.fct_open_answer": {"respondent_key", "meting", "group_label", "question_id", "answer_text"},
    "marts.dim_question": {"question_id", "is_technical"},
    "marts.dim_answer_option": {"answer_set_id", "harmonised_code"},
    "marts.dim_respondent": {"person_key"},
    "marts.mart_route_cohort": {"meting", "question_id", "breakdown_value", "harmonised_code"},
    "marts.mart_meting_comparison": {"meting", "previous_meting", "question_id", "breakdown", "breakdown_value",
                                     "category_kind", "category_id", "is_comparable"},
    "marts.mart_response_vs_population": {"meting", "dimension", "group_label", "category"},
    "marts.mart_weighting_summary": {"meting", "group_label"},
}


def _not_null_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute("select table_schema || '.' || table_name, column_name from information_schema.columns "
                       "where is_nullable = 'NO' and table_schema in ('seeds', 'staging', 'intermediate', 'marts')"
                       ).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return columns


def test_the_built_tables_declare_exactly_these_columns_not_null(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        assert _not_null_columns(con) == NOT_NULL


@pytest.mark.parametrize("table", sorted(NOT_NULL))
def test_the_warehouse_refuses_a_null_in_each_of_them(warehouse, table):
    """A row of the table copied with one column emptied (and a key of its own): only that column
    can refuse it."""
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(f"select count(*) from {table}").fetchall()[0][0] > 0
        refused = [column for column in sorted(NOT_NULL[table]) if refused_for(con, table, column, None, "null")]
        assert refused == sorted(NOT_NULL[table])


def test_no_data_test_checks_what_a_contract_enforces(built_manifest):
    """One owner per rule: a not_null data test on a column its enforced contract declares not
    null could never fail (the build fails first), and costs a dbt node in every build."""
    assert any("not_null" in rules for rules in contract_rules(built_manifest).values()), \
        "no model with an enforced contract in the manifest"
    assert repeated_by_data_tests(built_manifest, {"not_null"}) == []
