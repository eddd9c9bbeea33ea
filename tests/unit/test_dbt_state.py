"""What a refresh has to build, decided from the warehouse's record of its last build
(orchestration.dbt_state), on a small project folder and an in-memory warehouse."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
import yaml

from orchestration import dbt_state
from orchestration.config import PROJECT_DIR


@pytest.fixture
def project(tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "a.sql").write_text("select 1 as x\n")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "s.csv").write_text("x\n1\n")
    (tmp_path / "dbt_project.yml").write_text("name: p\n")
    manifest = {"nodes": {"model.p.a": {"resource_type": "model", "schema": "marts", "alias": "a",
                                        "config": {"materialized": "table"}}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        connection.execute("create schema raw; create schema marts; create table marts.a as select 1 as x")
        connection.execute("create table raw.load_registry (export_table varchar, sha256 varchar, load_id integer, "
                           "status varchar)")
        connection.execute("insert into raw.load_registry values ('raw.export_2024_a', 'aa', 1, 'current')")
        yield connection


def _built(con, project):
    dbt_state.record(con, dbt_state.current_inputs(con, project), project / "manifest.json", models_ran=True)


def test_no_record_builds_everything_and_a_recorded_build_with_nothing_new_builds_nothing(con, project):
    work = dbt_state.plan(con, project)
    # every seed, model and data test; dbt's unit tests are make test's, not a refresh's
    assert (work.kind, work.dbt_args(project)) == ("everything", ["--exclude-resource-type", "unit_test"])
    _built(con, project)
    work = dbt_state.plan(con, project)
    assert (work.kind, work.dbt_args(project)) == ("nothing", [])


def _replace_export(con):
    con.execute("update raw.load_registry set status = 'superseded'")
    con.execute("insert into raw.load_registry values ('raw.export_2024_a', 'bb', 2, 'current')")


def test_a_new_export_builds_what_reads_the_exports_by_the_projects_selector(con, project):
    _built(con, project)
    _replace_export(con)
    work = dbt_state.plan(con, project)
    assert work.kind == "exports"
    assert work.dbt_args(project) == ["--selector", "reads_the_exports"]


def test_the_selector_is_one_the_dbt_project_defines():
    selectors = yaml.safe_load((PROJECT_DIR / "selectors.yml").read_text(encoding="utf-8"))["selectors"]
    assert "reads_the_exports" in [selector["name"] for selector in selectors]


def test_a_new_export_with_another_key_builds_everything(con, project, monkeypatch):
    # never keys made with two keys in one warehouse: the key's change outranks the exports'
    _built(con, project)
    _replace_export(con)
    monkeypatch.setattr(dbt_state, "key_fingerprint", lambda: "another key")
    work = dbt_state.plan(con, project)
    assert (work.kind, work.reason) == ("everything", "changed since the last build: exports, pseudonym_key")


def test_a_new_export_with_an_edited_project_or_a_dropped_table_builds_everything(con, project):
    _built(con, project)
    _replace_export(con)
    (project / "seeds" / "s.csv").write_text("x\n2\n")
    work = dbt_state.plan(con, project)
    assert (work.kind, work.reason) == ("everything", "changed since the last build: exports, project")
    (project / "seeds" / "s.csv").write_text("x\n1\n")
    con.execute("drop table marts.a")
    work = dbt_state.plan(con, project)
    assert (work.kind, work.reason) == ("everything", "missing from the warehouse: marts.a")


def test_an_edited_seed_builds_the_modified_nodes_against_the_recorded_manifest(con, project, tmp_path_factory):
    _built(con, project)
    (project / "seeds" / "s.csv").write_text("x\n2\n")
    work = dbt_state.plan(con, project)
    assert work.kind == "modified"
    state = dbt_state.write_state(work, tmp_path_factory.mktemp("state"))
    assert work.dbt_args(state) == ["--select", "state:modified+", "--state", str(state),
                                    "--exclude-resource-type", "unit_test"]
    assert json.loads((state / "manifest.json").read_text()) == json.loads((project / "manifest.json").read_text())


def test_a_dropped_table_builds_everything(con, project):
    _built(con, project)
    con.execute("drop table marts.a")
    work = dbt_state.plan(con, project)
    assert (work.kind, work.reason) == ("everything", "missing from the warehouse: marts.a")


def test_the_build_id_changes_only_when_a_build_ran_a_model(con, project):
    _built(con, project)
    first = dbt_state.last_build(con)
    dbt_state.record(con, dbt_state.current_inputs(con, project), project / "manifest.json", models_ran=False)
    assert dbt_state.last_build(con) == first
    _built(con, project)
    assert dbt_state.last_build(con) not in (None, first)


def test_the_python_models_imports_are_followed_into_the_project():
    modules = {path.relative_to(PROJECT_DIR).as_posix() for path in dbt_state.python_modules()}
    # typed from the two Python models' import lines
    assert {"orchestration/weighting.py", "orchestration/estimates.py"} <= modules


def test_every_model_that_reads_a_raw_table_is_in_the_exports_selector():
    """The selector finds the models that read the exports through their raw source, or through
    meta reads_raw_exports where a macro picks the raw tables while compiling (dbt cannot list
    those as parents). Which macros touch `raw` is read from the macro files themselves."""
    manifest = json.loads((PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    touch_raw = re.compile(r"""source\(\s*['"]raw['"]|schema\s*=\s*['"]raw['"]""")
    readers = {uid for uid, macro in manifest["macros"].items()
               if uid.startswith("macro.inburgering.") and touch_raw.search(macro["macro_sql"])}
    assert {"macro.inburgering.raw_export_relation", "macro.inburgering.stage_export"} <= readers

    def reads_raw(macros: list[str], seen: set[str]) -> bool:
        for uid in macros:
            if uid in readers:
                return True
            if uid not in seen and uid in manifest["macros"]:
                seen.add(uid)
                if reads_raw(manifest["macros"][uid]["depends_on"]["macros"], seen):
                    return True
        return False

    unmarked = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not reads_raw(node["depends_on"]["macros"], set()):
            continue
        from_source = any(parent.startswith("source.inburgering.raw.") for parent in node["depends_on"]["nodes"])
        if not (from_source or (node["config"].get("meta") or {}).get("reads_raw_exports")):
            unmarked.append(node["name"])
    assert unmarked == []
