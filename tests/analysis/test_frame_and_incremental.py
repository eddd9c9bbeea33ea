"""The analysis frame (SQL over the marts) and the per-meting bookkeeping, on small DuckDB files."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from orchestration.analysis import incremental
from orchestration.analysis.frame import COVARIATES, asked, model_frame, term_columns
from orchestration.analysis.specs import scale_items


def test_every_term_column_is_built():
    assert term_columns() <= set(COVARIATES)


@pytest.fixture
def marts(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts")
    con.execute("""
        create table marts.fct_respondent as select * from (values
            ('r1', 2024, 'Wi2021-asiel', 'Wi2021-asiel', 'Wi2021', 30, 2, 5, 2, 1, 1, 1, 4, 3),
            ('r2', 2024, 'Wi2021-asiel', 'Wi2021-asiel', 'Wi2021', 40, 1, 10, 5, 3, 3, 2, 2, 2),
            ('r3', 2023, 'Wi2013-asiel', 'Wi2013-gezin', 'Wi2013', 50, 3, 1, 1, null, null, null, null, 1))
        as t(respondent_key, meting, group_label, questionnaire, wet, age, gender_code, education_level_code,
             dutch_level_self_rated_code, health_self_rated_code, leerroute_code, cohort, brede_intake,
             work_experience_code)
    """)
    con.execute("""
        create table marts.fct_answer as select * from (values
            ('r1', 2024, 'Wi2021-asiel', 'goal_prepared_for_job', 4, 'valid'),
            ('r1', 2024, 'Wi2021-asiel', 'goal_work_own_level', 6, 'dont_know'),
            ('r2', 2024, 'Wi2021-asiel', 'goal_prepared_for_job', -1, 'skipped'),
            ('r2', 2024, 'Wi2021-asiel', 'course_quality_pace', 2, 'valid'),
            ('r3', 2023, 'Wi2013-asiel', 'health_self_rated', null, 'not_asked'),
            ('r3', 2023, 'Wi2013-asiel', 'gender', 3, 'valid'))
        as t(respondent_key, meting, group_label, question_id, harmonised_code, answer_status)
    """)
    yield con
    con.close()


def test_model_frame_reads_published_codes_and_pivots_valid_items(marts):
    frame = model_frame(marts).set_index("respondent_key")
    assert set(scale_items()) <= set(frame.columns) and term_columns() <= set(frame.columns)
    assert frame.loc["r1", "leerroute"] == 1 and frame.loc["r2", "leerroute"] == 3
    assert frame.loc["r1", "work_status"] == 3 and frame.loc["r2", "work_status"] == 2
    assert frame.loc["r3", "work_status"] == 1
    assert frame.loc["r1", "gender"] == 2 and frame.loc["r1", "brede_intake_listened"] == 4
    assert frame.loc["r1", "goal_prepared_for_job"] == 4
    assert pd.isna(frame.loc["r1", "goal_work_own_level"])   # dont_know is not a score
    assert pd.isna(frame.loc["r2", "goal_prepared_for_job"])  # skipped neither
    assert frame.loc["r2", "course_quality_pace"] == 2
    assert model_frame(marts, [2023])["respondent_key"].tolist() == ["r3"]


def test_asked_ignores_questions_outside_the_universe(marts):
    assert asked(marts, ["health_self_rated", "gender"]) == {(2023, "gender")}


def test_a_new_meting_adds_work_and_keeps_the_rest(tmp_path):
    con = duckdb.connect(str(tmp_path / "a.duckdb"))
    frames = {m: pd.DataFrame({"meting": [m, m], "value": [1.0, 2.0]}) for m in (2023, 2024, 2025)}

    def run(metingen, changed=()):
        prints = {m: incremental.fingerprint(frames[m], "changed" if m in changed else "") for m in metingen}
        work = incremental.plan(con, "demo", prints, ["demo_table"])
        new = pd.concat([frames[m].assign(run=len(work.compute)) for m in work.compute]) if work.compute else \
            pd.DataFrame({"meting": pd.Series(dtype="int64"), "value": pd.Series(dtype="float64"),
                          "run": pd.Series(dtype="int64")})
        incremental.write(con, work, {"demo_table": new})
        return work

    first = run([2023, 2024])
    assert first.compute == [2023, 2024] and first.reuse == []
    again = run([2023, 2024])
    assert again.compute == [] and again.reuse == [2023, 2024]
    added = run([2023, 2024, 2025])
    assert added.compute == [2025] and added.reuse == [2023, 2024]
    rows = con.execute("select meting, run from analysis.demo_table order by meting").fetchall()
    assert rows == [(2023, 2), (2023, 2), (2024, 2), (2024, 2), (2025, 1), (2025, 1)]
    changed = run([2023, 2024, 2025], changed=[2024])
    assert changed.compute == [2024]
    dropped = run([2024, 2025], changed=[2024])
    assert dropped.drop == [2023] and dropped.compute == []
    assert con.execute("select distinct meting from analysis.demo_table order by 1").fetchall() == [(2024,), (2025,)]
    con.close()


def test_a_failed_write_changes_nothing(tmp_path):
    con = duckdb.connect(str(tmp_path / "b.duckdb"))
    work = incremental.plan(con, "demo", {2024: "x"}, ["t1", "t2"])
    incremental.write(con, work, {"t1": pd.DataFrame({"meting": [2024]}), "t2": pd.DataFrame({"meting": [2024]})})
    work = incremental.plan(con, "demo", {2024: "y"}, ["t1", "t2"])
    with pytest.raises(Exception):
        incremental.write(con, work, {"t1": pd.DataFrame({"meting": [2024, 2024]}), "t2": object()})
    assert con.execute("select count(*) from analysis.t1").fetchall() == [(1,)]
    assert con.execute("select input_fingerprint from analysis.meting_inputs").fetchall() == [("x",)]
    con.close()
