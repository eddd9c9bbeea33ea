"""The dbt project's transformations as one plain DuckDB SQL script, taken from what dbt itself
compiled (manifest.json after a build): every model, in dependency order, as
`create or replace view|table <relation> as (<compiled sql>)`. No tests, no seeds (the seeds are
copied in beforehand, untimed): the floor that dbt's own run time is compared against."""

from __future__ import annotations

import json
from pathlib import Path


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


def compiled_sql(node: dict, target_path: Path) -> str:
    code = node.get("compiled_code")
    if code:
        return code
    path = target_path / "compiled" / node["package_name"] / node["original_file_path"]
    if not path.exists():
        raise FileNotFoundError(f"{node['unique_id']} was not compiled ({path}): run dbt build/compile first")
    return path.read_text(encoding="utf-8")


def seed_relations(manifest: dict) -> list[tuple[str, str]]:
    """(schema, table) of every seed."""
    return sorted((node["schema"], node["alias"]) for node in manifest["nodes"].values()
                  if node["resource_type"] == "seed")


def script(target_path: Path) -> tuple[str, list[str]]:
    """The SQL script and the relations it creates, in order."""
    parts = statements(target_path)
    return "\n\n".join(sql for _, sql in parts) + "\n", [relation for relation, _ in parts if relation]


def statements(target_path: Path) -> list[tuple[str | None, str]]:
    """The script as (relation created or None, statement), in order."""
    manifest = json.loads((target_path / "manifest.json").read_text(encoding="utf-8"))
    models = _nodes(manifest)
    schemas = sorted({node["schema"] for node in models.values()})
    parts: list[tuple[str | None, str]] = [(None, f'create schema if not exists "{schema}";') for schema in schemas]
    for uid in dependency_order(manifest):
        node = models[uid]
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        relation = f'"{node["schema"]}"."{node["alias"]}"'
        body = compiled_sql(node, target_path).strip().rstrip(";")
        parts.append((relation, f"-- {uid}\ncreate or replace {kind} {relation} as (\n{body}\n);"))
    return parts
