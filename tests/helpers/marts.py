"""The marts' unique keys, typed by hand, for the tests that insert a copied row to see which
constraint refuses it (the copy gets a key of its own, so the key does not refuse it first); and
the data tests that repeat a rule an enforced contract already holds."""

import duckdb

UNIQUE_KEYS = {
    "marts.fct_respondent": "respondent_key",
    "marts.dim_question": "question_id",
    "marts.dim_respondent": "person_key",
}


def with_new_key(table: str, column: str, tag: str) -> str:
    """`column` replaced by a bound value (?) in a `select * replace (...)` list, and the table's
    key, unless that is `column`, made new with `tag`."""
    key = UNIQUE_KEYS.get(table)
    new_key = f', "{key}" || \'-copy-{tag}\' as "{key}"' if key and key != column else ""
    return f'? as "{column}"{new_key}'


def insert_copy(con, table: str, column: str, value, tag: str) -> None:
    """A row of `table` copied with `column` set to `value` (and a key of its own)."""
    con.execute(f"insert into {table} select * replace ({with_new_key(table, column, tag)}) from {table} limit 1",
                [value])


def refused_for(con, table: str, column: str, value, tag: str) -> bool:
    """Whether the warehouse refuses such a copy with a constraint error naming `column`."""
    try:
        insert_copy(con, table, column, value, tag)
    except duckdb.ConstraintException as error:
        return column in str(error)
    return False


# the constraint types each data test holds a column to
_TEST_RULES = {"not_null": {"not_null"}, "not_null_columns": {"not_null"}, "accepted_values": {"check"},
               "unique": {"unique"}, "present_and_unique": {"not_null", "unique"}}


def _tested(node: dict) -> list[tuple[str, set[str]]]:
    """(column, constraint types) a data test holds: its column, or the listed ones of not_null_columns."""
    metadata = node.get("test_metadata") or {}
    rules = _TEST_RULES.get(metadata.get("name"), set())
    columns = metadata.get("kwargs", {}).get("columns", []) if metadata.get("name") == "not_null_columns" \
        else [node.get("column_name")]
    return [(column, rules) for column in columns if rules]


def contract_rules(manifest: dict) -> dict[tuple[str, str], set[str]]:
    """(model, column) -> the constraint types its enforced contract declares."""
    rules: dict[tuple[str, str], set[str]] = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] == "model" and (node["config"].get("contract") or {}).get("enforced"):
            for name, column in node["columns"].items():
                for constraint in column.get("constraints", []):
                    rules.setdefault((unique_id, name), set()).add(constraint["type"])
    return rules


def repeated_by_data_tests(manifest: dict, kinds: set[str]) -> list[str]:
    """`model.column` for each data test that holds a column to a constraint of `kinds` which the
    model's enforced contract declares already: a test that could never fail."""
    enforced = contract_rules(manifest)
    return sorted(f"{node['attached_node']}.{column}" for node in manifest["nodes"].values()
                  if node["resource_type"] == "test"
                  for column, rules in _tested(node)
                  if rules & kinds & enforced.get((node.get("attached_node"), column), set()))
