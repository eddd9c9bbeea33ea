"""Analysts reading while a load runs: the load waits or says why it cannot; readers never see
a half-landed file."""

from __future__ import annotations

import logging
import subprocess
import sys
import time

import duckdb
import pytest
from helpers.landing import fingerprint, land, landing_env, mini_frame, write_sav

from orchestration.landing import registry
from orchestration.warehouse import WarehouseBusy

pytestmark = pytest.mark.integration

TABLE = "raw.export_2024_wi2021_asiel"
_HOLDER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)  # an analyst's read-only session
con.execute("select count(*) from raw.load_registry").fetchone()
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
"""


@pytest.fixture
def env(tmp_path):
    env = landing_env(tmp_path)
    land(env, write_sav(env["landing"] / "v1.sav", mini_frame(5, seed=0)))
    return env


def _hold(db, seconds):
    """Another process holding the warehouse open, read-only, for `seconds`."""
    process = subprocess.Popen([sys.executable, "-c", _HOLDER, str(db), str(seconds)], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout.readline().strip() == "holding"
    return process


def test_a_load_waits_for_a_reader_to_finish_and_then_lands(env, caplog):
    corrected = write_sav(env["landing"] / "v2.sav", mini_frame(5, seed=1))
    reader = _hold(env["db"], 2)
    started = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="orchestration.warehouse"):
            [outcome] = land(env, corrected, replace=True, wait_seconds=30)
    finally:
        reader.wait(timeout=30)
    assert outcome.status == "replaced"
    assert time.monotonic() - started >= 1.0
    assert f"held by another process (PID {reader.pid}); waiting" in caplog.text


def test_a_load_that_cannot_get_the_warehouse_says_why_and_changes_nothing(env):
    corrected = write_sav(env["landing"] / "v2.sav", mini_frame(5, seed=1))
    before = fingerprint(env["db"])
    reader = _hold(env["db"], 60)
    try:
        with pytest.raises(WarehouseBusy, match=rf"held by another process \(PID {reader.pid}\) and was not "
                                                r"released within 1s.*nothing was changed"):
            land(env, corrected, replace=True, wait_seconds=1)
    finally:
        reader.kill()
        reader.wait()
    assert fingerprint(env["db"]) == before
    assert corrected.exists(), "a busy warehouse is not the file's fault: nothing is quarantined"


def test_readers_see_the_old_version_or_the_new_never_half(env, monkeypatch):
    """A reader in the same process (as in Dagster's in-process executor) queries in the
    middle of a replace, after the history move and the table write, before the commit."""
    reader = duckdb.connect(str(env["db"]))
    seen = {}
    real_log_attempt = registry.log_attempt

    def look_then_log(con, attempt):
        seen["sha"] = reader.execute(f"select distinct _source_sha256 from {TABLE}").fetchall()
        seen["history"] = reader.execute("select count(*) from information_schema.tables "
                                         "where table_schema = 'raw_history'").fetchone()[0]
        seen["current"] = reader.execute("select sha256 from raw.load_registry where status = 'current'").fetchall()
        return real_log_attempt(con, attempt)

    try:
        v1_sha = reader.execute(f"select distinct _source_sha256 from {TABLE}").fetchone()[0]
        monkeypatch.setattr(registry, "log_attempt", look_then_log)
        [outcome] = land(env, write_sav(env["landing"] / "v2.sav", mini_frame(7, seed=1)), replace=True)
        assert seen == {"sha": [(v1_sha,)], "history": 0, "current": [(v1_sha,)]}
        assert reader.execute(f"select distinct _source_sha256, count(*) from {TABLE} group by 1").fetchall() == [
            (outcome.sha256, 7)]
    finally:
        reader.close()
