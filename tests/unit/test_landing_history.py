"""Exactly once, replace with history, and the registry/load_log an engineer reads."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from helpers.landing import fingerprint, land, landing_env, load_log, mini_frame, write_sav

from orchestration.landing import registry
from orchestration.landing.errors import ExportError
from orchestration.warehouse import replace_table

TABLE = "raw.export_2024_wi2021_asiel"


@pytest.fixture
def env(tmp_path):
    return landing_env(tmp_path)


def _query(env, sql):
    with duckdb.connect(str(env["db"]), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_same_file_twice_is_a_no_op_that_says_so(env):
    path = write_sav(env["landing"] / "export.sav", mini_frame(5))
    [first] = land(env, path)
    after_first = fingerprint(env["db"])
    [second] = land(env, path)

    assert (first.status, second.status) == ("loaded", "unchanged")
    assert second.message.startswith(f"already loaded as load {first.load_id} into {TABLE}")
    assert second.message.endswith("nothing to do")
    assert fingerprint(env["db"]) == after_first
    assert list(load_log(env["db"])["status"]) == ["loaded", "unchanged"]
    assert _query(env, "select count(*) from raw.load_registry") == [(1,)]


def test_the_same_bytes_under_another_name_are_recognised(env):
    path = write_sav(env["landing"] / "export.sav", mini_frame(5))
    land(env, path)
    copy = shutil.copy(path, env["landing"] / "export (1).sav")
    [outcome] = land(env, copy)
    assert outcome.status == "unchanged"


def test_replace_keeps_the_earlier_version_retrievable(env):
    first = write_sav(env["landing"] / "export.sav", mini_frame(5, seed=0))
    [v1] = land(env, first)
    v1_rows = _query(env, f"select * exclude (_loaded_at) from {TABLE} order by token")

    corrected = write_sav(env["landing"] / "export_corrected.sav", mini_frame(6, seed=1))
    [v2] = land(env, corrected, replace=True)

    assert v2.status == "replaced"
    assert f"replaced load {v1.load_id} (export.sav), kept in raw_history.export_2024_wi2021_asiel__load_1" \
        in v2.message
    # current table: the corrected export, as dbt reads it
    assert _query(env, f"select distinct _source_file, _source_sha256 from {TABLE}") == [
        ("export_corrected.sav", v2.sha256)]
    assert _query(env, f"select count(*) from {TABLE}") == [(6,)]
    # the earlier version, row for row, lineage included
    history = "raw_history.export_2024_wi2021_asiel__load_1"
    assert _query(env, f"select * exclude (_loaded_at) from {history} order by token") == v1_rows
    earlier = registry.version_rows(env["db"], v1.load_id)
    assert len(earlier) == 5 and set(earlier["_source_sha256"]) == {v1.sha256}
    # the registry says where each version is
    assert _query(env, "select load_id, status, stored_in, superseded_by from raw.load_registry order by 1") == [
        (1, "superseded", history, 2), (2, "current", TABLE, None)]


def test_a_replaced_version_can_be_made_current_again(env):
    first = write_sav(env["landing"] / "v1.sav", mini_frame(5, seed=0))
    second = write_sav(env["landing"] / "v2.sav", mini_frame(5, seed=1))
    [v1] = land(env, first)
    land(env, second, replace=True)

    [again] = land(env, first)  # without --replace: nothing happens, and it says how
    assert again.status == "unchanged" and "use --replace to make it current again" in again.message

    [restored] = land(env, first, replace=True)
    assert restored.status == "replaced" and restored.load_id == v1.load_id
    assert _query(env, f"select distinct _source_sha256 from {TABLE}") == [(v1.sha256,)]
    assert _query(env, "select load_id, status, stored_in from raw.load_registry order by 1") == [
        (1, "current", TABLE), (2, "superseded", "raw_history.export_2024_wi2021_asiel__load_2")]
    tables = {row[0] for row in _query(env, "select table_name from information_schema.tables "
                                            "where table_schema = 'raw_history'")}
    assert tables == {"export_2024_wi2021_asiel__load_2"}, "one place per version"


def test_load_log_has_one_row_per_attempt_with_what_happened(env):
    good = write_sav(env["landing"] / "good.sav", mini_frame(5))
    bad = write_sav(env["landing"] / "bad.sav", mini_frame(5, seed=3).assign(Q99=1.0))
    land(env, good)
    with pytest.raises(Exception):
        land(env, bad)
    land(env, good)
    log = load_log(env["db"])
    assert list(log.columns[:1]) == ["attempt_id"]
    assert {"file", "sha256", "meting", "questionnaire", "rows", "status", "message", "started_at",
            "finished_at"} <= set(log.columns)
    assert list(zip(log["file"], log["status"])) == [("good.sav", "loaded"), ("bad.sav", "quarantined"),
                                                     ("good.sav", "unchanged")]
    assert log.loc[1, "meting"] == 2024 and "Q99: unknown variable" in log.loc[1, "message"]
    assert log.loc[0, "rows"] == 5 and (log["finished_at"] >= log["started_at"]).all()


def test_a_batch_lands_the_good_files_and_reports_every_bad_one(env):
    good = write_sav(env["landing"] / "good.sav", mini_frame(5))
    empty = env["landing"] / "empty.sav"
    empty.write_bytes(b"")
    headerless = env["landing"] / "junk.sav"
    headerless.write_bytes(b"junk")
    with pytest.raises(ExportError) as caught:
        land(env, empty, good, headerless)
    assert [o.status for o in caught.value.outcomes] == ["quarantined", "loaded", "quarantined"]
    assert {p.file for p in caught.value.problems} == {"empty.sav", "junk.sav"}
    assert _query(env, f"select count(*) from {TABLE}") == [(5,)]


def test_tables_landed_before_the_registry_existed_are_adopted(env):
    """The first loader wrote raw tables without a registry: they count as loaded."""
    path = write_sav(env["landing"] / "export.sav", mini_frame(5))
    [outcome] = land(env, path)
    with duckdb.connect(str(env["db"])) as con:  # back to the pre-registry state, table kept
        frame = con.execute(f"select * from {TABLE}").df()
        con.execute("drop schema raw cascade")
        replace_table(con, "raw", "export_2024_wi2021_asiel", frame)
    [again] = land(env, path)
    assert again.status == "unchanged"
    assert _query(env, "select sha256, status from raw.load_registry") == [(outcome.sha256, "current")]


def test_only_the_selected_tables_are_touched(env):
    path = write_sav(env["landing"] / "export.sav", mini_frame(5))
    broken = env["landing"] / "broken.sav"
    broken.write_bytes(b"$FL2 but nothing else")
    assert land(env, path, broken, tables={"export_2023_wi2013_gezin"}) == []
    assert broken.exists(), "a file whose table cannot be told is left for a full landing run"
    assert not env["db"].exists() or fingerprint(env["db"]) == {}


def test_a_refused_file_from_outside_the_landing_folder_is_copied_not_moved(env, tmp_path):
    outside = tmp_path / "downloads" / "export.sav"
    outside.parent.mkdir()
    outside.write_bytes(b"")
    with pytest.raises(ExportError):
        land(env, outside)
    assert outside.exists()
    reason = (env["landing"] / "quarantine" / "export.sav.reason.txt").read_text()
    assert "copied here; the original was left in place" in reason


def test_a_second_bad_file_of_the_same_name_does_not_overwrite_the_first(env):
    env["landing"].mkdir()
    for content in (b"", b"junk"):
        path = env["landing"] / "export.sav"
        path.write_bytes(content)
        with pytest.raises(ExportError):
            land(env, path)
    names = sorted(p.name for p in (env["landing"] / "quarantine").iterdir())
    assert len([n for n in names if n.endswith(".sav")]) == 2
    assert len([n for n in names if n.endswith(".reason.txt")]) == 2
