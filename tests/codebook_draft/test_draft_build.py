"""A drafted, reviewed and applied wave is built by the real dbt project like any other: wave A
(waves.py) lands as meting 2025 next to 2023 and 2024 in a copy of the project, and reaches the
marts. Wave A holds 2024's Wi2021-asiel respondents, so every question asked in both waves must
give 2025 exactly 2024's harmonised answers, reversed scales included."""

from __future__ import annotations

import duckdb
import pytest

from codebook_draft.waves import NEW, NEW_QUESTIONS_A, QUESTIONNAIRE, build_wave_a, review
from orchestration.codebook_draft.apply import apply_review
from orchestration.dbt_runner import copy_dbt_project, dbt_build

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ANSWERS = """
    select question_id, harmonised_code, answer_status, count(*) as answers
    from intermediate.int_answers
    where meting = ? and questionnaire = ? and question_id in (
        select question_id from intermediate.int_answers where meting = 2024 and questionnaire = ?
        intersect
        select question_id from intermediate.int_answers where meting = 2025)
    group by all order by all
"""


def test_an_applied_draft_reaches_every_mart(tmp_path, monkeypatch):
    project = copy_dbt_project(tmp_path / "project")
    codebook = project / "seeds" / "codebook"
    monkeypatch.setenv("INBURGERING_CODEBOOK_DIR", str(codebook))
    database = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(database))

    from orchestration.landing.loader import land_files
    from orchestration.synthetic.generator import generate

    paths = generate(tmp_path / "exports", seed=2024, scale=0.2)
    wave = build_wave_a(tmp_path / "exports", tmp_path / "wave")
    folder = tmp_path / "review"
    review(wave, codebook, folder)
    apply_review(folder, codebook)

    outcomes = land_files(database, [*paths, wave.path], landing_dir=tmp_path / "landing", codebook_dir=codebook)
    assert [o.status for o in outcomes] == ["loaded"] * 9
    dbt_build(database, tmp_path / "target", project)

    with duckdb.connect(str(database), read_only=True) as con:
        def count(sql: str) -> int:
            return con.execute(sql, [NEW]).fetchall()[0][0]

        assert count("select count(*) from marts.fct_respondent where meting = ?") == \
            count("select count(*) from raw.export_2025_wi2021_asiel where ? = 2025")
        for table in ("fct_answer", "mart_route_cohort", "mart_meting_comparison", "mart_response_vs_population"):
            assert count(f"select count(*) from marts.{table} where meting = ?") > 0, table
        assert count("select count(*) from marts.mart_meting_comparison where meting = ? "
                     "and previous_meting = 2024") > 0
        # the new questions are there, answered
        assert count("select count(distinct question_id) from marts.fct_answer where meting = ? and question_id in "
                     "('dutch_app_practice', 'home_computer', 'childcare_satisfaction')") == 3
        assert count("select count(*) from marts.dim_question where question_id = 'remarks_text' "
                     "and metingen like '%' || ? || '%'") == 1
        # the new open question reaches the open answers as its questions.csv row says, with no
        # other edit: W25_N4 holds "Het gaat goed." or nothing
        assert con.execute("select answer_text, count(*) from marts.fct_open_answer where meting = ? "
                           "and question_id = 'remarks_text' group by all", [NEW]).fetchall() == [
            ("Het gaat goed.", count("select count(*) from raw.export_2025_wi2021_asiel where ? = 2025 "
                                     "and W25_N4 = 'Het gaat goed.'"))]
        # same respondents, same harmonised answers: the renamed, reversed and re-worded variables agree
        answers_2024 = con.execute(ANSWERS, [2024, QUESTIONNAIRE, QUESTIONNAIRE]).fetchall()
        answers_2025 = con.execute(ANSWERS, [NEW, QUESTIONNAIRE, QUESTIONNAIRE]).fetchall()
        asked = {meting: {row[0] for row in con.execute(
            "select distinct question_id from intermediate.int_answers where meting = ? and questionnaire = ?",
            [meting, QUESTIONNAIRE]).fetchall()} for meting in (2024, NEW)}
    new_questions = {row["question_id"] for row in NEW_QUESTIONS_A.values()}
    assert asked[NEW] - new_questions == asked[2024] - wave.dropped
    assert {wave.truth[name] for name in wave.reversed} <= asked[NEW]
    assert answers_2025 == answers_2024 and {row[0] for row in answers_2025} == asked[2024] - wave.dropped
