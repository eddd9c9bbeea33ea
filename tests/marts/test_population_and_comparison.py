"""Tabellen 2.9-2.12 (response vs population) and the meting-on-meting comparison, read from a
warehouse built by the real chain: generator -> landed exports -> `dbt build` -> DuckDB.

The warehouse is the session fixture `built_warehouse` of tests/conftest.py when it exists;
otherwise this module builds its own (generator, pyreadstat landing, dbt seed/run/test).
"""

from __future__ import annotations

import csv
import hashlib
import math
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import test_proportions_2indep as two_proportions_test

from orchestration.dbt_runner import run_dbt

PROJECT_DIR = Path(__file__).resolve().parents[2]
SEED = PROJECT_DIR / "seeds" / "population_margins.csv"
MODELS = ("mart_response_vs_population", "mart_meting_comparison")

# Tabel 2.9, "Totaal steekproef": the generator reproduces these exactly.
TABEL_2_9_SAMPLE = {"Wi2021-asiel": 2651, "Wi2021-gezin": 1768, "Wi2013-asiel": 416, "Wi2013-gezin": 271}
POPULATION_TABLES = {"T2.9": "group", "T2.10": "gender", "T2.11": "leerroute", "T2.12": "age_band"}
PRINTED_CATEGORY = {"Mannen": "man", "Vrouwen": "vrouw", "B1-route": "B1", "O-route": "O", "Z-route": "Z"}


# --------------------------------------------------------------------------- the warehouse

def _land_exports(database: Path, paths: list[Path]) -> None:
    """Land .sav exports as raw.export_<meting>_<questionnaire>, the way the loader does:
    codes as codes (user_missing=True), meting and questionnaire from the file's own notes."""
    import pyreadstat

    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    with duckdb.connect(str(database)) as con:
        con.execute("create schema if not exists raw")
        for path in sorted(paths):
            data, meta = pyreadstat.read_sav(str(path), user_missing=True)
            notes = dict(line.split("=", 1) for line in (meta.notes or []) if "=" in line)
            meting, questionnaire = int(notes["meting"].strip()), notes["questionnaire"].strip()
            data["_source_file"] = path.name
            data["_source_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            data["_loaded_at"] = loaded_at
            data["_meting"] = meting
            data["_questionnaire"] = questionnaire
            table = f"export_{meting}_{questionnaire.lower().replace('-', '_')}"
            con.register("landing_frame", data)
            con.execute(f'create or replace table raw."{table}" as select * from landing_frame')
            con.unregister("landing_frame")


def _dbt(command: str, *args: str, database: Path, target: Path) -> None:
    result = run_dbt(command, database, target, PROJECT_DIR, *args)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _own_warehouse(tmp_path_factory) -> Path:
    from orchestration.synthetic.generator import generate

    root = tmp_path_factory.mktemp("population_and_comparison")
    paths = generate(root / "landing", seed=2024)
    database = root / "inburgering.duckdb"
    _land_exports(database, paths)
    target = root / "target"
    _dbt("seed", database=database, target=target)
    _dbt("run", "--select", *(f"+{model}" for model in MODELS), database=database, target=target)
    # the tests of these marts and of their seed (upstream tests are other suites' business)
    _dbt("test", "--select", *MODELS, "population_margins", database=database, target=target)
    return database


@pytest.fixture(scope="module")
def warehouse(request, tmp_path_factory) -> Path:
    try:
        return request.getfixturevalue("built_warehouse")  # the shared session build (dbt build)
    except pytest.FixtureLookupError:
        return _own_warehouse(tmp_path_factory)


def _query(database: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql, params or []).df()


@pytest.fixture(scope="module")
def population(warehouse) -> pd.DataFrame:
    return _query(warehouse, "select * from marts.mart_response_vs_population")


@pytest.fixture(scope="module")
def comparison(warehouse) -> pd.DataFrame:
    return _query(warehouse, "select * from marts.mart_meting_comparison")


def _printed(value) -> float | None:
    """A printed cell of Tabellen 2.9-2.12 as the reference reads it ('<1' as LESS_THAN_ONE);
    'n.v.t.' is none."""
    from orchestration.reference import parse_value

    return parse_value(value)


def _reference_rows() -> list[dict]:
    """Tabellen 2.9-2.12 straight from report_tables.yaml (not via the seed)."""
    from orchestration.reference import tables

    rows = []
    for key, dimension in POPULATION_TABLES.items():
        for label, values in tables()[key].rows:
            group, _, category = (part.strip() for part in label.partition("|"))
            group = group.removesuffix("/overig")
            category = PRINTED_CATEGORY.get(category, category) if category else group
            rows.append({"dimension": dimension, "group_label": group, "category": category,
                         "population_count": _printed(values[0]), "population_pct": _printed(values[1]),
                         "sample_count": _printed(values[2]), "sample_pct": _printed(values[3])})
    return rows


def _printed_group_share(group: str) -> float:
    return next(row["sample_pct"] for row in _reference_rows()
                if row["dimension"] == "group" and row["group_label"] == group)


# --------------------------------------------------------------------------- Tabellen 2.9-2.12

def test_group_sample_counts_equal_tabel_2_9(population, warehouse):
    groups = population[(population["meting"] == 2024) & (population["dimension"] == "group")]
    counts = dict(zip(groups["group_label"], groups["sample_count"]))
    assert {group: counts[group] for group in TABEL_2_9_SAMPLE} == TABEL_2_9_SAMPLE
    printed = {row["group_label"]: row["sample_count"] for row in _reference_rows() if row["dimension"] == "group"}
    assert {group: printed[group] for group in TABEL_2_9_SAMPLE} == TABEL_2_9_SAMPLE
    # ... and they are fct_respondent's counts; the shares are over the four groups (5,106)
    facts = _query(warehouse, "select group_label, count(*) as n from marts.fct_respondent "
                              "where meting = 2024 group by 1")
    assert dict(zip(facts["group_label"], facts["n"])) == counts
    assert set(groups["sample_base"]) == {sum(TABEL_2_9_SAMPLE.values())}
    for group, count in TABEL_2_9_SAMPLE.items():
        share = groups.loc[groups["group_label"] == group, "sample_share_pct"].item()
        assert share == pytest.approx(100 * count / 5106)
        assert round(share) == _printed_group_share(group)
    onbekend = groups[groups["group_label"] == "Wi2013-onbekend"].iloc[0]
    assert pd.isna(onbekend["sample_share_pct"]) and onbekend["note"].startswith("not comparable")


def test_within_group_sample_shares_match_the_printed_ones(population):
    """Tabellen 2.10-2.12: the warehouse's share within the group lies within 3 standard
    errors (of the printed share, at the warehouse's N) + 0.5 point rounding of the print."""
    rows = population[(population["meting"] == 2024) & (population["dimension"] != "group")
                      & population["sample_pct_printed"].notna()]
    assert len(rows) == 30  # 8 gender + 6 leerroute + 16 age-band rows
    outside = []
    for row in rows.itertuples():
        p = row.sample_pct_printed / 100
        se = 100 * math.sqrt(p * (1 - p) / row.sample_base)
        if abs(row.sample_share_pct - row.sample_pct_printed) > 3 * se + 0.5:
            outside.append((row.dimension, row.group_label, row.category, row.sample_pct_printed,
                            round(row.sample_share_pct, 1)))
    assert not outside, outside
    # shares within a group add up to 100
    totals = rows.groupby(["dimension", "group_label"])["sample_share_pct"].sum()
    assert totals.to_numpy() == pytest.approx(100.0)


def test_population_columns_equal_the_seed_and_the_report(population):
    with SEED.open(encoding="utf-8") as handle:
        seed = pd.DataFrame(list(csv.DictReader(handle)))
    assert len(seed) == 35 and set(seed["meting"]) == {"2024"}
    key = ["dimension", "group_label", "category"]
    merged = seed.merge(population[population["meting"] == 2024], on=key, how="left", validate="1:1")
    assert merged["population_count_y"].notna().all()
    assert (merged["population_count_x"].astype(int) == merged["population_count_y"]).all()
    assert (merged["population_pct_printed_x"].astype(float) == merged["population_pct_printed_y"]).all()
    printed = merged["sample_count_printed_x"].mask(merged["sample_count_printed_x"] == "")
    assert printed.isna().equals(merged["sample_count_printed_y"].isna())
    assert (printed.dropna().astype(int) == merged["sample_count_printed_y"].dropna()).all()
    # the seed is the report: every printed cell of Tabellen 2.9-2.12 ('<1' as reference.LESS_THAN_ONE)
    reference = pd.DataFrame(_reference_rows())
    both = reference.merge(population[population["meting"] == 2024], on=key, how="left", validate="1:1")
    assert len(both) == len(seed)
    assert (both["population_count_x"] == both["population_count_y"]).all()
    assert (both["population_pct"] == both["population_pct_printed"]).all()
    # shares recomputed from the counts: Tabel 2.9 of the total (64,594), the others within group
    groups = population[(population["meting"] == 2024) & (population["dimension"] == "group")]
    assert set(groups["population_base"]) == {64594}
    within = population[(population["meting"] == 2024) & (population["dimension"] != "group")
                        & population["population_count"].notna()]
    bases = within.groupby(["dimension", "group_label"])["population_count"].transform("sum")
    assert (within["population_share_pct"] - 100 * within["population_count"] / bases).abs().max() < 1e-9
    assert ((within["share_difference_points"] - (within["sample_share_pct"] - within["population_share_pct"]))
            .abs().max() < 1e-9)


def test_2023_has_the_sample_side_without_population(population):
    rows = population[population["meting"] == 2023]
    assert len(rows) > 0
    assert rows["population_count"].isna().all() and rows["population_share_pct"].isna().all()
    assert rows["sample_count"].notna().all()
    assert rows["note"].str.startswith("no population margins for meting 2023").all()
    asiel_routes = rows[(rows["dimension"] == "leerroute") & (rows["group_label"] == "Wi2021-asiel")]
    assert asiel_routes["sample_share_pct"].sum() == pytest.approx(100.0)


# --------------------------------------------------------------------------- meting comparison

def _groups(comparison: pd.DataFrame) -> pd.DataFrame:
    """The single answers per type inburgeraar: the comparison as the report's group tables print it."""
    return comparison[(comparison["breakdown"] == "group") & (comparison["category_kind"] == "single")]


def test_question_asked_in_both_metingen_has_both_sides(comparison, warehouse):
    rows = _groups(comparison)
    rows = rows[(rows["question_id"] == "goal_prepared_for_job") & rows["group_label"].isin(TABEL_2_9_SAMPLE)]
    assert set(rows["group_label"]) == set(TABEL_2_9_SAMPLE)
    assert set(zip(rows["previous_meting"], rows["meting"])) == {(2023, 2024)}
    assert rows["is_comparable"].all() and rows["comparison_note"].isna().all()
    assert (rows["base_n_previous"] > 0).all() and (rows["base_n_current"] > 0).all()
    assert set(rows["percentage_base"]) == {"valid"}
    for _, group in rows.groupby("group_label"):
        assert group["pct_previous"].sum() == pytest.approx(100.0)
        assert group["pct_current"].sum() == pytest.approx(100.0)
    # the percentages recomputed from the answers themselves (fct_answer, not the marts' shares)
    recomputed = _query(warehouse, """
        with counted as (
            select meting, group_label, harmonised_code, count(*) as n
            from marts.fct_answer
            where question_id = 'goal_prepared_for_job' and answer_status = 'valid'
            group by meting, group_label, harmonised_code
        )
        select meting, group_label, harmonised_code,
               100.0 * n / sum(n) over (partition by meting, group_label) as pct
        from counted""")
    assert len(recomputed) >= 2 * 4 * 5
    for row in recomputed.itertuples():
        match = rows[(rows["group_label"] == row.group_label) & (rows["harmonised_code"] == row.harmonised_code)]
        if match.empty:
            continue
        column = "pct_previous" if row.meting == 2023 else "pct_current"
        assert match[column].item() == pytest.approx(row.pct)


def test_question_asked_in_2024_only_has_its_note(comparison):
    rows = _groups(comparison)
    health = rows[rows["question_id"] == "health_self_rated"]
    assert set(health["group_label"]) >= set(TABEL_2_9_SAMPLE)
    assert (health["comparison_note"] == "asked in 2024 only").all()
    assert health["pct_previous"].isna().all() and health["base_n_previous"].isna().all()
    assert health["pct_current"].notna().all() and not health["is_comparable"].any()
    assert health["difference_points"].isna().all() and health["meaningful_difference"].isna().all()
    # the other side of the coin, and a question the 2023 wave put to one group only
    dropped = rows[rows["question_id"] == "work_current_2023"]
    assert len(dropped) and (dropped["comparison_note"] == "asked in 2023 only").all()
    assert dropped["pct_current"].isna().all() and dropped["pct_previous"].notna().all()
    gezin = rows[(rows["question_id"] == "municipality_explained_integration")
                 & (rows["group_label"] == "Wi2021-gezin")]
    assert len(gezin) and (gezin["comparison_note"] == "not asked to this group in 2023").all()


def test_eight_point_flag_and_interval_follow_from_the_numbers(comparison):
    rows = comparison[comparison["is_comparable"]]
    assert len(rows) > 1000
    p1, p2 = rows["pct_previous"] / 100, rows["pct_current"] / 100
    n1, n2 = rows["base_n_previous"], rows["base_n_current"]
    difference = rows["pct_current"] - rows["pct_previous"]
    # the unweighted interval is the Wald interval of two independent proportions
    se = 100 * ((p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2) ** 0.5)
    assert (rows["difference_points"] - difference).abs().max() < 1e-9
    assert (rows["ci95_lower_points"] - (difference - 1.96 * se)).abs().max() < 1e-9
    assert (rows["ci95_upper_points"] - (difference + 1.96 * se)).abs().max() < 1e-9
    assert (rows["meaningful_difference"] == (difference.round(9).abs() >= 8)).all()
    assert (rows["significant_at_95"] == ((rows["ci95_lower_points"] > 0) | (rows["ci95_upper_points"] < 0))).all()
    assert (rows["emphasised"] == (rows["meaningful_difference"] & rows["significant_at_95"])).all()
    # ... and the same verdict as statsmodels' Wald test of two independent proportions
    tested = rows[se > 0]
    with np.errstate(divide="ignore"):  # it reports the odds ratio too, which divides by zero at 100 %
        results = [two_proportions_test(int(r.respondents_current), int(r.base_n_current),
                                        int(r.respondents_previous), int(r.base_n_previous), method="wald",
                                        compare="diff")
                   for r in tested.itertuples(index=False)]
    assert len(tested) > 1000
    assert (tested["significant_at_95"] == [result.pvalue < 0.05 for result in results]).all()
    assert max(abs(100 * result.diff - d) for result, d in zip(results, tested["difference_points"])) < 1e-9
    weighted = rows[rows["difference_points_weighted"].notna()]
    assert len(weighted) > 1000  # both metingen are weighted on the demo exports
    assert (weighted["emphasised_weighted"]
            == (weighted["meaningful_difference_weighted"] & weighted["significant_at_95_weighted"])).all()
    # every outcome occurs, so the checks above are not vacuous
    for flag in ("meaningful_difference", "significant_at_95", "emphasised", "emphasised_weighted"):
        assert rows[flag].any() and not rows[flag].all(), flag
    # a meaningful difference that is not significant exists, so emphasis is more than the 8 points
    assert (rows["meaningful_difference"] & ~rows["significant_at_95"]).any()
    assert comparison["pct_previous"].dropna().between(0, 100).all()
    assert comparison["pct_current"].dropna().between(0, 100).all()


# Tabel 2.2 (2024, "Dat weet ik niet" in the base) and its text (lines 1227-1229, the 2023
# figures), typed from the report: receives a benefit ("Ja"), per group, in percent.
UITKERING_2024 = {"Wi2021-asiel": 77, "Wi2021-gezin": 6, "Wi2013-asiel": 58, "Wi2013-gezin": 17}
UITKERING_2023 = {"Wi2021-asiel": 81, "Wi2013-asiel": 66}
WEET_NIET_2024 = {"Wi2021-asiel": 5, "Wi2021-gezin": 5, "Wi2013-asiel": 4, "Wi2013-gezin": 2}


def _within_sampling_error(estimate: float, printed: float, se_points: float) -> bool:
    """A printed integer percentage against an estimate on synthetic data: two standard errors of
    sampling plus half a point of the report's rounding."""
    return abs(estimate - printed) <= 2 * se_points + 0.5


def test_uitkering_reproduces_tabel_2_2_with_the_reports_base(comparison):
    rows = _groups(comparison)
    benefit = rows[rows["question_id"] == "benefit"].set_index(["group_label", "category_id"])
    assert set(benefit["percentage_base"]) == {"valid_and_dont_know"}
    for group, printed in UITKERING_2024.items():
        row = benefit.loc[(group, "1")]  # 1 = Ja
        assert _within_sampling_error(row["pct_current"], printed, row["se_points_current"]), (group, row["pct_current"])
        dont_know = benefit.loc[(group, "4")]  # "Dat weet ik niet" is a row of the table, in the base
        assert dont_know["answer_status"] == "dont_know"
        assert _within_sampling_error(dont_know["pct_current"], WEET_NIET_2024[group], dont_know["se_points_current"])
    for group, printed in UITKERING_2023.items():
        row = benefit.loc[(group, "1")]
        assert _within_sampling_error(row["pct_previous"], printed, row["se_points_previous"]), group
    # the report's 66 -> 58 for Wi2013-asiel is a meaningful drop; 81 -> 77 for Wi2021-asiel is not
    asiel_2013 = benefit.loc[("Wi2013-asiel", "1")]
    assert asiel_2013["difference_points"] == pytest.approx(57.8 - 65.9, abs=0.1)
    assert asiel_2013["meaningful_difference"]
    assert not benefit.loc[("Wi2021-asiel", "1"), "meaningful_difference"]
    # over valid answers only (the old base) the same drop was 68.2 -> 60.6, under 8 points: the
    # base decides the verdict; mart_route_cohort still has pct_valid for that reading
    for group in UITKERING_2024:
        column = benefit.xs(group, level="group_label")
        assert column["pct_current"].sum() == pytest.approx(100.0)


def test_combined_category_carries_the_eight_point_rule(comparison):
    rows = comparison[(comparison["question_id"] == "work_language_combination")
                      & (comparison["breakdown"] == "group") & (comparison["group_label"] == "Wi2021-asiel")]
    rows = rows.set_index("category_id")
    agree = rows.loc["agree"]
    assert agree["category_kind"] == "combined" and list(agree["harmonised_codes"]) == [4, 5]
    assert agree["answer_label_nl"] == "(Zeer) eens"
    assert agree["pct_previous"] == pytest.approx(63.1, abs=0.05)
    assert agree["pct_current"] == pytest.approx(54.7, abs=0.05)
    assert agree["meaningful_difference"] and agree["emphasised"]
    assert agree["pct_current"] == pytest.approx(rows.loc["4", "pct_current"] + rows.loc["5", "pct_current"])
    # the separate categories move less than 8 points each
    assert not rows.loc["4", "meaningful_difference"] and not rows.loc["5", "meaningful_difference"]


def test_unknown_leerroute_is_a_subgroup_not_a_gap(comparison, warehouse):
    rows = comparison[(comparison["question_id"] == "goal_prepared_for_job") & (comparison["category_id"] == "5")]
    routes = rows[(rows["breakdown"] == "group_x_leerroute") & (rows["group_label"] == "Wi2021-asiel")]
    assert set(routes["leerroute"]) == {"B1", "O", "Z", "onbekend"}
    assert routes["cohort"].isna().all() and routes["gender"].isna().all()
    group = rows[(rows["breakdown"] == "group") & (rows["group_label"] == "Wi2021-asiel")]
    # nothing dropped: the routes, 'onbekend' included, add up to the group
    assert routes["base_n_current"].sum() == group["base_n_current"].item()
    assert routes["base_n_previous"].sum() == group["base_n_previous"].item()
    unknown = _query(warehouse, """
        select count(*) as n from marts.fct_answer as a
        join marts.fct_respondent as r using (respondent_key)
        where a.question_id = 'goal_prepared_for_job' and a.answer_status = 'valid'
          and r.meting = 2024 and r.group_label = 'Wi2021-asiel' and r.leerroute is null""")
    assert routes.set_index("leerroute").loc["onbekend", "base_n_current"] == unknown["n"].item() > 0
