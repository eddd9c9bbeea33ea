"""Writers take turns on the warehouse: one lock file beside it, the holder named while others wait."""

from __future__ import annotations

import logging
import os
import time

import duckdb
import pytest

from orchestration.config import PROJECT_DIR
from orchestration.warehouse import WarehouseBusy, connect, current_holder, lock_path, reading_turn, writer_lock

pytestmark = [pytest.mark.integration, pytest.mark.slow]

def test_the_holder_writes_who_it_is_into_the_lock_file(tmp_path, hold_warehouse):
    db = tmp_path / "w.duckdb"
    holder = hold_warehouse(db, 30, "dbt build")
    try:
        found = current_holder(db)
        assert found.pid == holder.pid
        assert found.command == "holder-of-the-warehouse: dbt build"
        assert str(found).startswith(f"PID {holder.pid} (holder-of-the-warehouse: dbt build, since ")
        assert lock_path(db) == tmp_path / "w.duckdb.writer.lock"
    finally:
        holder.kill()
        holder.wait()
    assert current_holder(db) is None, "the kernel releases the lock of a process that ended"


def test_a_writer_waits_for_its_turn_naming_the_holder(tmp_path, caplog, hold_warehouse):
    db = tmp_path / "w.duckdb"
    holder = hold_warehouse(db, 2)
    started = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="orchestration.warehouse"):
            with connect(db, wait_seconds=60) as con:
                con.execute("insert into held values (now())")
                assert current_holder(db).pid == os.getpid()
    finally:
        holder.wait(timeout=30)
    assert time.monotonic() - started >= 1.0
    assert f"is held by PID {holder.pid} (holder-of-the-warehouse: test load, since " in caplog.text
    assert "waiting for our turn" in caplog.text
    assert f"our turn, PID {holder.pid}" in caplog.text


def test_a_writer_that_does_not_get_its_turn_says_who_holds_it_and_changes_nothing(tmp_path, hold_warehouse):
    db = tmp_path / "w.duckdb"
    with connect(db) as con:
        con.execute("create table kept as select 1 as x")
    holder = hold_warehouse(db, 60)
    try:
        with pytest.raises(WarehouseBusy, match=rf"held by PID {holder.pid} \(holder-of-the-warehouse: test load, "
                                                r"since .*\), and was not released within 1s; nothing was changed"):
            with connect(db, wait_seconds=1) as con:
                con.execute("drop table kept")
    finally:
        holder.kill()
        holder.wait()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from kept").fetchone()[0] == 1


def test_the_wait_comes_from_the_environment(tmp_path, monkeypatch, hold_warehouse):
    db = tmp_path / "w.duckdb"
    monkeypatch.setenv("INBURGERING_WAIT_SECONDS", "0")
    holder = hold_warehouse(db, 60)
    try:
        with pytest.raises(WarehouseBusy, match="not released within 0s"):
            with writer_lock(db):
                pass
        monkeypatch.setenv("INBURGERING_WAIT_SECONDS", "soon")
        with pytest.raises(ValueError, match="INBURGERING_WAIT_SECONDS='soon': expected a number of seconds"):
            with writer_lock(db):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_nested_writers_of_one_process_share_its_turn(tmp_path, hold_warehouse):
    db = tmp_path / "w.duckdb"
    with writer_lock(db, "dbt build", wait_seconds=0):
        with connect(db, wait_seconds=0) as con:  # would wait for itself without re-entry
            con.execute("create table t as select 1 as x")
        assert current_holder(db).command.endswith(": dbt build")
    assert current_holder(db) is None


def test_a_reader_of_a_busy_warehouse_is_told_who_writes(tmp_path, hold_warehouse):
    db = tmp_path / "w.duckdb"
    holder = hold_warehouse(db, 60)
    try:
        with pytest.raises(WarehouseBusy, match=rf"held by another process \(PID {holder.pid} "
                                                r"\(holder-of-the-warehouse: test load"):
            with connect(db, read_only=True, wait_seconds=1):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_a_sensor_does_not_open_the_warehouse_while_a_writer_has_its_turn(tmp_path, hold_warehouse):
    db = tmp_path / "w.duckdb"
    holder = hold_warehouse(db, 60, "dbt build")
    with pytest.raises(WarehouseBusy, match=rf"held by PID {holder.pid} \(holder-of-the-warehouse: dbt build"):
        with reading_turn(db):
            pass
    holder.kill()
    holder.wait()
    with reading_turn(db):
        with pytest.raises(WarehouseBusy, match="not released within 0s"):
            with writer_lock(db, wait_seconds=0):  # a writer waits for the sensor's short read
                pass


def test_dbt_waits_for_its_turn_instead_of_failing_on_duckdbs_lock(tmp_path, hold_warehouse, caplog):
    """dbt opens the file itself and gives up at once ("Could not set lock"); the runner waits for
    the writer lock and for the file to be free first."""
    from orchestration.dbt_runner import dbt_build

    db = tmp_path / "w.duckdb"
    holder = hold_warehouse(db, 3, "a load")
    with caplog.at_level(logging.WARNING, logger="orchestration.warehouse"):
        dbt_build(db, tmp_path / "target", PROJECT_DIR, "--select", "population_margins", "--indirect-selection", "cautious")
    holder.wait(timeout=30)
    assert f"is held by PID {holder.pid} (holder-of-the-warehouse: a load, since " in caplog.text
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from seeds.population_margins").fetchone()[0] > 0
