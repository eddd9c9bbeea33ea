"""The weights as the real chain builds them (generator -> landing -> dbt, with the dbt Python
model int_respondent_weights): the report's own warning, Z-route under-represented among
Wi2021-asiel respondents, is what raking corrects."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

SEED = Path(__file__).resolve().parents[2] / "seeds" / "population_margins.csv"


def _population_share(group: str, dimension: str, category: str) -> float:
    rows = [row for row in csv.DictReader(SEED.open(encoding="utf-8"))
            if row["meting"] == "2024" and row["group_label"] == group and row["dimension"] == dimension]
    total = sum(int(row["population_count"]) for row in rows)
    return next(int(row["population_count"]) for row in rows if row["category"] == category) / total


@pytest.fixture(scope="module")
def con(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        yield connection


def test_raking_brings_the_z_route_to_its_population_share(con):
    unweighted, weighted = con.execute("""
        select count(*) filter (where leerroute = 'Z') / count(*),
               sum(weight) filter (where leerroute = 'Z') / sum(weight)
        from marts.fct_respondent
        where meting = 2024 and group_label = 'Wi2021-asiel' and leerroute is not null
    """).fetchone()
    population = _population_share("Wi2021-asiel", "leerroute", "Z")
    assert unweighted < population - 0.1  # the sample's bias the report warns about
    assert weighted == pytest.approx(population, abs=1e-6)


def test_every_respondent_of_a_weighted_meting_has_a_positive_weight(con):
    rows = con.execute("""
        select meting, count(*), count(weight), min(weight), sum(weight)
        from marts.fct_respondent group by meting order by meting
    """).fetchall()
    population = sum(int(row["population_count"]) for row in csv.DictReader(SEED.open(encoding="utf-8"))
                     if row["meting"] == "2024" and row["dimension"] == "group")
    assert [row[0] for row in rows] == [2023, 2024]
    for _meting, respondents, weighted, smallest, total in rows:
        assert weighted == respondents and smallest > 0
        assert total == pytest.approx(population)


def test_design_effects_are_reported_per_group(con):
    rows = con.execute("""
        select group_label, design_effect, effective_sample_size, respondents
        from marts.mart_weighting_summary where meting = 2024
    """).fetchall()
    assert len(rows) == 5
    for _group, deff, effective, respondents in rows:
        assert deff >= 1.0 and effective == pytest.approx(respondents / deff)
    deff = dict((group, deff) for group, deff, _, _ in rows)
    # Kish's design effect is 1 + CV^2 of the weights (population variance), per group
    weights = con.execute("select group_label, weight from marts.fct_respondent where meting = 2024").df()
    for group, part in weights.groupby("group_label"):
        w = part["weight"].to_numpy(dtype=float)
        assert deff[group] == pytest.approx(1 + (w.std() / w.mean()) ** 2)
    # the most skewed group (Z-route) pays the most for its weights
    assert deff["Wi2021-asiel"] == max(deff.values())


def test_comparison_offers_weighted_beside_unweighted(con):
    pct, pct_weighted, differs = con.execute("""
        select count(pct_current), count(pct_current_weighted),
               count(*) filter (where abs(pct_current - pct_current_weighted) > 0.5)
        from marts.mart_meting_comparison where meting = 2024
    """).fetchone()
    assert pct == pct_weighted > 0
    assert differs > 0  # weighting moves some percentages, so the columns are not copies
    sums = con.execute("""
        select min(s), max(s) from (
            select sum(pct_current_weighted) as s from marts.mart_meting_comparison
            where meting = 2024 and pct_current_weighted is not null and breakdown = 'group'
              and category_kind = 'single'
              and question_id in (select question_id from seeds.questions where value_type = 'categorical')
            group by question_id, group_label)
    """).fetchone()
    assert sums == pytest.approx((100.0, 100.0))
