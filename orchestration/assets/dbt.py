"""dbt models, seeds and tests as Dagster assets and asset checks.

What the UI shows about them comes from the project's YAML: a model's description (never its
SQL), the catalog's owners and tags, and for every dbt test a readable check name
(`<column>_<test>`, or the singular test's file name) with a one-line description of what it
asserts. A dbt build waits for the warehouse's writer lock, then for every other process to
close the file (dbt opens it itself and cannot wait).

A run of every dbt asset (the refresh) builds what changed since the last build and no more
(orchestration.dbt_state): everything after a new key or a first build; what reads the exports
after a new or replaced export; the modified nodes and their descendants after an edit of the dbt
project; nothing, without starting dbt, when nothing changed. Every asset the run selected
still gets an output, marked `rebuilt: false` when dbt left it as it was, so the steps downstream
run and decide for themselves whether their own inputs changed. A run of some dbt assets only
(picked in the UI) builds those.
"""

import json
import os
import re
import tempfile
from collections import defaultdict
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import duckdb
from dagster import (
    AssetCheckEvaluation,
    AssetCheckResult,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetSpec,
    Output,
)

from orchestration import dbt_state
from orchestration.assets.catalog import OWNERS, tags_for
from orchestration.dagster_dbt_cli import DagsterDbtTranslator, DbtCliResource, dbt_assets
from orchestration.dbt_runner import WITHOUT_UNIT_TESTS, copy_partial_parse
from orchestration.resources import WarehouseResource, dbt_manifest
from orchestration.warehouse import wait_until_free, writer_lock


class SchemaQualifiedTranslator(DagsterDbtTranslator):
    """Key dbt nodes as <schema>/<name> (marts/fct_respondent) so the asset graph reads
    like the warehouse an analyst queries."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> AssetSpec:
        """dbt's parents, plus every `raw` table for a model that reads the exports by name
        (meta reads_raw_exports): dbt cannot list those, the asset graph should."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        meta = (self.get_resource_props(manifest, unique_id).get("config") or {}).get("meta") or {}
        if not meta.get("reads_raw_exports"):
            return spec
        known = {dep.asset_key for dep in spec.deps}
        raw = [self.get_asset_spec(manifest, source_id, project).key
               for source_id, source in sorted(manifest.get("sources", {}).items()) if source["source_name"] == "raw"]
        return spec.merge_attributes(deps=[key for key in raw if key not in known])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("schema") or "dbt"

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        """The YAML description only: dagster-dbt's default appends the whole compiled SQL."""
        description = (dbt_resource_props.get("description") or "").strip()
        return description or (f"dbt {dbt_resource_props['resource_type']} "
                               f"{dbt_resource_props.get('original_file_path', dbt_resource_props['name'])}")

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        return super().get_owners(dbt_resource_props) or OWNERS

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {**tags_for(dbt_resource_props.get("schema") or "dbt"), **super().get_tags(dbt_resource_props)}


# --- dbt tests as readable checks ---------------------------------------------------------------

def _ref_name(text: str) -> str:
    """'dim_question' from "ref('dim_question')" (a relationships test's `to`)."""
    match = re.search(r"""ref\(\s*['"]([^'"]+)['"]""", text or "")
    return match.group(1) if match else str(text)


def _generic_check(test: str, column: str | None, kwargs: Mapping[str, Any]) -> tuple[str, str]:
    """(check name, description) of a generic dbt test on `column`."""
    if test == "not_null":
        return f"{column}_not_null", f"{column} is never empty (NULL)."
    if test == "unique":
        return f"{column}_unique", f"No value of {column} occurs twice."
    if test == "not_null_columns":
        columns = ", ".join(kwargs.get("columns", []))
        return "columns_not_null", f"None of {columns} is ever empty (NULL)."
    if test == "present_and_unique":
        return f"{column}_present_and_unique", f"Every row has a {column}, and no value of it occurs twice."
    if test == "accepted_values":
        values = ", ".join(map(str, kwargs.get("values", [])))
        return f"{column}_accepted_values", f"{column} holds only: {values}."
    if test == "relationships":
        target = _ref_name(kwargs.get("to", ""))
        return f"{column}_in_{target}", f"Every {column} is a {kwargs.get('field', column)} of {target}."
    if test == "unique_combination_of_grain_columns":
        columns = ", ".join(kwargs.get("columns", []))
        return "grain_unique", f"One row per {columns}."
    subject = f" on {column}" if column else ""
    return f"{column}_{test}" if column else test, f"dbt test {test}{subject}."


def _singular_description(node: Mapping[str, Any]) -> str:
    """Its YAML description, else the leading `--` comment of its SQL: what it asserts."""
    if (node.get("description") or "").strip():
        return node["description"].strip()
    lines = []
    for line in (node.get("raw_code") or "").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.lstrip("- ").strip())
    return " ".join(lines) or f"dbt test {node.get('original_file_path', node['name'])}"


def readable_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of dbt's manifest in which every test has a readable name, unique on its model, and a
    description (meta.description, which dagster-dbt shows on the check). dbt's own names join model,
    column and every accepted value into one string; Dagster keys the checks by this name, and
    dbt's events find them by unique_id, so renaming the copy renames the checks everywhere.
    Only what changes is copied (the test nodes and their config): the manifest it reads stays as
    it was."""
    manifest = {**manifest, "nodes": dict(manifest["nodes"])}
    taken: dict[str, set[str]] = defaultdict(set)
    for unique_id in sorted(manifest["nodes"]):
        if manifest["nodes"][unique_id]["resource_type"] != "test":
            continue
        node = manifest["nodes"][unique_id] = dict(manifest["nodes"][unique_id])
        if isinstance(node.get("config"), dict):
            node["config"] = dict(node["config"])
        metadata = node.get("test_metadata") or {}
        if metadata:
            name, description = _generic_check(metadata["name"], node.get("column_name"),
                                               metadata.get("kwargs", {}))
        else:
            name, description = node["name"], _singular_description(node)
        if (node.get("config") or {}).get("severity", "error").lower() == "warn":
            description += " (warning only)"
        attached = node.get("attached_node") or unique_id
        base, number = name, 2
        while name in taken[attached]:
            name, number = f"{base}_{number}", number + 1
        taken[attached].add(name)
        node["name"] = name
        node["meta"] = {**(node.get("meta") or {}), "description": description}
        if isinstance(node.get("config"), dict):
            node["config"]["meta"] = {**(node["config"].get("meta") or {}), "description": description}
    return manifest


MANIFEST = readable_manifest(dbt_manifest())
TRANSLATOR = SchemaQualifiedTranslator()


@dbt_assets(manifest=MANIFEST, dagster_dbt_translator=TRANSLATOR)
def warehouse_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    with writer_lock(warehouse.db, "dbt build"):
        wait_until_free(warehouse.db)
        # the definition as declared, every dbt asset: in a run of some of them, Dagster's
        # context.assets_def is already cut down to the selection
        if set(context.selected_asset_keys) != set(warehouse_dbt_models.keys):
            invocation = dbt.cli(["build", *WITHOUT_UNIT_TESTS], context=context)
            yield from invocation.stream()
            _keep_partial_parse(context, invocation.target_path, Path(dbt.project_dir))
        else:
            yield from _refresh(context, dbt, warehouse.db)


def _refresh(context: AssetExecutionContext, dbt: DbtCliResource, database: Path) -> Iterator:
    with duckdb.connect(str(database), read_only=True) as con:
        work = dbt_state.plan(con, Path(dbt.project_dir))
    context.log.info(f"dbt: {work.kind} to build ({work.reason})")
    rebuilt: dict[AssetKey, Output] = {}
    checks: list[AssetCheckResult] = []
    if work.kind == "nothing":
        yield from _in_dependency_order(context, rebuilt, checks, work.reason)
        return
    # A build of everything reports each node as dbt finishes it (dbt finishes a node after
    # those it depends on), so Dagster records the events while dbt works; a build of some nodes
    # (what reads the exports, or the modified ones) reports them at the end, in dependency order
    # with the ones it kept.
    streamed = work.kind == "everything"
    with tempfile.TemporaryDirectory(prefix="dbt-state-") as state_dir:
        args = ["build", *work.dbt_args(dbt_state.write_state(work, Path(state_dir)))]
        # without the context: dagster-dbt would add its own selection (every node) to ours
        invocation = dbt.cli(args, manifest=MANIFEST, dagster_dbt_translator=TRANSLATOR)
        try:
            for event in invocation.stream():
                result = _as_step_result(context, event)
                if result is None:
                    continue
                if isinstance(result, Output):
                    rebuilt[event.asset_key] = result
                else:
                    checks.append(result)
                if streamed:
                    yield result
        except Exception:
            # what dbt did build is reported; the step fails and the build is not recorded, so
            # the next refresh plans the same work again
            if not streamed:
                yield from (rebuilt[key] for key in _dependency_order(context) if key in rebuilt)
                yield from checks
            raise
    with duckdb.connect(str(database)) as con:
        dbt_state.record(con, work.inputs, invocation.target_path / "manifest.json",
                         models_ran=_models_ran(invocation.target_path))
    _keep_partial_parse(context, invocation.target_path, Path(dbt.project_dir))
    yield from _in_dependency_order(context, rebuilt, checks, work.reason, reported=streamed)


def _keep_partial_parse(context: AssetExecutionContext, run_target: Path, project_dir: Path) -> None:
    """This run's parse of the project kept as the project's partial-parse file, which dagster-dbt
    copies into every dbt run it starts: the next run on this warehouse reads it instead of
    parsing the project again (a few seconds). dbt still parses what changed since, and parses
    in full for another warehouse file, whose connection differs. Only a cache: a project folder
    that cannot take it costs the next run its parse, never this one."""
    target = Path(os.environ.get("DBT_TARGET_PATH", "target"))  # where dagster-dbt looks for it
    target = target if target.is_absolute() else project_dir / target
    try:
        copy_partial_parse(run_target, target)
    except OSError as error:
        context.log.warning(f"dbt's partial-parse file not kept in {target}: {error}")


def _dependency_order(context: AssetExecutionContext) -> list[AssetKey]:
    """The selected dbt assets, every one after those it depends on (Dagster's rule for a
    multi-asset's outputs)."""
    deps = context.assets_def.asset_deps
    selected = set(context.selected_asset_keys)
    order = TopologicalSorter({key: deps.get(key, set()) & selected for key in selected})
    return list(order.static_order())


def _in_dependency_order(context: AssetExecutionContext, rebuilt: dict[AssetKey, Output],
                         checks: list[AssetCheckResult], reason: str, reported: bool = False) -> Iterator:
    """An output for every selected asset, then dbt's checks: dbt's output where it rebuilt the
    asset, else one saying it did not. `reported`: dbt's outputs and checks went to Dagster as
    dbt finished them, so only the assets it did not rebuild are left."""
    for asset_key in _dependency_order(context):
        if reported and asset_key in rebuilt:
            continue
        yield rebuilt.get(asset_key) or Output(
            value=None, output_name=context.assets_def.get_output_name_for_asset_key(asset_key),
            metadata={"rebuilt": False, "reason": reason})
    if not reported:
        yield from checks


def _as_step_result(context: AssetExecutionContext, event) -> Output | AssetCheckResult | None:
    """dagster-dbt's events of an invocation without context, as this step's own results."""
    if isinstance(event, AssetMaterialization) and event.asset_key in context.assets_def.keys:
        return Output(value=None, output_name=context.assets_def.get_output_name_for_asset_key(event.asset_key),
                      metadata={**event.metadata, "rebuilt": True})
    if isinstance(event, AssetCheckEvaluation) and event.asset_check_key in context.selected_asset_check_keys:
        return AssetCheckResult(asset_key=event.asset_key, check_name=event.check_name, passed=event.passed,
                                severity=event.severity, metadata=event.metadata, description=event.description)
    return None


def _models_ran(target_path: Path) -> bool:
    """Whether the invocation built a model or seed (a selection dbt found empty writes no results)."""
    path = target_path / "run_results.json"
    results = json.loads(path.read_text(encoding="utf-8"))["results"] if path.exists() else []
    return any(result["unique_id"].startswith(("model.", "seed.")) for result in results)
