"""The analysts' snapshot on the real pipeline (generated exports, real loader, real dbt, real
DuckDB files): no respondent-wave can be singled out by its quasi-identifiers, a planted rare
respondent cannot be found, the warehouse keeps the detail, the free text stays out unless asked
for, the files are private, and the README's SQL still runs on the snapshot."""

from __future__ import annotations

import csv
import hashlib
import re
import stat
from pathlib import Path

import duckdb
import pytest

from orchestration.config import PROJECT_DIR
from orchestration.publish.snapshot import SnapshotError, publish

pytestmark = [pytest.mark.integration, pytest.mark.slow]

K = 5
# Typed by hand from the privacy requirements and the seed's review, not read from the seed: dropping one from
# the seed must fail this test, not silently shrink it.
RESPONDENT_QUASI_IDENTIFIERS = ["meting", "group_label", "interview_month", "questionnaire_language", "region",
                                "cohort", "age_band", "leerroute", "gender"]
DETAIL_COLUMNS = ["municipality", "age", "pip_received_date"]
COUNTRY = "country_of_origin"


def _combinations(snapshot: Path) -> list[tuple]:
    """Respondent-waves per combination of the quasi-identifiers as an analyst sees them."""
    keys = ", ".join(f"f.{column}" for column in RESPONDENT_QUASI_IDENTIFIERS)
    with duckdb.connect(str(snapshot), read_only=True) as con:
        return con.execute(f"""
            select {keys}, a.country, f.suppressed_quasi_identifiers, count(*) as n
            from marts.fct_respondent f
            left join (select respondent_key, max(harmonised_code) filter (where answer_status = 'valid') as country
                       from marts.fct_answer where question_id = '{COUNTRY}' group by respondent_key) a
                on f.respondent_key = a.respondent_key
            group by all""").fetchall()


def test_seed_declares_at_least_the_reviewed_quasi_identifiers():
    with (PROJECT_DIR / "seeds" / "privacy" / "snapshot_quasi_identifiers.csv").open(encoding="utf-8") as handle:
        declared = {row["quasi_identifier"] for row in csv.DictReader(handle)}
    assert set(RESPONDENT_QUASI_IDENTIFIERS) | {COUNTRY} <= declared


@pytest.fixture(scope="module")
def published(built_warehouse, tmp_path_factory):
    """One snapshot of an unchanged copy of the session's warehouse, for the tests that only read
    the two: (warehouse, snapshot file, what publish returned)."""
    from orchestration.bench.runner import copy_database

    root = tmp_path_factory.mktemp("published")
    warehouse = copy_database(built_warehouse, root / "warehouse")
    target = root / "published" / "inburgering.duckdb"
    return warehouse, target, publish(warehouse, target)


def test_no_combination_of_quasi_identifiers_is_under_k(published):
    warehouse, target, snapshot = published
    combinations = _combinations(target)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        respondents = con.execute("select count(*) from marts.fct_respondent").fetchone()[0]
    with duckdb.connect(str(target), read_only=True) as con:
        reported = con.execute("select distinct k_required, k_reached, respondent_waves from snapshot_privacy").fetchall()
        columns = {row[0] for row in con.execute("select column_name from information_schema.columns "
                                                 "where table_name = 'fct_respondent'").fetchall()}
    smallest = min(n for *_, n in combinations)

    assert sum(n for *_, n in combinations) == respondents > 0, "every respondent-wave is in the snapshot"
    assert smallest >= K
    assert reported == [(K, smallest, respondents)]
    assert snapshot.privacy.k_reached == smallest and snapshot.privacy.unique_detail > 0
    assert not set(DETAIL_COLUMNS) & columns and "region" in columns
    print(f"\n{respondents} respondent-waves; before: {snapshot.privacy.unique_detail} unique, "
          f"{snapshot.privacy.under_k_detail} under {K} on the warehouse's detail; after coarsening "
          f"{snapshot.privacy.unique_coarsened} unique, {snapshot.privacy.under_k_coarsened} under {K}; "
          f"{snapshot.privacy.values_coarsened} values coarsened {snapshot.privacy.coarsened}, "
          f"{snapshot.privacy.values_suppressed} suppressed {snapshot.privacy.suppressed} in "
          f"{snapshot.privacy.records_with_suppression} records; {len(combinations)} combinations, smallest {smallest}")


def _plant(warehouse: Path) -> dict:
    """One respondent of 2024 Wi2021-asiel moved to Vlieland (about 1,100 inhabitants) and given
    Yemen as country of origin, which no one else of 2024 has (the others become 'Anders'):
    unique in the warehouse on any account."""
    with duckdb.connect(str(warehouse)) as con:
        key = con.execute("select min(respondent_key) from marts.fct_respondent "
                          "where meting = 2024 and group_label = 'Wi2021-asiel'").fetchone()[0]
        con.execute("update marts.fct_answer set harmonised_code = 9 where question_id = ? and meting = 2024 "
                    "and harmonised_code = 7", [COUNTRY])
        con.execute("update marts.fct_respondent set municipality = 'Vlieland' where respondent_key = ?", [key])
        con.execute("update marts.fct_answer set harmonised_code = 7, answer_status = 'valid' "
                    "where respondent_key = ? and question_id = ?", [key, COUNTRY])
        con.execute("insert into marts.fct_answer by name select ? as respondent_key, 2024 as meting, "
                    "'Wi2021-asiel' as group_label, ? as question_id, 7 as harmonised_code, 'valid' as answer_status "
                    "where not exists (select 1 from marts.fct_answer where respondent_key = ? and question_id = ?)",
                    [key, COUNTRY, key, COUNTRY])
        truth = con.execute(f"select {', '.join(RESPONDENT_QUASI_IDENTIFIERS[:4])}, cohort, age_band, leerroute, "
                            "gender from marts.fct_respondent where respondent_key = ?", [key]).fetchone()
        yemen = con.execute("select count(*) from marts.fct_answer where question_id = ? and harmonised_code = 7 "
                            "and meting = 2024", [COUNTRY]).fetchone()[0]
    names = ["meting", "group_label", "interview_month", "questionnaire_language", "cohort", "age_band",
             "leerroute", "gender"]
    return {"key": key, "truth": dict(zip(names, truth)), "yemen": yemen}


def test_a_planted_rare_respondent_cannot_be_singled_out(warehouse, target):
    planted = _plant(warehouse)
    truth = planted["truth"]
    publish(warehouse, target)

    # The attacker knows everything about them: Vlieland lies in Fryslân, Yemen (7) may have
    # become 'Anders' (9); a suppressed value (NULL, named in suppressed_quasi_identifiers) fits anyone.
    def fits(column: str, values: list) -> str:
        return (f"(f.{column} is not distinct from ? or f.{column} in (select unnest(?)) "
                f"or list_contains(string_split(coalesce(f.suppressed_quasi_identifiers, ''), ', '), '{column}'))")

    conditions = [fits(column, [value]) for column, value in truth.items() if column not in ("meting", "group_label")]
    parameters = [item for column, value in truth.items() if column not in ("meting", "group_label")
                  for item in (value, [value])]
    with duckdb.connect(str(target), read_only=True) as con:
        candidates = con.execute(f"""
            select count(*) from marts.fct_respondent f
            left join marts.fct_answer a on a.respondent_key = f.respondent_key and a.question_id = '{COUNTRY}'
            where f.meting = 2024 and f.group_label = 'Wi2021-asiel'
              and {' and '.join(conditions)}
              and (f.region = 'Fryslân' or list_contains(string_split(coalesce(f.suppressed_quasi_identifiers, ''),
                   ', '), 'region'))
              and (a.harmonised_code in (7, 9) or a.answer_status = 'suppressed')""", parameters).fetchone()[0]
        planted_row = con.execute("select region, suppressed_quasi_identifiers from marts.fct_respondent "
                                  "where respondent_key = ?", [planted["key"]]).fetchone()
        yemen_left = con.execute("select count(*) from marts.fct_answer where question_id = ? "
                                 "and harmonised_code = 7 and meting = 2024", [COUNTRY]).fetchone()[0]
        vlieland = con.execute("select count(*) from information_schema.columns where column_name = 'municipality' "
                               "and table_name in ('fct_respondent', 'fct_answer')").fetchone()[0]

    assert candidates >= K, f"only {candidates} records fit the planted respondent"
    assert vlieland == 0
    assert planted_row[0] is None or candidates >= K
    assert planted["yemen"] == 1 and yemen_left == 0, "a country of one respondent is published as 'Anders'"
    print(f"\nplanted respondent: {candidates} snapshot records fit what an attacker knows; released as "
          f"region={planted_row[0]!r}, suppressed: {planted_row[1]}; Yemen in 2024: {planted['yemen']} in the "
          f"warehouse, {yemen_left} in the snapshot")


def test_the_warehouse_keeps_the_detail(warehouse, target):
    planted = _plant(warehouse)
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    publish(warehouse, target)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("select municipality, age, region is null from (select *, null as region "
                          "from marts.fct_respondent) where respondent_key = ?", [planted["key"]]).fetchone()
        country = con.execute("select harmonised_code from marts.fct_answer where respondent_key = ? "
                              "and question_id = ?", [planted["key"], COUNTRY]).fetchone()[0]
        suppressed = con.execute("select count(*) from marts.fct_answer where answer_status = 'suppressed'").fetchone()[0]
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before, "publishing must not write the warehouse"
    assert row[0] == "Vlieland" and row[1] is not None and country == 7 and suppressed == 0


def test_free_text_only_on_request_and_then_with_its_scrub_status(warehouse, target, monkeypatch):
    monkeypatch.delenv("INBURGERING_SNAPSHOT_OPEN_ANSWERS", raising=False)
    publish(warehouse, target)
    with duckdb.connect(str(target), read_only=True) as con:
        tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
        excluded = con.execute("select item from snapshot_privacy where kind = 'table_excluded' "
                               "order by item").fetchall()
    assert "fct_open_answer" not in tables and excluded == [("marts.dim_respondent",), ("marts.fct_open_answer",)]

    monkeypatch.setenv("INBURGERING_SNAPSHOT_OPEN_ANSWERS", "1")
    publish(warehouse, target)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = con.execute("select count(*), count(*) filter (where regexp_matches(answer_text, "
                               "'\\[(e-mail|iban|telefoon|nummer)\\]')) from marts.fct_open_answer").fetchone()
    with duckdb.connect(str(target), read_only=True) as con:
        statuses = dict(con.execute("select scrub_status, count(*) from marts.fct_open_answer group by 1").fetchall())
        leaked = con.execute("select count(*) from marts.fct_open_answer o join marts.fct_respondent f "
                             "using (respondent_key) where o.questionnaire_language is distinct from "
                             "f.questionnaire_language").fetchone()[0]
    assert expected[0] > 0 and sum(statuses.values()) == expected[0]
    assert statuses.get("contact_details_removed", 0) == expected[1]
    assert set(statuses) <= {"contact_details_removed", "no_contact_details_found"}
    assert leaked == 0, "a language suppressed in fct_respondent must not survive in the free text"


def test_a_group_smaller_than_k_is_left_out_of_the_snapshot_and_named(warehouse, target, monkeypatch):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sizes = dict(con.execute("select meting || ' / ' || group_label, count(*) from marts.fct_respondent "
                                 "group by all").fetchall())
    smallest = min(sizes, key=sizes.get)
    monkeypatch.setenv("INBURGERING_SNAPSHOT_K", str(sizes[smallest] + 1))
    publish(warehouse, target)
    with duckdb.connect(str(target), read_only=True) as con:
        published = dict(con.execute("select meting || ' / ' || group_label, count(*) from marts.fct_respondent "
                                     "group by all").fetchall())
        reported = con.execute("select item, rows_left_out from main.snapshot_privacy "
                               "where kind = 'group_left_out'").fetchall()
    assert smallest not in published and set(published) == set(sizes) - {smallest}
    assert (smallest, sizes[smallest]) in reported


def test_a_snapshot_that_does_not_reach_k_is_refused_and_the_previous_one_stays(warehouse, target, monkeypatch):
    publish(warehouse, target)
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    # suppression switched off: the coarsened combinations alone stay under k
    monkeypatch.setattr("orchestration.privacy.snapshot_privacy._suppress", lambda keys, *args: keys)
    with pytest.raises(SnapshotError, match=r"shared by only \d+ respondent-waves.*previously published snapshot stays"):
        publish(warehouse, target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    assert [path.name for path in target.parent.iterdir()] == [target.name]


def test_a_new_record_level_table_without_a_rule_is_refused(warehouse, target):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table marts.fct_new as select respondent_key, municipality from marts.fct_respondent")
    with pytest.raises(SnapshotError, match=r"marts.fct_new: record-level \(respondent_key\) without a rule"):
        publish(warehouse, target)
    assert not target.exists()


def test_a_person_keyed_table_is_record_level_and_dim_respondent_stays_out(warehouse, target):
    publish(warehouse, target)
    with duckdb.connect(str(target), read_only=True) as con:
        tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
        person_keys = con.execute("select count(*) from information_schema.columns "
                                  "where column_name = 'person_key'").fetchone()[0]
        treatment = con.execute("select treatment from snapshot_privacy where item = 'marts.dim_respondent'").fetchall()
    with duckdb.connect(str(warehouse)) as con:
        persons = con.execute("select count(*) from marts.dim_respondent").fetchone()[0]
        # no respondent_key: only person_key makes it record-level
        con.execute("create table marts.dim_panel as select person_key, meting_count from marts.dim_respondent")
    assert "dim_respondent" not in tables and person_keys == 0 and persons > 0
    assert treatment == [("record-level (person_key): left out, the warehouse keeps it",)]
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    with pytest.raises(SnapshotError, match=r"marts.dim_panel: record-level \(person_key\) without a rule"):
        publish(warehouse, target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before


def test_aggregate_lines_under_k_are_left_out_of_the_snapshot_and_kept_in_the_warehouse(published):
    """A line of mart_route_cohort (meting x question x subgroup) with fewer than 5 respondents
    would hand over their answers; the snapshot leaves its rows out, the warehouse keeps them."""
    warehouse, target, _ = published
    line = "meting, question_id, breakdown, breakdown_value"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0]
                for t in ("mart_route_cohort", "mart_answer_shares")}
        small = {"mart_route_cohort": con.execute(
                     "select count(*) from marts.mart_route_cohort where base_n < 5 or answered_n < 5").fetchone()[0],
                 "mart_answer_shares": con.execute(
                     "select count(*) from marts.mart_answer_shares where base_n < 5").fetchone()[0]}
        # the smallest line of all: one respondent, with their answer
        single = con.execute(f"select {line}, harmonised_code, answer_status from marts.mart_route_cohort "
                             "where answered_n = 1 order by all limit 1").fetchone()
    with duckdb.connect(str(target), read_only=True) as con:
        kept = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0] for t in rows}
        smallest = con.execute("select min(least(base_n, answered_n)), min(answered_n) "
                               "from marts.mart_route_cohort").fetchone()
        smallest_shares = con.execute("select min(base_n) from marts.mart_answer_shares").fetchone()[0]
        single_there = con.execute(f"select count(*) from marts.mart_route_cohort where ({line}) = (?, ?, ?, ?)",
                                   list(single[:4])).fetchone()[0]
        reported = dict(con.execute("select item, rows_left_out from snapshot_privacy "
                                    "where kind = 'small_cells'").fetchall())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        single_kept = con.execute(f"select harmonised_code, answer_status from marts.mart_route_cohort "
                                  f"where ({line}) = (?, ?, ?, ?)", list(single[:4])).fetchall()

    assert single is not None and single_there == 0 and single_kept == [tuple(single[4:])]
    assert small["mart_route_cohort"] > 0
    assert all(rows[t] - kept[t] >= small[t] for t in rows)
    assert smallest[0] >= K and smallest[1] >= K and (smallest_shares is None or smallest_shares >= K)
    assert reported["marts.mart_route_cohort"] == rows["mart_route_cohort"] - kept["mart_route_cohort"]
    assert reported["marts.mart_answer_shares"] == rows["mart_answer_shares"] - kept["mart_answer_shares"]
    print(f"\naggregate rows left out: {reported}")


# A breakdown line and, typed by hand, the finer breakdown whose lines add up to it.
COMPLEMENTS = [("group", "group_x_gender", ["group_label"]), ("gender", "group_x_gender", ["gender"]),
               ("leerroute", "leerroute_x_cohort", ["leerroute"]), ("cohort", "leerroute_x_cohort", ["cohort"]),
               ("total", "age_band", []), ("total", "gender", []), ("total", "group", [])]


def test_a_left_out_line_cannot_be_recomputed_from_the_lines_printed_beside_it(published):
    """The 'anders' of one group left out, its group's line minus the printed genders would give
    them back: the printed lines of a breakdown leave out none or at least k respondents of the
    coarser line they add up to, in base_n and in answered_n."""
    warehouse, target, _ = published
    recoverable = {}
    with duckdb.connect(str(target), read_only=True) as con:
        con.execute(f"attach '{warehouse}' as wh (read_only)")
        for count in ("base_n", "answered_n"):
            for coarse, fine, by in COMPLEMENTS:
                keys = ", ".join(["meting", "question_id", *by])
                recoverable[(count, fine, coarse)] = con.execute(f"""
                    with coarse as (select distinct {keys}, {count} as n from wh.marts.mart_route_cohort
                                    where breakdown = '{coarse}'),
                         printed as (select {keys}, sum(n) as n from (
                                        select distinct {keys}, breakdown_value, {count} as n
                                        from marts.mart_route_cohort where breakdown = '{fine}') group by all)
                    select count(*) from coarse left join printed using ({keys})
                    where coarse.n - coalesce(printed.n, 0) between 1 and {K - 1}""").fetchone()[0]
        hidden = con.execute("select count(*) from (select distinct meting, question_id, breakdown_value "
                             "from wh.marts.mart_route_cohort where breakdown = 'group_x_gender' except "
                             "select distinct meting, question_id, breakdown_value from marts.mart_route_cohort "
                             "where breakdown = 'group_x_gender')").fetchone()[0]
    assert hidden > 0
    assert recoverable == dict.fromkeys(recoverable, 0), recoverable


def test_a_new_aggregate_without_a_rule_stops_the_publish(warehouse, target):
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create table marts.mart_gender_health as select meting, gender, health_self_rated_code, "
                    "count(*) as respondents from marts.fct_respondent group by all")
        # no count-like column: nothing per respondent to hide, copied without a rule
        con.execute("create table marts.mart_metingen as select distinct meting from marts.fct_respondent")
    with pytest.raises(SnapshotError, match=r"marts.mart_gender_health: an aggregate with count-like columns "
                                            r"\(respondents\) without a rule"):
        publish(warehouse, target)
    assert not target.exists()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.mart_gender_health")
    publish(warehouse, target)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.execute("select count(*) from marts.mart_metingen").fetchone()[0] == 2


def test_warehouse_and_snapshot_are_private(full_build, tmp_path, published):
    """The warehouse `inburgering build` wrote, one the project's connect() created and the
    snapshot. (Not the suite's copies of the warehouse: their mode is the test process's umask.)"""
    from orchestration.warehouse import connect

    _, target, _ = published
    fresh = tmp_path / "fresh" / "inburgering.duckdb"
    with connect(fresh) as con:
        con.execute("create table t as select 1 as x")
    modes = {name: stat.S_IMODE(path.stat().st_mode) for name, path in
             [("built", Path(full_build["duckdb"])), ("fresh", fresh), ("snapshot", target)]}
    assert modes["built"] & 0o027 == 0 and modes["fresh"] & 0o027 == 0, modes
    assert modes["snapshot"] == 0o440, oct(modes["snapshot"])


def _readme_sql() -> list[str]:
    text = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", text, flags=re.S)


def test_the_readme_examples_run_on_the_snapshot(warehouse, target, tmp_path, monkeypatch):
    from dagster import materialize

    from orchestration.assets.analysis import regressions
    from orchestration.resources import WarehouseResource

    monkeypatch.setenv("INBURGERING_OUTPUTS_DIR", str(tmp_path / "outputs"))
    resource = WarehouseResource(duckdb_path=str(warehouse), landing_dir=str(tmp_path / "landing"))
    assert materialize([regressions], resources={"warehouse": resource}).success
    publish(warehouse, target)
    examples = _readme_sql()
    assert len(examples) >= 4
    with duckdb.connect(str(target), read_only=True) as con:
        for sql in examples:
            assert con.execute(sql).fetchall(), f"no rows from the README's example:\n{sql}"
