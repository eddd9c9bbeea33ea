"""The dbt project's transformations as one plain DuckDB script, taken from what dbt itself
compiled (manifest.json after a build): every model, in dependency order, as
`create or replace view|table <relation> as (<compiled sql>)`. No tests, no seeds (the seeds are
copied in beforehand, untimed): the floor that dbt's own run time is compared against.

A dbt Python model's compiled code is Python, not `create ... as (sql)`: it becomes a
PythonModel step, run by calling its model() function the way dbt-duckdb does (refs read as
DuckDB relations, the returned frame written as a table), so the floor includes its work
without dbt around it.
"""

from __future__ import annotations

import json
import types
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PythonModel:
    """A dbt Python model as one step of the floor: its compiled module and where it writes."""

    unique_id: str
    relation: str
    code: str

    def run(self, con) -> int:
        """Run the model function on `con` and write its result as a table; returns the rows."""
        module = types.ModuleType(self.unique_id.replace(".", "_"))
        exec(compile(self.code, self.unique_id, "exec"), module.__dict__)  # noqa: S102 - dbt's own compiled model
        dbt = module.dbtObj(lambda table: con.query(f"select * from {table}"))
        frame = module.model(dbt, con)
        con.register("_plain_sql_python_model", frame)
        try:
            con.execute(f"create or replace table {self.relation} as select * from _plain_sql_python_model")
        finally:
            con.unregister("_plain_sql_python_model")
        return con.execute(f"select count(*) from {self.relation}").fetchone()[0]

    def as_comment(self) -> str:
        return (f"-- {self.unique_id}: dbt Python model, not SQL. The floor runs its model() function\n"
                f"-- (orchestration.bench.plain_sql.PythonModel) and writes the result to {self.relation}.")


def _nodes(manifest: dict) -> dict[str, dict]:
    return {uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
            and node["config"].get("enabled", True)}


def dependency_order(manifest: dict) -> list[str]:
    """Model ids, every model after the models it depends on (stable: by name within a level)."""
    models = _nodes(manifest)
    ordered: list[str] = []
    done: set[str] = set()

    def visit(uid: str, stack: tuple[str, ...] = ()) -> None:
        if uid in done:
            return
        if uid in stack:
            raise ValueError(f"dependency cycle through {uid}")
        for parent in sorted(models[uid]["depends_on"]["nodes"]):
            if parent in models:
                visit(parent, stack + (uid,))
        done.add(uid)
        ordered.append(uid)

    for uid in sorted(models):
        visit(uid)
    return ordered


def compiled_code(node: dict, target_path: Path) -> str:
    code = node.get("compiled_code")
    if code:
        return code
    path = target_path / "compiled" / node["package_name"] / node["original_file_path"]
    if not path.exists():
        raise FileNotFoundError(f"{node['unique_id']} was not compiled ({path}): run dbt build/compile first")
    return path.read_text(encoding="utf-8")


compiled_sql = compiled_code  # the earlier name


def seed_relations(manifest: dict) -> list[tuple[str, str]]:
    """(schema, table) of every seed."""
    return sorted((node["schema"], node["alias"]) for node in manifest["nodes"].values()
                  if node["resource_type"] == "seed")


def script(target_path: Path) -> tuple[str, list[str]]:
    """The SQL script and the relations it creates, in order (Python models as a comment)."""
    parts = statements(target_path)
    text = "\n\n".join(step.as_comment() if isinstance(step, PythonModel) else step for _, step in parts)
    return text + "\n", [relation for relation, _ in parts if relation]


def statement_for(node: dict, code: str) -> tuple[str, str | PythonModel]:
    """(relation, SQL statement or PythonModel) building one model whole."""
    relation = f'"{node["schema"]}"."{node["alias"]}"'
    materialized = node["config"]["materialized"]
    if node.get("language", "sql") == "python":
        return relation, PythonModel(node["unique_id"], relation, code)
    kind = "view" if materialized == "view" else "table"
    body = code.strip().rstrip(";")
    return relation, f"-- {node['unique_id']}\ncreate or replace {kind} {relation} as (\n{body}\n);"


def statements(target_path: Path) -> list[tuple[str | None, str | PythonModel]]:
    """The script as (relation created or None, SQL statement or PythonModel), in order."""
    manifest = json.loads((target_path / "manifest.json").read_text(encoding="utf-8"))
    models = _nodes(manifest)
    schemas = sorted({node["schema"] for node in models.values()})
    parts: list[tuple[str | None, str | PythonModel]] = [
        (None, f'create schema if not exists "{schema}";') for schema in schemas]
    for uid in dependency_order(manifest):
        node = models[uid]
        parts.append(statement_for(node, compiled_code(node, target_path)))
    return parts
