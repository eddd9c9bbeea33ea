"""What an analyst meets first: the docs site (`inburgering docs`, served over HTTP) opening on
the overview with the analysis tables documented and the warehouse's catalog, without the
pseudonym key; table and column comments in the snapshot, and every SQL example of the README
running as written against the snapshot."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from orchestration.config import PROJECT_DIR
from orchestration.publish import docs

# not slow: the costly chain is the session's whole build, which the suite starts first
pytestmark = pytest.mark.integration

ANALYSIS_SOURCE = PROJECT_DIR / "models" / "analysis" / "_analysis__sources.yml"
# the tables orchestration/assets/analysis.py writes, typed from its module docstring
ANALYSIS_TABLES = {"regression_coefficients", "regression_models", "scale_reliability", "scale_items",
                   "scale_item_correlations", "comparison_frequencies", "comparison_chi_square",
                   "report_reproduction", "report_reproduction_cells", "meting_inputs"}
KEY = "test-only-pseudonym-key-must-not-be-served-5f1c"
MART_TABLES = {"fct_respondent", "fct_answer", "fct_open_answer", "dim_question", "dim_answer_option",
               "dim_respondent", "mart_route_cohort", "mart_answer_shares", "mart_meting_comparison",
               "mart_response_vs_population", "mart_weighting_summary"}


@pytest.fixture(scope="module")
def analysed(full_build, tmp_path_factory) -> dict[str, Path]:
    """A copy of the session's whole build (every analysis asset materialised, its snapshot
    published) and its docs site (`inburgering docs --no-serve`, with a pseudonym key set)."""
    from orchestration.cli import app

    assert full_build["returncode"] == 0, full_build["output"][-5000:]
    root = tmp_path_factory.mktemp("analyst")
    warehouse = root / "warehouse" / "inburgering.duckdb"
    warehouse.parent.mkdir()
    shutil.copy2(full_build["duckdb"], warehouse)
    snapshot = root / "published" / "inburgering.duckdb"
    snapshot.parent.mkdir()
    shutil.copy2(full_build["snapshot"], snapshot)
    site = root / "site"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("INBURGERING_DUCKDB_PATH", str(warehouse))
        patch.setenv("INBURGERING_LANDING_DIR", str(root / "warehouse" / "landing"))
        patch.setenv("INBURGERING_OUTPUTS_DIR", str(root / "warehouse" / "outputs"))
        patch.setenv("INBURGERING_PSEUDONYM_KEY", KEY)
        documented = CliRunner().invoke(app, ["docs", "--no-serve", "--target", str(site)])
    assert documented.exit_code == 0, documented.output
    return {"warehouse": warehouse, "snapshot": snapshot, "site": site}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(analysed):
    """`dbt docs serve` on the generated site; yields a function fetching a path from it."""
    port = _free_port()
    server = subprocess.Popen(docs.serve_command(analysed["site"], port),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def fetch(path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=10) as response:
            assert response.status == 200
            return response.read()

    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "dbt docs serve exited"
            try:
                fetch("")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the docs server did not answer within 60 s"
                time.sleep(0.3)
        yield fetch
    finally:
        server.kill()
        server.wait(timeout=30)


def test_the_site_holds_the_warehouse_catalog(analysed):
    site = analysed["site"]
    for name in ("index.html", "manifest.json", "catalog.json"):
        assert (site / name).is_file(), name
    catalog = json.loads((site / "catalog.json").read_text())
    fct = catalog["nodes"]["model.inburgering.fct_respondent"]
    assert fct["metadata"]["schema"] == "marts" and "respondent_key" in fct["columns"]
    manifest = json.loads((site / "manifest.json").read_text())
    assert manifest["nodes"]["model.inburgering.fct_respondent"]["description"]


def test_the_site_does_not_hold_the_pseudonym_key(analysed):
    leaking = [path.name for path in analysed["site"].rglob("*") if path.is_file() and KEY.encode() in path.read_bytes()]
    assert not leaking, f"the docs folder is served as a whole; these files hold the key: {leaking}"


def test_generate_without_a_warehouse_names_the_file(tmp_path):
    with pytest.raises(docs.DocsFailed, match=rf"{re.escape(str(tmp_path / 'missing.duckdb'))}: no warehouse file"):
        docs.generate(tmp_path / "missing.duckdb", tmp_path / "site")


def test_the_served_site_opens_on_the_overview(served):
    index = served("index.html").decode()
    assert "<title>dbt Docs</title>" in index
    assert "model.inburgering.fct_respondent" in json.loads(served("catalog.json"))["nodes"]
    manifest = json.loads(served("manifest.json"))
    overview = manifest["docs"]["doc.inburgering.__overview__"]["block_contents"]
    for phrase in ("Query the snapshot, not the warehouse", "What answers which question", "8-point rule",
                   "Weights", "analysis.regression_coefficients", "Sources > analysis"):
        assert phrase in overview, phrase


def test_the_served_site_documents_every_analysis_table_column_by_column(served):
    manifest = json.loads(served("manifest.json"))
    catalog = json.loads(served("catalog.json"))
    sources = {node["name"]: node for node in manifest["sources"].values() if node["source_name"] == "analysis"}
    assert set(sources) == ANALYSIS_TABLES
    for name, node in sources.items():
        in_warehouse = catalog["sources"][f"source.inburgering.analysis.{name}"]
        assert in_warehouse["metadata"]["schema"] == "analysis"
        # the documented columns are exactly the table's columns, each with a description
        assert set(node["columns"]) == set(in_warehouse["columns"]), name
        assert node["description"] and all(column["description"] for column in node["columns"].values()), name
    coefficients = sources["regression_coefficients"]
    assert "16 OLS models" in coefficients["description"]
    assert coefficients["columns"]["stars"]["description"].startswith("The report's legend")


def test_exposures_and_owners_are_in_the_site(served):
    manifest = json.loads(served("manifest.json"))
    exposures = {node["name"]: node for node in manifest["exposures"].values()}
    assert set(exposures) == {"analysis_assets", "publication_report", "analysts_snapshot"}
    assert all(node["owner"]["name"] for node in exposures.values())
    snapshot_inputs = set(exposures["analysts_snapshot"]["depends_on"]["nodes"])
    assert {f"model.inburgering.{name}" for name in MART_TABLES} <= snapshot_inputs
    assert "source.inburgering.analysis.regression_coefficients" in snapshot_inputs
    groups = {node["name"]: node["owner"]["name"] for node in manifest["groups"].values()}
    assert set(groups) == {"codebook", "harmonisation", "marts"} and all(groups.values())
    marts = [node for node in manifest["nodes"].values()
             if node["resource_type"] == "model" and node["schema"] == "marts"]
    assert {node["name"] for node in marts} == MART_TABLES
    assert {node["group"] for node in marts} == {"marts"}


def test_every_snapshot_table_and_column_has_a_comment(analysed):
    with duckdb.connect(str(analysed["snapshot"]), read_only=True) as con:
        tables = dict(((schema, name), comment) for schema, name, comment in con.execute(
            "select schema_name, table_name, comment from duckdb_tables() where database_name = current_database()"
        ).fetchall())
        bare = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where database_name = current_database() and schema_name in ('marts', 'analysis') "
            "and coalesce(comment, '') = ''").fetchall()
        technical = con.execute(
            "select comment from duckdb_columns() where schema_name = 'marts' and table_name = 'dim_question' "
            "and column_name = 'is_technical'").fetchone()[0]
        alpha = con.execute(
            "select comment from duckdb_columns() where schema_name = 'analysis' and table_name = 'scale_reliability' "
            "and column_name = 'alpha'").fetchone()[0]
    # the open answers stay out of the snapshot unless INBURGERING_SNAPSHOT_OPEN_ANSWERS=1 (free text);
    # dim_respondent (one row per person across metingen) stays out too
    assert {name for schema, name in tables if schema == "marts"} == MART_TABLES - {"fct_open_answer", "dim_respondent"}
    assert {name for schema, name in tables if schema == "analysis"} == ANALYSIS_TABLES
    uncommented = [f"{schema}.{name}" for (schema, name), comment in tables.items() if not comment]
    assert not uncommented, f"tables without a comment: {uncommented}"
    assert not bare, f"columns without a comment: {[row[0] for row in bare]}"
    assert technical.startswith("True for the export's technical fields")
    assert alpha == "Cronbach's alpha."


def test_analysis_comments_are_the_source_descriptions(analysed):
    source = yaml.safe_load(ANALYSIS_SOURCE.read_text())["sources"][0]
    documented = {(table["name"], column["name"]): " ".join(column["description"].split())
                  for table in source["tables"] for column in table["columns"]}
    with duckdb.connect(str(analysed["snapshot"]), read_only=True) as con:
        stored = {(table, column): comment for table, column, comment in con.execute(
            "select table_name, column_name, comment from duckdb_columns() where schema_name = 'analysis'").fetchall()}
    assert stored == documented


def _readme_sql() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", (PROJECT_DIR / "README.md").read_text(encoding="utf-8"), re.DOTALL)


def test_every_readme_sql_example_runs_on_the_snapshot(analysed):
    blocks = _readme_sql()
    assert len(blocks) >= 8, "the README's worked examples are ```sql blocks"
    results = {}
    with duckdb.connect(str(analysed["snapshot"]), read_only=True) as con:
        for block in blocks:
            try:
                frame = con.execute(block).df()
            except duckdb.Error as exc:
                pytest.fail(f"README example fails: {exc}\n{block}")
            assert len(frame), f"README example returns no rows:\n{block}"
            results[block] = frame
        valid_answers = con.execute(
            "select count(*) from marts.fct_answer where meting = 2024 and group_label = 'Wi2021-asiel' "
            "and question_id = 'goal_prepared_for_job' and answer_status = 'valid'").fetchone()[0]

    by_leerroute = next(frame for block, frame in results.items() if "'onbekend'" in block)
    assert set(by_leerroute["leerroute"]) == {"B1", "O", "Z", "onbekend"}
    assert by_leerroute["respondents"].sum() == valid_answers
    coefficients = next(frame for block, frame in results.items() if "b_2023" in block)
    health = coefficients.set_index("term").loc["Gezondheid"]
    assert health["b_2024"] is not None and health["b_2023"] != health["b_2023"]  # NaN: not asked in 2023
    assert "not asked in 2023" in health["note_2023"]
    weighted = next(frame for block, frame in results.items() if "se_points" in block)
    assert (weighted["ci95_lower"] < weighted["difference"]).all()
    assert (weighted["difference"] < weighted["ci95_upper"]).all()
