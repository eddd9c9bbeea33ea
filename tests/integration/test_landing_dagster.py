"""Landing in Dagster: the sensor on the landing folder, the landing asset, jobs and schedule."""

from __future__ import annotations

import json
import os
import time

import pytest
from dagster import AssetCheckSeverity, AssetKey, RunRequest, SkipReason, build_sensor_context, materialize
from helpers.landing import mini_frame, write_sav

from orchestration.assets.landing import LOAD_LOG_KEY, LandingConfig, land_raw_exports, landing_sensor
from orchestration.landing.export import sha256_of

pytestmark = pytest.mark.integration

RAW_KEY = AssetKey(["raw", "export_2024_wi2021_asiel"])


def _settled(path):
    past = time.time() - 120
    os.utime(path, (past, past))
    return path


def _sensor(dagster_env, cursor=None):
    context = build_sensor_context(resources={"warehouse": dagster_env["warehouse"]}, cursor=cursor)
    return context, landing_sensor(context)


def _materialize(dagster_env, config=None):
    return materialize([land_raw_exports], resources={"warehouse": dagster_env["warehouse"]}, raise_on_error=False,
                       instance=dagster_env["instance"], run_config={"ops": {"land_raw_exports": {"config": config or {}}}})


def _raw_events(result):
    return [event for event in result.get_asset_materialization_events() if event.asset_key == RAW_KEY]


def test_the_sensor_requests_one_run_per_new_sha256(dagster_env):
    path = _settled(write_sav(dagster_env["landing"] / "export.sav", mini_frame(5)))
    context, result = _sensor(dagster_env)
    [request] = result
    assert isinstance(request, RunRequest)
    assert request.run_key == sha256_of(path)
    assert request.run_config["ops"]["land_raw_exports"]["config"]["files"] == [str(path)]
    assert json.loads(context.cursor)["export.sav"][2] == request.run_key  # hash cached for the next tick

    # the run the sensor asks for, as the land_exports job would run it
    run = materialize([land_raw_exports], resources={"warehouse": dagster_env["warehouse"]}, run_config=request.run_config)
    assert run.success and [e.asset_key for e in run.get_asset_materialization_events()] == [RAW_KEY, LOAD_LOG_KEY]
    _, result = _sensor(dagster_env, cursor=context.cursor)
    assert isinstance(result, SkipReason) and "no new exports" in result.skip_message


def test_the_sensor_leaves_a_file_that_is_still_being_copied(dagster_env):
    write_sav(dagster_env["landing"] / "export.sav", mini_frame(5))  # modified just now
    _, result = _sensor(dagster_env)
    assert isinstance(result, SkipReason)


def test_the_landing_asset_lands_what_the_sensor_asks_for(dagster_env):
    path = write_sav(dagster_env["landing"] / "export.sav", mini_frame(5))
    result = _materialize(dagster_env, LandingConfig(files=[str(path)]).model_dump())
    assert result.success
    [event] = _raw_events(result)
    metadata = event.materialization.metadata
    assert event.asset_key == RAW_KEY
    assert metadata["rows"].value == 5 and metadata["changed_in_this_run"].value is True


def test_a_refresh_with_nothing_new_still_reports_the_current_table(dagster_env):
    """Downstream dbt must not be skipped because nothing new arrived."""
    write_sav(dagster_env["landing"] / "export.sav", mini_frame(5))
    assert _materialize(dagster_env).success
    result = _materialize(dagster_env)
    assert result.success
    [event] = _raw_events(result)
    assert event.materialization.metadata["changed_in_this_run"].value is False


def test_a_bad_export_fails_the_landing_check_not_the_run_and_is_set_aside(dagster_env):
    """A refusal must not stop the refresh: the run succeeds with what landed, the check on the
    landing log fails naming the file, and the next run does not meet the file again."""
    write_sav(dagster_env["landing"] / "good.sav", mini_frame(5))
    write_sav(dagster_env["landing"] / "zz_bad.sav", mini_frame(5, seed=1).assign(Q99=1.0))
    result = _materialize(dagster_env)
    assert result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [RAW_KEY, LOAD_LOG_KEY]
    [check] = result.get_asset_check_evaluations()
    assert (check.asset_key, check.check_name, check.passed) == (LOAD_LOG_KEY, "exports_landed", False)
    assert check.severity == AssetCheckSeverity.ERROR
    assert check.description == ("1 of 2 export(s) not landed: zz_bad.sav (quarantined); see raw.load_log; "
                                 f"set aside with a reason file in {dagster_env['landing'] / 'quarantine'}")
    assert "| zz_bad.sav | Q99 |  | unknown variable |" in check.metadata["problems"].value
    assert dagster_env["instance"].get_run_by_id(result.run_id).tags["landing/not_landed"] == "1"
    assert (dagster_env["landing"] / "quarantine" / "zz_bad.sav.reason.txt").exists()
    assert not (dagster_env["landing"] / "zz_bad.sav").exists()

    again = _materialize(dagster_env)
    [check] = again.get_asset_check_evaluations()
    assert again.success and check.passed, "the refused file was met once, not on every run"


def test_an_unreadable_codebook_fails_the_landing_step_and_sets_nothing_aside(dagster_env):
    """Fail closed: with nothing to validate against, no file is refused for it either."""
    (dagster_env["codebook"] / "source_variables.csv").write_text("meting,questionnaire\n2024,Wi2021-asiel\n")
    path = write_sav(dagster_env["landing"] / "export.sav", mini_frame(5))
    result = _materialize(dagster_env)
    assert not result.success
    [failure] = [event for event in result.all_events if event.is_step_failure]
    assert "nothing landed: source_variables.csv: codebook file lacks columns source_variable, question_id, " \
           "value_type" in failure.event_specific_data.error.message
    assert path.exists() and not (dagster_env["landing"] / "quarantine").exists()


def test_definitions_carry_the_sensor_the_schedule_and_both_jobs():
    from orchestration.definitions import defs

    sensor = defs.resolve_sensor_def("landing_sensor")
    schedule = defs.resolve_schedule_def("daily_refresh")
    assert sensor.job_name == "land_exports" and schedule.job_name == "refresh_warehouse"
    assert schedule.cron_schedule == "0 6 * * *"
    for name in ("land_exports", "refresh_warehouse"):
        assert defs.resolve_job_def(name).executor_def.name == "in_process"
    refresh = defs.resolve_job_def("refresh_warehouse")
    keys = refresh.asset_layer.asset_graph.get_all_asset_keys()
    assert RAW_KEY in keys and AssetKey(["marts", "fct_respondent"]) in keys
