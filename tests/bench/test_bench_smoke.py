"""`make bench` at a tiny scale, once: every stage timed with its peak memory, and the plain-SQL
floor is really the same transformation as dbt (same row counts in the marts). Scale 0.05 is
about the smallest at which every analysis (scale reliability per group) still has data."""

import json

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    from orchestration.bench.runner import Options, run

    root = tmp_path_factory.mktemp("bench")
    # a work folder that does not exist yet: the bench makes it
    # one refresh with nothing new: the median of several runs is test_the_noop_figure_is_the_median_run's
    report = run(Options(scales=[0.05], query_runs=5, noop_runs=1, results_dir=root / "results",
                         workdir=root / "work"), say=lambda message: None)
    return root, report


def test_writes_stamped_and_latest_json(bench):
    root, report = bench
    files = sorted((root / "results").glob("*.json"))
    assert [path.name for path in files][-1] == "latest.json" and len(files) == 2
    assert json.loads((root / "results" / "latest.json").read_text()) == json.loads(files[0].read_text())
    assert [path.name for path in (root / "work").iterdir()] == [], "temp folder left"


def test_every_stage_has_a_time_and_a_peak_memory(bench):
    _, report = bench
    (scale,) = report["scales"]
    stages = scale["stages"]
    expected = {"generate", "land", "dbt_build", "analysis", "query", "plain_sql", "refresh_noop"}
    assert expected <= set(stages)
    for name in expected:
        assert stages[name]["seconds"] > 0, name
        assert stages[name]["peak_rss_mib"] > 10, name
    assert stages["query"]["details"]["median_seconds"] > 0 and stages["query"]["details"]["rows"] > 0
    summary = scale["summary"]
    assert summary["dbt_over_plain_sql"] > 0 and summary["refresh_from_landed_seconds"] > 0


def test_the_parse_stages_measure_dbt_without_and_with_its_saved_parse(bench):
    """The cold parse had no saved parse and parsed the project in full; the warm one, started in
    the same target folder, found it and re-parsed nothing."""
    _, report = bench
    stages = report["scales"][0]["stages"]
    cold, warm = stages["dbt_parse_cold"]["details"], stages["dbt_parse_warm"]["details"]
    assert (cold["partial_parse_cache_before"], cold["full_parse"]) == (False, True)
    assert warm == {"partial_parse_cache_before": True, "full_parse": False, "reparse_reason": None}


def test_a_refresh_with_nothing_new_rebuilds_and_recomputes_nothing(bench):
    _, report = bench
    (scale,) = report["scales"]
    noop = scale["stages"]["refresh_noop"]["details"]
    assert noop["dbt_nodes_rebuilt"] == [] and noop["analysis_tables_recomputed"] == []
    assert scale["summary"]["refresh_noop_work"] == 0
    # every goal of this scale is a line with its figure (goals of other scales: not measured)
    lines = {line["figure"]: line for line in report["goal_lines"]}
    assert lines["refresh_noop_work"]["value"] == 0 and lines["refresh_noop_work"]["met"] is True
    assert lines["refresh_noop_seconds"]["value"] == scale["stages"]["refresh_noop"]["seconds"]
    assert noop["runs_seconds"] == [scale["stages"]["refresh_noop_1"]["seconds"]]


def test_the_noop_figure_is_the_median_run_and_its_work_the_most_of_any_run():
    from orchestration.bench.runner import median_run, summarise

    def run(seconds, rebuilt=()):
        return {"seconds": seconds, "peak_rss_mib": 300.0,
                "details": {"dbt_nodes_rebuilt": list(rebuilt), "analysis_tables_recomputed": []}}

    chosen = median_run([run(5.5), run(4.1, rebuilt=["marts/x"]), run(4.6)])
    assert chosen["seconds"] == 4.6 and chosen["details"]["runs_seconds"] == [5.5, 4.1, 4.6]
    assert chosen["details"]["dbt_nodes_rebuilt"] == [] and chosen["details"]["most_work_in_a_run"] == 1
    assert median_run([run(5.0), run(4.0)])["seconds"] == 4.0  # two runs: the faster, a run that happened
    summary = summarise({"refresh_noop": chosen})
    assert summary["refresh_noop_seconds"] == 4.6 and summary["refresh_noop_slowest_seconds"] == 5.5
    assert summary["refresh_noop_work"] == 1  # a run that did work counts, whichever run is the median


def test_plain_sql_floor_builds_the_same_tables_as_dbt(bench):
    _, report = bench
    floor = report["scales"][0]["stages"]["plain_sql"]["details"]
    for table in ("marts.fct_respondent", "marts.mart_route_cohort"):
        assert floor["row_counts"][table] == floor["dbt_row_counts"][table] > 0, table
    assert floor["row_counts"] == floor["dbt_row_counts"]


def test_plain_sql_script_is_in_dependency_order():
    from orchestration.bench.plain_sql import dependency_order

    def model(name, *parents):
        return {"resource_type": "model", "config": {"enabled": True},
                "depends_on": {"nodes": [f"model.p.{p}" for p in parents] + ["seed.p.s"]}}

    manifest = {"nodes": {"model.p.a": model("a", "c"), "model.p.b": model("b"), "model.p.c": model("c", "b"),
                          "seed.p.s": {"resource_type": "seed", "config": {}}}}
    assert dependency_order(manifest) == ["model.p.b", "model.p.c", "model.p.a"]


def test_dbt_timings_tell_failed_tests_from_failed_models(tmp_path):
    from orchestration.bench.stage import dbt_timings

    results = [{"unique_id": "model.p.a", "status": "success", "execution_time": 2.0},
               {"unique_id": "seed.p.s", "status": "success", "execution_time": 0.5},
               {"unique_id": "test.p.t", "status": "fail", "execution_time": 0.25},
               {"unique_id": "test.p.u", "status": "pass", "execution_time": 0.25}]
    (tmp_path / "run_results.json").write_text(json.dumps({"elapsed_time": 3.0, "results": results}))
    timings = dbt_timings(tmp_path)
    assert timings["failed_models"] == [] and timings["failed_tests"] == ["test.p.t: fail"]
    assert timings["node_seconds_by_kind"] == {"model": 2.0, "seed": 0.5, "test": 0.5}
    assert timings["slowest_nodes"][0] == {"node": "model.p.a", "seconds": 2.0}
    assert timings["model_seconds"] == {"model.p.a": 2.0}


def test_summary_ratios():
    from orchestration.bench.runner import summarise

    def stage(seconds, **details):
        return {"seconds": seconds, "peak_rss_mib": 100.0, "details": details}

    stages = {"generate": stage(5), "land": stage(1), "analysis": stage(3, step_seconds={"a": 1.0, "b": 1.5}),
              "dbt_build": stage(8, node_seconds_by_kind={"model": 4.0}),
              "plain_sql": stage(2, same_row_counts=True), "query": stage(0.1, median_seconds=0.002),
              "publish": stage(0.5),
              "refresh_noop": stage(4, dbt_nodes_rebuilt=[], analysis_tables_recomputed=["analysis/x"])}
    summary = summarise(stages)
    assert summary["pipeline_seconds"] == 17 and summary["refresh_from_landed_seconds"] == 11.5
    assert summary["dbt_build_seconds"] == 8
    assert summary["dbt_over_plain_sql"] == 4 and summary["dbt_models_over_plain_sql"] == 2
    assert summary["refresh_over_plain_sql"] == 5.75
    assert summary["refresh_noop_seconds"] == 4 and summary["refresh_noop_work"] == 1
    assert summary["analysis_outside_steps_seconds"] == 0.5 and summary["query_median_seconds"] == 0.002


def _node(materialized: str, language: str = "sql") -> dict:
    return {"unique_id": "model.p.m", "schema": "intermediate", "alias": "m", "language": language,
            "config": {"materialized": materialized}}


def test_plain_sql_builds_tables_and_views_as_dbt_materialises_them():
    from orchestration.bench.plain_sql import statement_for

    relation, sql = statement_for(_node("table"), "select 1 as meting")
    assert relation == '"intermediate"."m"' and sql.startswith("-- model.p.m\ncreate or replace table")
    assert "create or replace view" in statement_for(_node("view"), "select 1")[1]


def test_goal_lines_put_each_figure_beside_its_goal():
    from orchestration.bench.runner import goal_lines

    report = {"goals": [{"figure": "a", "scale": 1, "at_most": 20.0, "label": "a"},
                        {"figure": "b", "scale": None, "at_most": 5.0, "label": "b"},
                        {"figure": "c", "scale": 10, "at_most": 2.0, "label": "c"}],
              "scales": [{"scale": 1, "summary": {"a": 25.0, "b": 4.0}},
                         {"scale": 10, "summary": {"b": 6.0}}]}
    lines = [(line["figure"], line["scale"], line["value"], line["met"]) for line in goal_lines(report)]
    assert lines == [("a", 1, 25.0, False), ("b", 1, 4.0, True), ("b", 10, 6.0, False), ("c", 10, None, None)]


def test_plain_sql_runs_a_python_model_through_its_model_function():
    """A dbt-duckdb Python model compiles to its module plus dbt's ref() harness; the floor runs
    model() against the same DuckDB connection and writes the returned frame."""
    import duckdb

    from orchestration.bench.plain_sql import PythonModel, statement_for

    code = """
def model(dbt, session):
    frame = dbt.ref("upstream").df()
    frame["doubled"] = frame["x"] * 2
    return frame


def ref(*args, dbt_load_df_function):
    return dbt_load_df_function({"upstream": "main.upstream"}[".".join(args)])


class dbtObj:
    def __init__(self, load_df_function) -> None:
        self.ref = lambda *args: ref(*args, dbt_load_df_function=load_df_function)
"""
    relation, step = statement_for(_node("table", language="python"), code)
    assert isinstance(step, PythonModel)
    with duckdb.connect() as con:
        con.execute("create schema intermediate; create table main.upstream as select range as x from range(4)")
        assert step.run(con) == 4
        assert con.execute(f"select sum(doubled) from {relation}").fetchone()[0] == 12
    assert "Python model" in step.as_comment()
