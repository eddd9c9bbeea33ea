"""The analysts' read-only snapshot: complete, self-contained, free of direct identifiers, and
safe to read while the pipeline rebuilds and republishes it."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, materialize
from typer.testing import CliRunner

from orchestration.publish.snapshot import INFO_TABLE, SnapshotError, publish

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# Column names that would hold a direct identifier. respondent_key and person_key are keyed
# pseudonyms (orchestration/privacy/README.md) and allowed.
# Typed by hand, not read from seeds/privacy/snapshot_aggregate_rules.csv: the rows of a line
# under k (5) that the snapshot leaves out of each aggregate mart (with, in the breakdown marts,
# the lines that would give them away by subtraction: tests/privacy/).
LINES_UNDER_K = {"marts.mart_answer_shares": "base_n < 5",
                 "marts.mart_route_cohort": "base_n < 5 or answered_n < 5",
                 "marts.mart_meting_comparison": "base_n_previous < 5 or base_n_current < 5",
                 "marts.mart_weighting_summary": "respondents < 5"}
IDENTIFIER_COLUMN = re.compile(
    r"token|e_?mail|phone|telefoon|iban|bsn|address|adres|postcode|birth|geboorte|"
    r"^name$|_name$|first_?name|last_?name|surname|naam|initials")

# An analyst in another process: a fresh read-only connection per iteration, checking that
# what it sees is one complete snapshot, one JSON line per iteration, a short pause between them.
READER = r"""
import json, os, sys, time
import duckdb

path, out, stop = sys.argv[1:4]
with open(out, "a") as log:
    while not os.path.exists(stop):
        record = {"start": time.time()}
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                info = con.execute("select table_schema, table_name, row_count, built_at from snapshot_info").fetchall()
                record["built_at"] = str(info[0][3])
                record["tables"] = sorted(f"{schema}.{name}" for schema, name, _, _ in info)
                record["short"] = [f"{schema}.{name}" for schema, name, rows, _ in info
                                   if con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0] != rows]
                record["metingen"] = [row[0] for row in con.execute(
                    "select distinct meting from marts.fct_respondent order by 1").fetchall()]
                con.execute("select group_label, meting, count(*) from marts.fct_respondent "
                            "group by all order by all").fetchall()
            finally:
                con.close()
            record["ok"] = True
        except Exception as exc:
            record["ok"], record["error"] = False, f"{type(exc).__name__}: {exc}"
        record["end"] = time.time()
        log.write(json.dumps(record) + "\n")
        log.flush()
        # a few reads a second: tens of them overlap the build and the publishes, and the cores stay
        # with the build and the publishes it watches
        time.sleep(0.2)
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _relations(con, schemas=("marts", "analysis")) -> dict[str, str]:
    return {f"{schema}.{name}": kind for schema, name, kind in con.execute(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_schema in (select unnest(?))", [list(schemas)]).fetchall()}


def _add_analysis_and_a_view(warehouse: Path) -> None:
    """An analysis table, and a marts view on a seed: the snapshot must hold both as tables."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema analysis")
        con.execute("create table analysis.example as select range as meting from range(2023, 2025)")
        con.execute("create view marts.v_answer_sets as select * from seeds.answer_sets")


def test_snapshot_holds_every_mart_and_analysis_table_as_a_table(warehouse, target):
    _add_analysis_and_a_view(warehouse)
    snapshot = publish(warehouse, target)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        source = _relations(con)
        source_rows = {name: con.execute(f"select count(*) from {name}").fetchone()[0] for name in source}
        under_k = {name: con.execute(f"select count(*) from {name} where {where}").fetchone()[0]
                   for name, where in LINES_UNDER_K.items()}
    assert "marts.fct_respondent" in source and "analysis.example" in source
    with duckdb.connect(str(target), read_only=True) as con:
        copied = _relations(con)
        schemas = {row[0] for row in con.execute(
            "select distinct table_schema from information_schema.tables").fetchall()}
        info = {f"{s}.{t}": rows for s, t, rows in con.execute(
            f"select table_schema, table_name, row_count from {INFO_TABLE}").fetchall()}
        actual = {name: con.execute(f"select count(*) from {name}").fetchone()[0] for name in copied}
        sources = {row[0] for row in con.execute(f"select distinct source_warehouse from {INFO_TABLE}").fetchall()}

    # free text stays out unless INBURGERING_SNAPSHOT_OPEN_ANSWERS asks for it, the person-level
    # dim_respondent always, and aggregate lines under k (tests/privacy/)
    source_rows.pop("marts.fct_open_answer")
    source_rows.pop("marts.dim_respondent")
    left_out = {name: source_rows.pop(name) - actual[name] for name in under_k}
    assert sum(under_k.values()) > 0 and all(left_out[name] >= under_k[name] for name in under_k), left_out
    assert left_out["marts.mart_weighting_summary"] == under_k["marts.mart_weighting_summary"] == 0
    assert set(copied) == set(source) - {"marts.fct_open_answer", "marts.dim_respondent"}
    assert set(copied.values()) == {"BASE TABLE"}, "views must be materialised: the snapshot stands alone"
    assert schemas == {"main", "marts", "analysis"}, "no seeds, staging or raw in the snapshot"
    assert info == actual == snapshot.rows and {name: actual[name] for name in source_rows} == source_rows
    assert sources == {str(warehouse)}
    assert snapshot.bytes == target.stat().st_size > 0 and snapshot.seconds > 0
    assert [path.name for path in target.parent.iterdir()] == [target.name], "no temp files left"
    print(f"\npublished {len(snapshot.tables)} tables, {snapshot.total_rows} rows, "
          f"{snapshot.bytes / 1e6:.1f} MB in {snapshot.seconds:.2f}s")


def test_snapshot_holds_no_direct_identifiers(warehouse, target):
    publish(warehouse, target)
    with duckdb.connect(str(target), read_only=True) as con:
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where table_schema <> 'main'").fetchall()
        keys = {row[0] for row in con.execute("select respondent_key from marts.fct_respondent").fetchall()}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tokens = {row[0] for row in con.execute(
            "select distinct token from raw.export_2024_wi2021_asiel where token is not null").fetchall()}

    flagged = [f"{s}.{t}.{c}" for s, t, c in columns if IDENTIFIER_COLUMN.search(c.lower())]
    assert not flagged, f"direct identifier columns in the snapshot: {flagged}"
    assert tokens and not keys & tokens, "respondent_key must be a keyed pseudonym, not the platform token"
    assert all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)


def test_snapshot_is_read_only_and_an_open_reader_keeps_its_version(warehouse, target):
    publish(warehouse, target)
    reader = duckdb.connect(str(target), read_only=True)
    try:
        first = reader.execute(f"select max(built_at) from {INFO_TABLE}").fetchone()[0]
        with pytest.raises(duckdb.Error, match="read-only"):
            reader.execute("create table main.scratch (x integer)")
        with pytest.raises(duckdb.Error, match="read-only"):
            reader.execute("delete from marts.fct_respondent")

        publish(warehouse, target)
        # The reader still has the old file (inode) open, whole; a new process gets the new one.
        assert reader.execute(f"select max(built_at) from {INFO_TABLE}").fetchone()[0] == first
        assert reader.execute("select count(*) from marts.fct_respondent").fetchone()[0] > 0
        newer = subprocess.run(
            [sys.executable, "-c", "import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True)"
             f".execute('select max(built_at) from {INFO_TABLE}').fetchone()[0])", str(target)],
            capture_output=True, text=True, check=True).stdout.strip()
        assert newer != str(first) and newer > str(first)
    finally:
        reader.close()


def test_a_failed_publish_leaves_the_published_file_and_no_temp_files(warehouse, target):
    publish(warehouse, target)
    before, listing = _sha256(target), sorted(p.name for p in target.parent.iterdir())
    with duckdb.connect(str(warehouse)) as con:
        # Fails while the copy runs, after the tables sorted before it were written to the temp file.
        con.execute("create view marts.zz_broken as select error('broken mart') as x")

    with pytest.raises(SnapshotError, match=rf"{re.escape(str(target))} failed; the published file is "
                                            r"unchanged.*broken mart"):
        publish(warehouse, target)
    assert _sha256(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == listing == [target.name]


def test_a_refresh_keeps_an_unchanged_snapshot_and_republishes_a_changed_source(warehouse, target):
    _add_analysis_and_a_view(warehouse)
    first = publish(warehouse, target, unless_unchanged=True)
    assert not first.reused
    published = _sha256(target)

    # nothing changed: the file stays, byte for byte, and reports what it holds
    kept = publish(warehouse, target, unless_unchanged=True)
    assert kept.reused and _sha256(target) == published
    assert (kept.rows, kept.fingerprint, kept.privacy, kept.built_at) == (
        first.rows, first.fingerprint, first.privacy, first.built_at)

    # one value of one copied table changed: a new snapshot, holding it
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update analysis.example set meting = 2030 where meting = 2023")
    changed = publish(warehouse, target, unless_unchanged=True)
    assert not changed.reused and _sha256(target) != published and changed.built_at > first.built_at
    with duckdb.connect(str(target), read_only=True) as con:
        assert sorted(row[0] for row in con.execute("select meting from analysis.example").fetchall()) == [2024, 2030]

    # other privacy rules (a larger k) are another source as well
    from orchestration.privacy.snapshot_privacy import Rules
    stricter = publish(warehouse, target, rules=Rules.load(k=6), unless_unchanged=True)
    assert not stricter.reused and stricter.privacy.k_required == 6

    # asked for explicitly (`inburgering publish`), a snapshot is always copied anew
    again = _sha256(target)
    assert not publish(warehouse, target, rules=Rules.load(k=6)).reused and _sha256(target) != again


def test_nothing_to_publish_says_which_file(tmp_path, target):
    missing = tmp_path / "nowhere" / "inburgering.duckdb"
    with pytest.raises(SnapshotError, match=rf"{re.escape(str(missing))}: no warehouse file"):
        publish(missing, target)

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(SnapshotError, match=rf"{re.escape(str(empty))}: the marts schema holds no tables"):
        publish(empty, target)
    assert not target.exists() and list(target.parent.iterdir()) == []


def test_temp_files_of_dead_publishers_are_removed(warehouse, target):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    target.parent.mkdir(parents=True)
    abandoned = target.with_name(f".{target.name}.tmp-{dead.pid}-deadbeef")
    abandoned.write_bytes(b"half a snapshot")
    publish(warehouse, target)
    assert [path.name for path in target.parent.iterdir()] == [target.name]


def _intervals_overlap(record: dict, windows: list[tuple[float, float]]) -> bool:
    return any(record["start"] < end and record["end"] > start for start, end in windows)


def test_analysts_read_complete_snapshots_during_rebuild_and_republish(warehouse, target, tmp_path):
    from orchestration.config import PROJECT_DIR
    from orchestration.dbt_runner import TABLES_ONLY, dbt_build

    first = publish(warehouse, target)
    expected_tables = first.tables
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected_metingen = [row[0] for row in con.execute(
            "select distinct meting from marts.fct_respondent order by 1").fetchall()]
    out, stop = tmp_path / "reader.jsonl", tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(target), str(out), str(stop)])
    try:
        _wait_for_lines(out, 1, reader)
        build_started = time.time()
        # the real rebuild of every seed and model, writing the warehouse copy (dbt's tests only
        # read: they are the build's other half, and the session's build ran them)
        dbt_build(warehouse, tmp_path / "target", PROJECT_DIR, *TABLES_ONLY)
        build = (build_started, time.time())
        windows = []
        for _ in range(6):
            started = time.time()
            snapshot = publish(warehouse, target)
            windows.append((started, time.time()))
            time.sleep(0.3)  # readers also open between publishes, on a settled file
    finally:
        stop.touch()
        reader.wait(timeout=60)

    records = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [record["error"] for record in records if not record["ok"]]
    assert not errors, errors[:5]
    assert all(record["tables"] == expected_tables for record in records)
    assert all(record["short"] == [] for record in records), "a reader saw fewer rows than snapshot_info"
    assert all(record["metingen"] == expected_metingen for record in records)
    during_publish = sum(_intervals_overlap(record, windows) for record in records)
    during_build = sum(_intervals_overlap(record, [build]) for record in records)
    versions = {record["built_at"] for record in records}
    print(f"\n{len(records)} reader iterations: {during_build} during dbt build ({build[1] - build[0]:.1f}s), "
          f"{during_publish} during 6 publishes (each {[round(b - a, 2) for a, b in windows]}s), "
          f"{len(versions)} snapshot versions seen; last: {snapshot.bytes / 1e6:.1f} MB")
    assert during_publish >= 10, "too few queries overlapped a publish for the test to mean anything"
    assert during_build >= 10
    assert len(versions) >= 3, "readers should have seen several published versions"


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        assert process.poll() is None, "the reader process died"
        time.sleep(0.1)
    raise AssertionError(f"the reader wrote nothing to {path} within {timeout}s")


def test_dagster_asset_publishes_last_with_metadata(warehouse, monkeypatch):
    from orchestration.assets.publish import PUBLISHED_SNAPSHOT, published_snapshot
    from orchestration.definitions import defs
    from orchestration.resources import WarehouseResource

    graph = defs.resolve_asset_graph()
    parents = graph.get(PUBLISHED_SNAPSHOT).parent_keys
    every_mart = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    every_analysis = {key for key in graph.get_all_asset_keys() if key.path[0] == "analysis"}
    assert every_mart and every_analysis and every_mart | every_analysis <= parents
    assert not graph.get(PUBLISHED_SNAPSHOT).child_keys, "the snapshot must be the last step"
    assert PUBLISHED_SNAPSHOT in defs.resolve_job_def("refresh_warehouse").asset_layer.executable_asset_keys

    monkeypatch.delenv("INBURGERING_SNAPSHOT_PATH", raising=False)
    resource = WarehouseResource(duckdb_path=str(warehouse), landing_dir=str(warehouse.parent / "landing"))
    result = materialize([published_snapshot], resources={"warehouse": resource})
    assert result.success
    [event] = result.get_asset_materialization_events()
    metadata = event.materialization.metadata
    published = warehouse.parent / "published" / "inburgering.duckdb"
    assert event.asset_key == AssetKey(["published", "snapshot"])
    assert metadata["path"].value == str(published) and published.is_file()
    assert metadata["bytes"].value == published.stat().st_size
    assert metadata["rows"].value == sum(metadata["tables"].value.values()) > 0
    assert metadata["seconds"].value > 0
    assert metadata["privacy_k_reached"].value >= metadata["privacy_k_required"].value == 5
    assert sum(metadata["privacy_values_suppressed"].value.values()) > 0


def test_cli_publish_and_where(warehouse, target, monkeypatch):
    from orchestration.cli import app

    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("INBURGERING_SNAPSHOT_PATH", str(target))
    runner = CliRunner()
    result = runner.invoke(app, ["publish"])
    assert result.exit_code == 0, result.output
    assert "published" in result.output and target.is_file()
    assert re.search(r"privacy: k \d+ reached \(required 5\)", result.output), result.output
    where = runner.invoke(app, ["where"])
    assert f"snapshot:  {target}" in where.output and "read_only=True" in where.output

    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(warehouse.parent / "missing.duckdb"))
    failed = runner.invoke(app, ["publish"])
    assert failed.exit_code == 1 and "missing.duckdb: no warehouse file" in failed.output
