"""`make bench` at a tiny scale, once: every stage timed with its peak memory, and the plain-SQL
floor is really the same transformation as dbt (same row counts in the marts). Scale 0.05 is
about the smallest at which every analysis (scale reliability per group) still has data."""

import json

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    from orchestration.bench.runner import Options, run

    root = tmp_path_factory.mktemp("bench")
    report = run(Options(scales=[0.05], query_runs=5, wave=False, results_dir=root / "results", workdir=root),
                 say=lambda message: None)
    return root, report


def test_writes_stamped_and_latest_json(bench):
    root, report = bench
    files = sorted((root / "results").glob("*.json"))
    assert [path.name for path in files][-1] == "latest.json" and len(files) == 2
    assert json.loads((root / "results" / "latest.json").read_text()) == json.loads(files[0].read_text())
    assert not [path for path in root.iterdir() if path.name.startswith("inburgering-bench-")], "temp folder left"


def test_every_stage_has_a_time_and_a_peak_memory(bench):
    _, report = bench
    (scale,) = report["scales"]
    stages = scale["stages"]
    # the adding-a-wave measurement (two more dbt builds) is left out to keep this under ~90 s
    expected = {"generate", "land", "dbt_build", "analysis", "query", "plain_sql"}
    assert expected <= set(stages)
    for name in expected:
        assert stages[name]["seconds"] > 0, name
        assert stages[name]["peak_rss_mib"] > 10, name
    assert stages["query"]["details"]["median_seconds"] > 0 and stages["query"]["details"]["rows"] > 0
    summary = scale["summary"]
    assert summary["dbt_over_plain_sql"] > 0 and summary["refresh_from_landed_seconds"] > 0


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


def test_summary_ratios():
    from orchestration.bench.runner import summarise

    def stage(seconds, **details):
        return {"seconds": seconds, "peak_rss_mib": 100.0, "details": details}

    stages = {"generate": stage(5), "land": stage(1), "analysis": stage(3, step_seconds={"a": 1.0, "b": 1.5}),
              "dbt_build": stage(8, node_seconds_by_kind={"model": 4.0}),
              "plain_sql": stage(2, same_row_counts=True), "query": stage(0.1, median_seconds=0.002),
              "wave_build_added": stage(6)}
    summary = summarise(stages)
    assert summary["pipeline_seconds"] == 17 and summary["refresh_from_landed_seconds"] == 11
    assert summary["dbt_over_plain_sql"] == 4 and summary["dbt_models_over_plain_sql"] == 2
    assert summary["wave_add_over_full_build"] == 0.75
    assert summary["analysis_outside_steps_seconds"] == 0.5 and summary["query_median_seconds"] == 0.002
