"""A third wave is rows in the seeds, not new SQL: a small synthetic meting 2025 of one
questionnaire is described in a copy of the codebook only, generated, landed and built by the
same dbt project, and shows up in every mart."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.dbt_runner import copy_dbt_project, dbt_build

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NEW, BASE, QUESTIONNAIRE = 2025, 2024, "Wi2021-asiel"


def _add_meting_to_seeds(codebook: Path) -> None:
    """2025 copies 2024's Wi2021-asiel layout, with one variable renamed as waves do."""
    for name in ("source_variables", "crosswalk", "question_availability"):
        path = codebook / f"{name}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        base = frame[(frame["meting"] == str(BASE)) & (frame["questionnaire"] == QUESTIONNAIRE)].copy()
        base["meting"] = str(NEW)
        if "source_variable" in base:
            base["source_variable"] = base["source_variable"].replace({"Q8": "Q8_gezondheid"})
        pd.concat([frame, base]).to_csv(path, index=False, lineterminator="\n")


def test_a_meting_added_to_the_seeds_reaches_every_mart(tmp_path, monkeypatch):
    project = copy_dbt_project(tmp_path / "project")
    codebook = project / "seeds" / "codebook"
    _add_meting_to_seeds(codebook)
    monkeypatch.setenv("INBURGERING_CODEBOOK_DIR", str(codebook))
    database = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(database))

    from orchestration.landing.loader import land_files
    from orchestration.synthetic.generator import generate

    paths = generate(tmp_path / "landing", seed=11, scale=0.2, metingen=(BASE, NEW))
    assert any(f"_{NEW}_" in p.name for p in paths)
    land_files(database, paths, landing_dir=tmp_path / "landing", codebook_dir=codebook)

    dbt_build(database, tmp_path / "target", project)

    with duckdb.connect(str(database), read_only=True) as con:
        def count(sql: str) -> int:
            return con.execute(sql, [NEW]).fetchone()[0]

        assert count("select count(*) from raw.export_2025_wi2021_asiel where ? = 2025") > 0
        assert count("select count(*) from intermediate.int_answers where meting = ?") > 0
        assert count("select count(*) from marts.fct_respondent where meting = ?") > 0
        assert count("select count(*) from marts.fct_answer where meting = ?") > 0
        assert count("select count(*) from marts.mart_route_cohort where meting = ?") > 0
        assert count("select count(*) from marts.mart_meting_comparison where meting = ?") > 0
        assert count("select count(*) from marts.mart_response_vs_population where meting = ?") > 0
        assert count("select count(*) from marts.dim_question where metingen like '%' || ? || '%'") > 0
        assert count("select count(*) from marts.dim_respondent where last_meting = ?") > 0
        # the renamed variable was harmonised through the crosswalk like any other
        health = con.execute(
            "select count(*) from marts.fct_respondent where meting = ? and health_self_rated_code between 1 and 5",
            [NEW]).fetchone()[0]
    assert health > 0
