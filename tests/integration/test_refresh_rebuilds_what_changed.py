"""A refresh rebuilds what changed since the last build, and its tables equal a full build.

One real warehouse (DuckDB file, the real loader), the real dbt project (a copy, so a seed can be
edited) and real Dagster materialisations of the dbt assets and the analyses, four times:
the first refresh, a second with nothing new, one after a seed edit, one after a corrected export.
What ran is read from the materialisations (`rebuilt`, `recomputed`) and from the warehouse
itself; after every refresh each dbt table must equal a plain `dbt build` of a copy."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from dagster import DagsterInstance, materialize
from helpers.landing import copies, re_export

from orchestration.dbt_cli import ProjectDbtCli
from orchestration.dbt_runner import TABLES_ONLY, copy_dbt_project, copy_partial_parse, dbt_build
from orchestration.landing.loader import land_files
from orchestration.resources import WarehouseResource

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# answer_sets.csv feeds these three models and nothing else (typed from the lineage, not read)
ANSWER_SETS_DEPENDENTS = {"marts/dim_answer_option", "marts/mart_answer_shares", "marts/mart_meting_comparison"}
EDITED_LABEL = ("questionnaire_language,2,Engels,English,", "questionnaire_language,2,Engels,English (edited),")
# the models that read seeds and nothing else (typed from the lineage, not read)
BUILT_FROM_SEEDS_ONLY = {"marts/dim_question", "marts/dim_answer_option"}


def _refresh(project: Path, database: Path, landing: Path) -> dict[str, list[str]]:
    """The dbt assets and the analyses in one Dagster run; which dbt assets were rebuilt and which
    analysis tables recomputed, read from each materialisation's metadata."""
    from orchestration.assets.analysis import analysis_assets
    from orchestration.assets.dbt import warehouse_dbt_models

    # the project's own dbt resource, pointed at the copy
    dbt = ProjectDbtCli(project_dir=str(project), profiles_dir=str(project),
                        dbt_executable=str(Path(sys.executable).parent / "dbt"))
    result = materialize([warehouse_dbt_models, *analysis_assets], instance=DagsterInstance.ephemeral(),
                         resources={"dbt": dbt, "warehouse": WarehouseResource(duckdb_path=str(database),
                                                                               landing_dir=str(landing))})
    assert result.success
    ran: dict[str, list[str]] = {"rebuilt": [], "kept": [], "recomputed": [], "analysis_kept": []}
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        name = materialization.asset_key.to_user_string()
        metadata = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
        if name.startswith("analysis/"):
            ran["recomputed" if metadata.get("recomputed") is not False else "analysis_kept"].append(name)
        else:
            ran["rebuilt" if metadata["rebuilt"] else "kept"].append(name)
    return {k: sorted(v) for k, v in ran.items()}


def _dbt_tables(database: Path) -> dict[str, pd.DataFrame]:
    """Every table dbt builds (staging views aside), its rows sorted."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             "where table_schema in ('seeds', 'intermediate', 'marts') and table_type = 'BASE TABLE' "
                             "order by all").fetchall()
        return {f"{schema}.{table}": con.execute(f'select * from "{schema}"."{table}" order by all').df()
                for schema, table in tables}


def _same(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> list[str]:
    """The tables that differ. Doubles are compared to 1e-9 relative: DuckDB sums doubles in
    whatever order its threads finish, so two builds of the same data differ in the last bits
    of the raking weights and of every weighted sum (seen between two plain `dbt build`s)."""
    differing = sorted(set(left) ^ set(right))
    for name in sorted(set(left) & set(right)):
        a, b = left[name], right[name]
        if list(a.columns) != list(b.columns) or len(a) != len(b):
            differing.append(name)
            continue
        for column in a.columns:
            x, y = a[column], b[column]
            if x.equals(y):  # the usual case, and the quick one
                continue
            if pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y):
                equal = np.allclose(x.to_numpy(float), y.to_numpy(float), rtol=1e-9, atol=1e-12, equal_nan=True)
            else:
                equal = x.astype(str).equals(y.astype(str))
            if not equal:
                differing.append(f"{name}.{column}")
    return differing


def _full_build_of(database: Path, project: Path, root: Path) -> dict[str, pd.DataFrame]:
    """The same raw data built from scratch by plain `dbt build` of every seed and model: the
    reference (its tables; the refreshes ran dbt's tests of what they rebuilt). It is built at
    the refreshed warehouse's own path, that file set aside meanwhile: dbt keys its saved parse of
    the project on the connection, the path included, so the reference reads the refreshes'
    parse instead of parsing the project again."""
    root.mkdir(parents=True)
    refreshed = root / "refreshed.duckdb"
    database.rename(refreshed)
    try:
        shutil.copyfile(refreshed, database)
        copy_partial_parse(project / "target", root / "target")
        dbt_build(database, root / "target", project, *TABLES_ONLY)
        return _dbt_tables(database)
    finally:
        refreshed.replace(database)


def _dbt_log(project: Path) -> str:
    """The logs of every dbt run in the project so far (dagster-dbt writes each into its run's
    target folder)."""
    return "".join(path.read_text(encoding="utf-8", errors="replace") for path in (project / "target").rglob("dbt.log"))


def _last_run_results(project: Path) -> list[str]:
    """The nodes dbt ran in the project's newest invocation (dagster-dbt gives each its own target
    folder)."""
    newest = max((project / "target").rglob("run_results.json"), key=lambda path: path.stat().st_mtime)
    return [result["unique_id"] for result in json.loads(newest.read_text(encoding="utf-8"))["results"]]


def _last_build(database: Path) -> str | None:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select fingerprint from refresh.dbt_inputs where input = 'build'").fetchall()[0][0]


@pytest.fixture(scope="module")
def exports(small_exports, tmp_path_factory):
    root = tmp_path_factory.mktemp("refresh_exports")
    [asiel] = [path for path in small_exports if path.name == "perspectief_2024_wi2021_asiel.sav"]
    return small_exports, re_export(asiel, root / "corrected" / asiel.name)


def test_a_refresh_rebuilds_what_changed_and_equals_a_full_build(exports, tmp_path, monkeypatch):
    paths, corrected = exports
    project = copy_dbt_project(tmp_path / "project")
    database, landing = tmp_path / "w" / "inburgering.duckdb", tmp_path / "w" / "landing"
    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(database))
    monkeypatch.setenv("INBURGERING_OUTPUTS_DIR", str(tmp_path / "w" / "outputs"))
    # dagster-dbt's run folders and saved parse in the copy's target/, where this test reads them
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    land_files(database, copies(paths, landing), landing_dir=landing)

    first = _refresh(project, database, landing)
    assert first["kept"] == [] and "intermediate/int_answers" in first["rebuilt"]
    assert first["recomputed"] and first["analysis_kept"] == []
    built = _dbt_tables(database)
    build_id = _last_build(database)

    # (a) nothing new: no dbt node rebuilt, no analysis recomputed, every table as it was
    second = _refresh(project, database, landing)
    assert second["rebuilt"] == [] and second["recomputed"] == []
    assert second["kept"] == first["rebuilt"] and second["analysis_kept"] == first["recomputed"]
    assert _last_build(database) == build_id
    assert _same(_dbt_tables(database), built) == []

    # (b) one seed edited: the seed and its dependents are rebuilt, an unrelated model is not
    answer_sets = project / "seeds" / "codebook" / "answer_sets.csv"
    text = answer_sets.read_text(encoding="utf-8")
    assert text.count(EDITED_LABEL[0]) == 1
    answer_sets.write_text(text.replace(*EDITED_LABEL), encoding="utf-8")
    with monkeypatch.context() as debug:
        debug.setenv("DBT_LOG_LEVEL_FILE", "debug")  # dbt.log then says what dbt parsed again
        third = _refresh(project, database, landing)
    assert set(third["rebuilt"]) == {"seeds/answer_sets"} | ANSWER_SETS_DEPENDENTS
    # the first refresh kept its parse of the project; this one re-parsed only the edited seed
    assert (project / "target" / "partial_parse.msgpack").is_file()
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 1 files changed." in _dbt_log(project)
    assert "intermediate/int_answers" in third["kept"] and "marts/fct_answer" in third["kept"]
    edited = _dbt_tables(database)
    changed = _same(edited, built)
    assert {"seeds.answer_sets.label_en", "marts.dim_answer_option.label_en"} <= set(changed)
    assert not [name for name in changed if name.startswith(("intermediate.", "marts.fct_"))], changed
    assert _same(edited, _full_build_of(database, project, tmp_path / "full-1")) == []

    # (c) a corrected export replaces a current one: what reads the exports is rebuilt from it;
    # the seeds, the models built from seeds only and dbt's unit tests are not run again
    (outcome,) = land_files(database, [corrected], replace=True, landing_dir=landing)
    assert outcome.status == "replaced"
    fourth = _refresh(project, database, landing)
    seeds = {f"seeds/{path.stem}" for path in (project / "seeds").rglob("*.csv")}
    assert len(seeds) == 19
    assert set(fourth["kept"]) == seeds | BUILT_FROM_SEEDS_ONLY
    assert set(fourth["rebuilt"]) == set(first["rebuilt"]) - seeds - BUILT_FROM_SEEDS_ONLY
    ran = _last_run_results(project)
    assert [uid for uid in ran if uid.startswith(("seed.", "unit_test."))] == []
    # the tests of what was rebuilt ran, those of the seeds did not
    assert any(uid.startswith("test.inburgering.present_and_unique_int_respondents_respondent_key.") for uid in ran)
    assert not [uid for uid in ran if uid.startswith("test.") and "population_margins" in uid]
    assert fourth["recomputed"]
    replaced = _dbt_tables(database)
    assert "intermediate.int_answers" in " ".join(_same(replaced, edited))
    assert _same(replaced, _full_build_of(database, project, tmp_path / "full-2")) == []
