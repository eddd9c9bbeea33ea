"""A landed export leads to the downstream rebuild, however it landed; Dagster's raw versions
follow raw.load_registry. Evaluated against a real Dagster instance."""

from __future__ import annotations

import uuid

import pytest
from dagster import (
    AssetKey,
    AssetMaterialization,
    RunRequest,
    SensorResult,
    SkipReason,
    build_sensor_context,
    materialize,
)
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus
from helpers.landing import mini_frame, write_sav

from orchestration.assets.automation import landed_exports_sensor
from orchestration.assets.landing import land_raw_exports
from orchestration.assets.publish import PUBLISHED_SNAPSHOT
from orchestration.landing.export import sha256_of
from orchestration.landing.loader import land_files

pytestmark = pytest.mark.integration

RAW_KEY = AssetKey(["raw", "export_2024_wi2021_asiel"])


def _tick(dagster_env):
    """One sensor evaluation; its asset events are stored as the daemon stores them."""
    context = build_sensor_context(instance=dagster_env["instance"], resources={"warehouse": dagster_env["warehouse"]})
    result = landed_exports_sensor(context)
    for event in getattr(result, "asset_events", None) or []:
        dagster_env["instance"].report_runless_asset_event(event)
    return result


def _recorded_version(instance, key):
    return instance.get_latest_materialization_event(key).asset_materialization.tags["dagster/data_version"]


def _refresh_published(instance):
    """What the end of a refresh run leaves in the instance: a materialisation of the snapshot."""
    instance.report_runless_asset_event(AssetMaterialization(asset_key=PUBLISHED_SNAPSHOT))


def test_the_sensor_targets_the_refresh_job():
    from orchestration.definitions import defs

    assert defs.resolve_sensor_def("landed_exports_sensor").job_name == "refresh_warehouse"


def test_nothing_landed_nothing_to_rebuild(dagster_env):
    result = _tick(dagster_env)
    assert isinstance(result, SkipReason) and result.skip_message == "nothing landed yet"


def test_a_load_from_the_shell_is_recorded_in_dagster_and_rebuilt(dagster_env):
    path = write_sav(dagster_env["landing"] / "v1.sav", mini_frame(5))
    # inburgering load
    land_files(dagster_env["duckdb"], [path], landing_dir=dagster_env["landing"], codebook_dir=dagster_env["codebook"])

    result = _tick(dagster_env)
    assert isinstance(result, SensorResult)
    [event] = result.asset_events
    assert event.asset_key == RAW_KEY and event.metadata["rows"].value == 5
    assert _recorded_version(dagster_env["instance"], RAW_KEY) == sha256_of(path)
    [request] = result.run_requests
    assert isinstance(request, RunRequest) and request.run_key.startswith("registry-")
    assert request.tags["automation/landed_outside_dagster"] == "export_2024_wi2021_asiel"

    again = _tick(dagster_env)
    assert not again.asset_events, "a recorded version is not reported twice"
    assert [r.run_key for r in again.run_requests] == [request.run_key], "one registry state, one run key"

    _refresh_published(dagster_env["instance"])
    done = _tick(dagster_env)
    assert not done.run_requests and done.skip_reason.skip_message == "every landed export is in the last refresh"


def test_a_replacement_landed_by_dagster_asks_for_a_new_refresh(dagster_env):
    first = write_sav(dagster_env["landing"] / "v1.sav", mini_frame(5))
    land_files(dagster_env["duckdb"], [first], landing_dir=dagster_env["landing"], codebook_dir=dagster_env["codebook"])
    first_key = _tick(dagster_env).run_requests[0].run_key
    _refresh_published(dagster_env["instance"])

    corrected = write_sav(dagster_env["landing"] / "v2.sav", mini_frame(7, seed=1))
    config = {"files": [str(corrected)], "replace": True}
    run = materialize([land_raw_exports], resources={"warehouse": dagster_env["warehouse"]},
                      instance=dagster_env["instance"], run_config={"ops": {"land_raw_exports": {"config": config}}})
    assert run.success
    result = _tick(dagster_env)
    assert not result.asset_events, "the landing run recorded the new version itself"
    assert _recorded_version(dagster_env["instance"], RAW_KEY) == sha256_of(corrected)
    [request] = result.run_requests
    assert request.run_key != first_key


def test_no_second_refresh_while_one_is_running(dagster_env):
    path = write_sav(dagster_env["landing"] / "v1.sav", mini_frame(5))
    land_files(dagster_env["duckdb"], [path], landing_dir=dagster_env["landing"], codebook_dir=dagster_env["codebook"])
    dagster_env["instance"].add_run(DagsterRun(job_name="refresh_warehouse", run_id=str(uuid.uuid4()),
                                       status=DagsterRunStatus.STARTED))
    result = _tick(dagster_env)
    assert not result.run_requests
    assert result.skip_reason.skip_message == "a refresh is queued or running; it takes these along"
    assert _recorded_version(dagster_env["instance"], RAW_KEY) == sha256_of(path), "the version is recorded all the same"


def test_the_sensor_leaves_the_warehouse_alone_while_a_writer_has_its_turn(dagster_env, hold_warehouse):
    path = write_sav(dagster_env["landing"] / "v1.sav", mini_frame(5))
    land_files(dagster_env["duckdb"], [path], landing_dir=dagster_env["landing"], codebook_dir=dagster_env["codebook"])
    holder = hold_warehouse(dagster_env["duckdb"], 60, "dbt build")
    result = _tick(dagster_env)
    assert isinstance(result, SkipReason)
    assert "the warehouse is busy; looking again next tick" in result.skip_message
    assert f"PID {holder.pid} (holder-of-the-warehouse: dbt build" in result.skip_message
