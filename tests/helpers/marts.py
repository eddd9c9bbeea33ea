"""The marts' unique keys, typed by hand, for the tests that insert a copied row to see which
constraint refuses it: the copy gets a key of its own, so the key does not refuse it first."""

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
    import duckdb

    try:
        insert_copy(con, table, column, value, tag)
    except duckdb.ConstraintException as error:
        return column in str(error)
    return False
