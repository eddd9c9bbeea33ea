"""A full disk (or any failure) while writing one file of a batch, simulated: the write raises
DuckDB's IOException halfway through the transaction, and the rollback raises as well.

What must hold: nothing of that file is in the warehouse, its 'failed' row reaches raw.load_log
(on a fresh connection when the old one is unusable), the file stays where it is for the next
run (the disk is not the file's fault), and the remaining files of the batch still land.
"""

from __future__ import annotations

import duckdb
import pytest
from helpers.landing import (
    ASIEL_2024,
    MINI_LAYOUT,
    SavSpec,
    fingerprint,
    land,
    landing_env,
    load_log,
    mini_frame,
    write_sav,
)

from orchestration.landing import registry
from orchestration.landing.errors import LandingError

ASIEL, GEZIN = "raw.export_2024_wi2021_asiel", "raw.export_2024_wi2021_gezin"
DISK_FULL = "IO Error: Could not write file \"w.duckdb.wal\": No space left on device"


@pytest.fixture
def env(tmp_path):
    env = landing_env(tmp_path, {ASIEL_2024: MINI_LAYOUT, (2024, "Wi2021-gezin"): MINI_LAYOUT})
    land(env, write_sav(env["landing"] / "v1.sav", mini_frame(5)))
    env["corrected"] = write_sav(env["landing"] / "v2.sav", mini_frame(6, seed=1))
    env["gezin"] = write_sav(env["landing"] / "gezin.sav", mini_frame(4, seed=5),
                             SavSpec(questionnaire="Wi2021-gezin"))
    return env


@pytest.fixture
def disk_full_on_asiel(monkeypatch):
    """Writing the asiel table fails after the history move and registry update; rollbacks fail."""
    write_current = registry.write_current

    def write(con, export_table, frame):
        if export_table == ASIEL:
            raise duckdb.IOException(DISK_FULL)
        write_current(con, export_table, frame)

    def rollback(con):
        raise duckdb.IOException("IO Error: rollback failed: No space left on device")

    monkeypatch.setattr(registry, "write_current", write)
    monkeypatch.setattr(registry, "rollback", rollback)


def _registry(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select export_table, status, source_file from raw.load_registry "
                           "order by load_id").fetchall()


def test_a_failed_write_and_rollback_log_the_failure_and_the_batch_goes_on(env, disk_full_on_asiel, monkeypatch):
    before, attempts = fingerprint(env["db"]), len(load_log(env["db"]))
    with pytest.raises(LandingError) as caught:
        land(env, env["corrected"], env["gezin"], replace=True)

    assert str(caught.value) == (f"v2.sav: could not be written, nothing changed (IOException: {DISK_FULL}); "
                                 "the file is left where it is for the next run")
    assert [o.status for o in caught.value.outcomes] == ["failed", "loaded"]
    after = fingerprint(env["db"])
    # v1 is still current and whole, no raw_history copy was kept; gezin.sav landed
    assert after[ASIEL] == before[ASIEL] and set(after) == set(before) | {GEZIN}
    assert _registry(env["db"]) == [(ASIEL, "current", "v1.sav"), (GEZIN, "current", "gezin.sav")]
    log = load_log(env["db"]).iloc[attempts:]
    assert list(zip(log["file"], log["status"])) == [("v2.sav", "failed"), ("gezin.sav", "loaded")]
    assert "No space left on device" in log.iloc[0]["message"]
    assert env["corrected"].exists() and not (env["landing"] / "quarantine").exists()

    monkeypatch.undo()  # room again: the same file lands on the next run
    [outcome] = land(env, env["corrected"], replace=True)
    assert outcome.status == "replaced" and outcome.rows == 6


def test_when_not_even_the_log_row_can_be_written_the_outcome_says_so(env, disk_full_on_asiel, monkeypatch):
    def no_room(con, attempt):
        raise duckdb.IOException("IO Error: No space left on device (log)")

    monkeypatch.setattr(registry, "log_attempt_alone", no_room)
    before, attempts = fingerprint(env["db"]), len(load_log(env["db"]))
    with pytest.raises(LandingError) as caught:
        land(env, env["corrected"], env["gezin"], replace=True)

    failed, landed = caught.value.outcomes
    assert failed.status == "failed"
    assert failed.message.endswith("; not recorded in raw.load_log (IOException: IO Error: No space left on "
                                   "device (log))")
    assert landed.status == "loaded"
    assert fingerprint(env["db"])[ASIEL] == before[ASIEL]
    assert list(load_log(env["db"]).iloc[attempts:]["file"]) == ["gezin.sav"]
