"""The report's tables rebuilt from the marts, in SQL, and compared with the printed ones."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from orchestration.codebook import Codebook
from orchestration.reference import parse_value, tables, tolerance
from orchestration.synthetic.labels import category_codes

TABLES = {"T2.1": "living_situation", "T2.2": "benefit", "T2.3": "education_level", "T2.6": "health_self_rated"}


@pytest.mark.parametrize("key", sorted(TABLES))
def test_table_rebuilt_from_mart_route_cohort(built_warehouse, key):
    question_id = TABLES[key]
    codebook = Codebook.load()
    answers = codebook.answers(codebook.questions.loc[question_id, "answer_set_id"])
    table = tables()[key]
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        mart = con.execute(
            "select breakdown_value, harmonised_code, respondents from marts.mart_route_cohort "
            "where meting = 2024 and breakdown = 'group' and question_id = ?", [question_id]).df()
    rows = {label: category_codes(label, answers) for label, _ in table.rows}
    counted = set().union(*rows.values())  # the answers the printed table counts
    outside = []
    for index, column in enumerate(table.columns):
        group = mart[(mart["breakdown_value"] == column.label) & mart["harmonised_code"].isin(counted)]
        total = group["respondents"].sum()
        for label, values in table.rows:
            printed = parse_value(values[index])
            rebuilt = 100 * group.loc[group["harmonised_code"].isin(rows[label]), "respondents"].sum() / total
            if abs(rebuilt - printed) > tolerance(printed, column.n):
                outside.append((column.label, label, printed, round(rebuilt, 1)))
    assert not outside, outside


def test_marts_hold_every_respondent_once(built_warehouse, harmonised):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        counts = dict(con.execute("select meting, count(*) from marts.fct_respondent group by meting").fetchall())
        duplicates = con.execute(
            "select count(*) - count(distinct respondent_key) from marts.fct_respondent").fetchone()[0]
    assert counts == {meting: len(frame) for meting, frame in harmonised.items()}
    assert duplicates == 0


def test_dbt_harmonisation_equals_the_crosswalk_read_in_python(built_warehouse, harmonised):
    """int_answers (the dbt macro) and calibration.harmonise (Python) read the same seeds
    independently; every respondent's harmonised code must agree."""
    questions = ["gender", "leerroute", "goal_prepared_for_job", "difficulty_reason__health",
                 "health_self_rated", "work_language_combination", "course_quality_pace"]
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        dbt = con.execute(
            "select meting, respondent_token, question_id, harmonised_code from intermediate.int_answers "
            f"where question_id in ({', '.join('?' * len(questions))})", questions).df()
    for meting, frame in harmonised.items():
        present = [q for q in questions if q in frame]
        python = frame.melt(id_vars=["respondent_token"], value_vars=present, var_name="question_id",
                            value_name="expected").dropna(subset=["expected"])
        merged = python.merge(dbt[dbt["meting"] == meting], on=["respondent_token", "question_id"], how="left")
        assert len(merged) == len(python)
        assert (pd.to_numeric(merged["expected"]) == merged["harmonised_code"]).all(), meting


def test_not_asked_skipped_and_dont_know_stay_apart(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        statuses = dict(con.execute(
            "select answer_status, count(*) from marts.fct_answer where meting = 2024 "
            "and question_id = 'goal_prepared_for_job' group by 1").fetchall())
        asked_not_started = con.execute(
            "select count(*) from marts.fct_answer a join marts.fct_respondent r using (respondent_key) "
            "where a.question_id = 'goal_prepared_for_job' and a.meting = 2024 "
            "and a.answer_status <> 'not_asked' and not coalesce(r.started_course, false)").fetchone()[0]
    assert {"valid", "skipped", "not_asked", "dont_know"} <= set(statuses)
    assert asked_not_started == 0
