"""Table and column comments in DuckDB, so that `duckdb -readonly` and notebook users see what a
table and a column mean (`select * from duckdb_columns() where comment is not null`).

- dbt models: dbt's persist_docs writes their YAML descriptions (dbt_project.yml).
- analysis tables: written by Python, so their descriptions live in the dbt source that documents
  them (models/analysis/_analysis__sources.yml) and are applied from there.
- the snapshot: `create table as select` carries no comments, so they are copied from the
  warehouse, and the analysis ones applied from the source YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from orchestration.config import PROJECT_DIR
from orchestration.yaml_file import read_yaml

ANALYSIS_SOURCES = PROJECT_DIR / "models" / "analysis" / "_analysis__sources.yml"


@dataclass(frozen=True)
class TableDoc:
    schema: str
    name: str
    description: str
    columns: dict[str, str]


def source_docs(path: Path = ANALYSIS_SOURCES) -> list[TableDoc]:
    """The tables of every dbt source in `path`, with their descriptions."""
    try:
        document = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        raise RuntimeError(f"{path}: cannot read the table descriptions: {exc}") from exc
    return [
        TableDoc(schema=source.get("schema", source["name"]), name=table["name"],
                 description=_text(table.get("description")),
                 columns={column["name"]: _text(column.get("description")) for column in table.get("columns", [])})
        for source in document.get("sources", []) for table in source.get("tables", [])
    ]


def apply(con: duckdb.DuckDBPyConnection, docs: list[TableDoc], catalog: str | None = None) -> int:
    """COMMENT ON the tables of `docs` that exist in `catalog` (default: the current database) and
    on their columns that exist; returns the number of comments written."""
    catalog = catalog or con.execute("select current_database()").fetchone()[0]
    existing = _columns(con, catalog)
    written = 0
    for doc in docs:
        columns = existing.get((doc.schema, doc.name))
        if columns is None:
            continue
        table = f"{_ident(catalog)}.{_ident(doc.schema)}.{_ident(doc.name)}"
        if doc.description:
            con.execute(f"comment on table {table} is {_literal(doc.description)}")
            written += 1
        for column, description in doc.columns.items():
            if description and column in columns:
                con.execute(f"comment on column {table}.{_ident(column)} is {_literal(description)}")
                written += 1
    return written


def copy(con: duckdb.DuckDBPyConnection, source: str, target: str, schemas: tuple[str, ...]) -> int:
    """Copy the table and column comments of `schemas` from catalog `source` to the tables of the
    same name in catalog `target`; returns the number of comments written."""
    tables = con.execute(
        "select schema_name, table_name, comment from duckdb_tables() where database_name = ? "
        "and list_contains(?, schema_name) and coalesce(comment, '') <> '' "
        "union all select schema_name, view_name, comment from duckdb_views() where database_name = ? "
        "and list_contains(?, schema_name) and coalesce(comment, '') <> ''",
        [source, list(schemas), source, list(schemas)]).fetchall()
    columns = con.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns() where database_name = ? "
        "and list_contains(?, schema_name) and coalesce(comment, '') <> ''", [source, list(schemas)]).fetchall()
    docs: dict[tuple[str, str], TableDoc] = {}
    for schema, name, comment in tables:
        docs[(schema, name)] = TableDoc(schema, name, comment, {})
    for schema, name, column, comment in columns:
        docs.setdefault((schema, name), TableDoc(schema, name, "", {})).columns[column] = comment
    return apply(con, list(docs.values()), catalog=target)


def _columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() where database_name = ?",
            [catalog]).fetchall():
        found.setdefault((schema, table), set()).add(column)
    return found


def _text(value: object) -> str:
    """YAML folded text as one line, the way dbt's docs show it."""
    return " ".join(str(value or "").split())


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
