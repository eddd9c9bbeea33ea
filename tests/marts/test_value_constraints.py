"""The coded columns of the marts hold only their codes, and the keys occur once: the warehouse
holds them to it with CHECK and UNIQUE constraints in the tables' enforced dbt contracts, so a
build that would write another code, or a key twice, fails and leaves the previous table in place.
No dbt data test checks them again.

The codes are typed here by hand, not read from the project's YAML: a constraint dropped from the
YAML, a code list changed there, or a constraint the build no longer enforces fails a test."""

from __future__ import annotations

import duckdb
import pytest
from helpers.marts import UNIQUE_KEYS, contract_rules, insert_copy, refused_for, repeated_by_data_tests

pytestmark = pytest.mark.integration

GROUPS = ["Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin", "Wi2013-onbekend"]

CODES = {
    "marts.fct_respondent": {
        "questionnaire": ["Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin"],
        "wet": ["Wi2021", "Wi2013"],
        "group_label": GROUPS,
        "migrant_type": ["asiel", "gezin"],
        "questionnaire_language": ["nl", "en", "ar", "tr", "ti"],
        "recruitment_route": ["DUO", "gemeenteroute"],
        "gender": ["man", "vrouw", "anders"],
        "age_band": ["18-21", "22-30", "31-45", "46-76"],
        "leerroute": ["B1", "O", "Z"],
        "cohort": [1, 2],
        "work_experience": ["geen", "vrijwilligers", "betaald"],
    },
    "marts.fct_answer": {
        "group_label": GROUPS,
        "answer_status": ["valid", "dont_know", "no_answer", "skipped", "not_asked"],
    },
    "marts.dim_question": {"value_type": ["categorical", "multi_response_option", "integer", "date", "text"]},
    "marts.dim_answer_option": {"missing_type": ["dont_know", "no_answer", "skipped"]},
    "marts.mart_route_cohort": {
        "breakdown": ["total", "group", "leerroute", "cohort", "gender", "age_band", "leerroute_x_cohort",
                      "group_x_gender", "group_x_leerroute", "group_x_cohort"],
        "answer_status": ["valid", "dont_know", "no_answer"],
    },
    "marts.mart_meting_comparison": {
        "breakdown": ["total", "group", "leerroute", "cohort", "gender", "group_x_leerroute", "group_x_cohort"],
        "group_label": GROUPS,
        "category_kind": ["single", "combined"],
    },
    "marts.mart_response_vs_population": {
        "dimension": ["group", "gender", "leerroute", "age_band"],
        "group_label": GROUPS,
        "source_table": ["Tabel 2.9", "Tabel 2.10", "Tabel 2.11", "Tabel 2.12"],
    },
}


def _constrained(con: duckdb.DuckDBPyConnection, kind: str) -> dict[str, set[str]]:
    rows = con.execute("select schema_name || '.' || table_name, unnest(constraint_column_names) "
                       "from duckdb_constraints() where constraint_type = ? "
                       "and schema_name in ('seeds', 'staging', 'intermediate', 'marts')", [kind]).fetchall()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return columns


def _in_list(column: str, codes: list) -> str:
    """A CHECK of `column` against `codes` as DuckDB prints it back."""
    return f"({column} IN ({', '.join(str(code) if isinstance(code, int) else repr(code) for code in codes)}))"


def test_the_built_tables_constrain_exactly_these_columns_to_exactly_these_codes(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        assert _constrained(con, "CHECK") == {table: set(columns) for table, columns in CODES.items()}
        assert _constrained(con, "UNIQUE") == {table: {column} for table, column in UNIQUE_KEYS.items()}
        checks = con.execute("select schema_name || '.' || table_name, constraint_column_names[1], expression "
                             "from duckdb_constraints() where constraint_type = 'CHECK'").fetchall()
    assert {(table, column): expression for table, column, expression in checks} == {
        (table, column): _in_list(column, codes) for table, columns in CODES.items() for column, codes in columns.items()}


@pytest.mark.parametrize("table", sorted(CODES))
def test_each_code_is_taken_and_any_other_value_refused(warehouse, table):
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(f"select count(*) from {table}").fetchall()[0][0] > 0
        refused, taken = [], []
        for column, codes in sorted(CODES[table].items()):
            if refused_for(con, table, column, 9 if isinstance(codes[0], int) else "not-a-code", "wrong"):
                refused.append(column)
            con.execute("begin")
            for index, code in enumerate(codes):
                insert_copy(con, table, column, code, str(index))
                taken.append((column, code))
            con.execute("rollback")
        assert refused == sorted(CODES[table])
        assert taken == [(column, code) for column, codes in sorted(CODES[table].items()) for code in codes]


@pytest.mark.parametrize("table", sorted(UNIQUE_KEYS))
def test_a_key_twice_is_refused_and_a_new_one_taken(warehouse, table):
    column = UNIQUE_KEYS[table]
    with duckdb.connect(str(warehouse)) as con:
        with pytest.raises(duckdb.ConstraintException, match=f"Duplicate key \"{column}: .*\" violates unique constraint"):
            con.execute(f"insert into {table} select * from {table} limit 1")
        insert_copy(con, table, column, "a-new-key", "key")


def test_no_data_test_checks_what_a_contract_enforces(built_manifest):
    """One owner per rule: an accepted_values or unique data test on a column whose enforced
    contract constrains it could never fail (the build fails first), and costs a dbt node."""
    assert any(rules & {"check", "unique"} for rules in contract_rules(built_manifest).values()), \
        "no CHECK or UNIQUE in the manifest"
    assert repeated_by_data_tests(built_manifest, {"check", "unique"}) == []
