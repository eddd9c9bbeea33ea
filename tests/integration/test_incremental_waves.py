"""Incremental waves: int_answers, int_respondents, fct_answer and fct_open_answer are
delete+insert by meting, and which metingen a run rewrites is read from raw.load_registry
against each model's `_built_at` watermark (macros/incremental_metingen.sql).

One warehouse goes through the life of the study: meting 2023 built alone, 2024 landed and
built incrementally, then one 2024 export replaced by a corrected version. After each step the
incremental result must equal a --full-refresh of the same raw data, and the metingen that had
nothing new must not have been rewritten (their watermark and rows unchanged)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.config import PROJECT_DIR
from orchestration.dbt_runner import dbt_build
from orchestration.landing.loader import land_files

pytestmark = pytest.mark.integration

FIRST, ADDED = 2023, 2024
INCREMENTAL = ["intermediate.int_answers", "intermediate.int_respondents", "marts.fct_answer",
               "marts.fct_open_answer"]
# The first wave alone fails data tests that compare waves (e.g. response against the population
# of both metingen); the models are what this test is about, so that build skips the tests.
MODELS_ONLY = ("--exclude", "resource_type:test", "resource_type:unit_test")


def _content(database: Path) -> dict[tuple[str, int], tuple[int, int]]:
    """(table, meting) -> (rows, checksum over every column but the watermark)."""
    result = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for table in INCREMENTAL:
            columns = [row[0] for row in con.execute(f"describe {table}").fetchall() if row[0] != "_built_at"]
            rows = con.execute(
                f"select meting, count(*), sum(hash({', '.join(columns)})) from {table} group by meting"
            ).fetchall()
            result.update({(table, meting): (count, int(checksum)) for meting, count, checksum in rows})
    return result


def _watermarks(database: Path) -> dict[tuple[str, int], tuple]:
    """(table, meting) -> the distinct _built_at values of its rows (one per meting after any run)."""
    with duckdb.connect(str(database), read_only=True) as con:
        return {(table, meting): tuple(sorted(stamps)) for table in INCREMENTAL
                for meting, stamps in con.execute(
                    f"select meting, list(distinct _built_at) from {table} group by meting").fetchall()}


def _full_refresh_of(database: Path, root: Path) -> Path:
    """A copy of the warehouse rebuilt from scratch with --full-refresh: the reference."""
    copy = root / "inburgering.duckdb"  # same file stem: dbt names the catalog after it
    root.mkdir(parents=True)
    shutil.copyfile(database, copy)
    dbt_build(copy, root / "target", PROJECT_DIR, "--full-refresh", *MODELS_ONLY)
    return copy


@pytest.fixture(scope="module")
def corrected_export(tmp_path_factory) -> Path:
    """A 'corrected re-export' of 2024 Wi2021-asiel: the same export generated with another
    seed and size, so its rows differ from the first version."""
    from orchestration.synthetic.generator import generate

    paths = generate(tmp_path_factory.mktemp("corrected"), seed=7, scale=0.2, metingen=(ADDED,))
    (path,) = [p for p in paths if "wi2021_asiel" in p.name]
    return path


def test_waves_build_incrementally_and_match_a_full_refresh(generated, corrected_export, tmp_path):
    _, paths = generated
    first = [p for p in paths if f"_{FIRST}_" in p.name]
    added = [p for p in paths if f"_{ADDED}_" in p.name]
    assert first and added and len(first) + len(added) == len(paths)
    database, target, landing = tmp_path / "inc" / "inburgering.duckdb", tmp_path / "inc" / "target", tmp_path / "landing"

    # meting 2023 alone
    land_files(database, first, landing_dir=landing)
    dbt_build(database, target, PROJECT_DIR, *MODELS_ONLY)
    before = _watermarks(database)
    content_before = _content(database)
    assert {meting for _, meting in before} == {FIRST}
    assert all(len(stamps) == 1 for stamps in before.values())

    # 2024 lands; the incremental build (tests included: both waves are there now)
    land_files(database, added, landing_dir=landing)
    dbt_build(database, target, PROJECT_DIR)
    after = _watermarks(database)
    content_after = _content(database)
    for table in INCREMENTAL:
        # (b) 2023 was not rewritten: same watermark, same rows
        assert after[(table, FIRST)] == before[(table, FIRST)], table
        assert content_after[(table, FIRST)] == content_before[(table, FIRST)], table
        # the new meting was built by this later run
        assert after[(table, ADDED)][0] > before[(table, FIRST)][0], table
    # (a) the same as rebuilding everything from the same raw data
    reference = _full_refresh_of(database, tmp_path / "full-1")
    assert _content(reference) == content_after
    rebuilt = _watermarks(reference)
    assert all(rebuilt[key] > after[key] for key in after), "--full-refresh rewrote every meting"

    # (c) a corrected 2024 export replaces the current one: exactly 2024 is reprocessed
    (outcome,) = land_files(database, [corrected_export], replace=True, landing_dir=landing)
    assert outcome.status == "replaced"
    dbt_build(database, target, PROJECT_DIR)
    replaced = _watermarks(database)
    content_replaced = _content(database)
    for table in INCREMENTAL:
        assert replaced[(table, FIRST)] == before[(table, FIRST)], table
        assert replaced[(table, ADDED)][0] > after[(table, ADDED)][0], table
        assert content_replaced[(table, FIRST)] == content_before[(table, FIRST)], table
    assert content_replaced[("intermediate.int_answers", ADDED)] != content_after[("intermediate.int_answers", ADDED)]
    with duckdb.connect(str(database), read_only=True) as con:
        respondents = con.execute(
            "select count(*) from intermediate.int_respondents where meting = ? and questionnaire = 'Wi2021-asiel'",
            [ADDED]).fetchone()[0]
        exported = con.execute("select count(*) from raw.export_2024_wi2021_asiel").fetchone()[0]
    assert respondents == exported  # the old version's rows are gone, not added to
    assert _content(_full_refresh_of(database, tmp_path / "full-2")) == content_replaced


def test_refresh_metingen_var_rebuilds_a_meting_without_a_new_load(generated, tmp_path):
    """The override for changes the registry cannot see (a crosswalk fix in the seeds): the named
    meting is rewritten, the other is not; a run with nothing new rewrites nothing."""
    _, paths = generated
    database, target = tmp_path / "inburgering.duckdb", tmp_path / "target"
    land_files(database, paths, landing_dir=tmp_path / "landing")
    models = ("--select", "int_answers", "int_respondents", "fct_answer", "fct_open_answer", "+fct_respondent")
    dbt_build(database, target, PROJECT_DIR, *models, *MODELS_ONLY)
    built = _watermarks(database)

    dbt_build(database, target, PROJECT_DIR, *models, *MODELS_ONLY)
    assert _watermarks(database) == built, "nothing was loaded: nothing may be rewritten"

    dbt_build(database, target, PROJECT_DIR, *models, *MODELS_ONLY, "--vars", "{refresh_metingen: [2023]}")
    again = _watermarks(database)
    for table in INCREMENTAL:
        assert again[(table, ADDED)] == built[(table, ADDED)], table
        assert again[(table, FIRST)][0] > built[(table, FIRST)][0], table
