"""The raking rules of orchestration/weighting.py on small frames whose answers are known."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.weighting import UNKNOWN, Target, weigh


def _margins(rows: list[tuple[str, str, float]], group: str = "G", meting: int = 2024) -> pd.DataFrame:
    return pd.DataFrame([{"meting": meting, "dimension": dimension, "group_label": group, "category": category,
                          "population_count": count} for dimension, category, count in rows])


def _respondents(n_men: int, n_women: int, ages: list[str], group: str = "G", meting: int = 2024) -> pd.DataFrame:
    genders = ["man"] * n_men + ["vrouw"] * n_women
    return pd.DataFrame({"respondent_key": [f"r{i}" for i in range(len(genders))], "meting": meting,
                         "group_label": group, "gender": genders, "leerroute": None,
                         "age_band": [ages[i % len(ages)] for i in range(len(genders))]})


MARGINS = _margins([("group", "G", 1000), ("gender", "man", 600), ("gender", "vrouw", 400),
                    ("age_band", "18-30", 300), ("age_band", "31-76", 700)])


def _shares(frame: pd.DataFrame, column: str) -> dict[str, float]:
    totals = frame.groupby(column, dropna=False)["weight"].sum()
    return (totals / totals.sum()).round(6).to_dict()


def test_raked_weights_reproduce_every_margin_and_the_population_total():
    respondents = _respondents(20, 80, ["18-30", "31-76", "31-76"])
    out = weigh(respondents, MARGINS, [Target(2024, 2024, 10.0)]).merge(respondents)
    assert out["weight"].sum() == pytest.approx(1000)
    assert _shares(out, "gender") == {"man": 0.6, "vrouw": 0.4}
    assert _shares(out, "age_band") == {"18-30": 0.3, "31-76": 0.7}
    assert out["base_weight"].eq(10.0).all()
    # the under-represented men weigh more than the women
    assert out.loc[out["gender"] == "man", "weight"].min() > out.loc[out["gender"] == "vrouw", "weight"].max()


def test_a_category_outside_the_margin_keeps_its_unweighted_share():
    respondents = _respondents(20, 70, ["18-30", "31-76"])
    respondents.loc[90:, "gender"] = None  # none yet: add ten respondents without a gender
    extra = _respondents(0, 10, ["31-76"]).assign(respondent_key=lambda f: "x" + f["respondent_key"], gender="anders")
    respondents = pd.concat([respondents, extra], ignore_index=True)
    out = weigh(respondents, MARGINS, [Target(2024, 2024, 10.0)]).merge(respondents)
    shares = _shares(out.assign(gender=out["gender"].fillna(UNKNOWN).replace("anders", UNKNOWN)), "gender")
    assert shares[UNKNOWN] == pytest.approx(0.1)
    assert shares["man"] / shares["vrouw"] == pytest.approx(600 / 400)


def test_an_empty_margin_category_is_dropped_and_said():
    respondents = _respondents(50, 50, ["31-76"])
    out = weigh(respondents, MARGINS, [Target(2024, 2024, 10.0)]).merge(respondents)
    assert out["weight"].sum() == pytest.approx(1000)
    assert out["weighting_note"].str.contains("age_band 18-30: no respondent").all()


def test_trimming_keeps_weights_within_the_bounds_when_the_margins_allow():
    # 5 men for 600 of 1000: raking alone gives the men 120 against a base of 10
    respondents = _respondents(5, 95, ["18-30", "31-76"])
    untrimmed = weigh(respondents, MARGINS, [Target(2024, 2024, 100.0)])
    trimmed = weigh(respondents, MARGINS, [Target(2024, 2024, 4.0)])
    assert untrimmed["weight"].max() > 40
    assert trimmed["weight"].max() > 40  # the gender margin can't be met within 4x: margins win...
    assert trimmed["weighting_note"].str.contains("did not settle").all()  # ...and it says so
    assert trimmed["weight"].sum() == pytest.approx(1000)

    # 2 young men, 20 older men, 30 young women, 48 older women: raking alone weighs the young
    # men 4.5x the base; a solution within 3x exists, and trimming finds it
    cells = [("man", "18-30")] * 2 + [("man", "31-76")] * 20 + [("vrouw", "18-30")] * 30 + [("vrouw", "31-76")] * 48
    feasible = pd.DataFrame({"respondent_key": [f"r{i}" for i in range(100)], "meting": 2024, "group_label": "G",
                             "gender": [g for g, _ in cells], "leerroute": None, "age_band": [a for _, a in cells]})
    assert weigh(feasible, MARGINS, [Target(2024, 2024, 100.0)])["weight"].max() > 45
    bounded = weigh(feasible, MARGINS, [Target(2024, 2024, 3.0)]).merge(feasible)
    # bounds hold to the tolerance the weighting allows itself (1e-6 relative)
    assert bounded["weight"].max() <= 30.0 * (1 + 1e-6) and bounded["weight"].min() >= 10 / 3.0 * (1 - 1e-6)
    assert bounded["weight_trimmed"].sum() == 2
    assert bounded["weighting_note"].isna().all()
    assert _shares(bounded, "gender") == pytest.approx({"man": 0.6, "vrouw": 0.4}, abs=1e-6)
    assert _shares(bounded, "age_band") == pytest.approx({"18-30": 0.3, "31-76": 0.7}, abs=1e-6)


def test_borrowed_margins_are_noted_and_a_meting_without_target_gets_no_weights():
    respondents = pd.concat([_respondents(40, 60, ["18-30", "31-76"], meting=2023),
                             _respondents(40, 60, ["18-30", "31-76"], meting=2025)
                             .assign(respondent_key=lambda f: "n" + f["respondent_key"])], ignore_index=True)
    out = weigh(respondents, MARGINS, [Target(2023, 2024, 5.0)])
    borrowed, missing = out[out["meting"] == 2023], out[out["meting"] == 2025]
    assert borrowed["weight"].sum() == pytest.approx(1000)
    assert borrowed["weighting_note"].str.startswith("margins of meting 2024").all()
    assert missing["weight"].isna().all() and missing["margins_meting"].isna().all()
    assert missing["weighting_note"].str.contains("no weighting target for meting 2025").all()


def test_a_group_without_population_count_gets_no_weights():
    respondents = _respondents(40, 60, ["18-30"], group="Onbekend")
    out = weigh(respondents, MARGINS, [Target(2024, 2024, 5.0)])
    assert out["weight"].isna().all()
    assert out["weighting_note"].str.contains("no population count for Onbekend").all()


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match=r"\['age_band'\]"):
        weigh(_respondents(1, 1, ["18-30"]).drop(columns="age_band"), MARGINS, [])


def test_margins_that_raking_cannot_meet_are_said_not_claimed():
    # one young man and one older woman: gender and age margins conflict (60/40 against 30/70)
    respondents = pd.DataFrame({"respondent_key": ["a", "b"], "meting": 2024, "group_label": "G",
                                "gender": ["man", "vrouw"], "leerroute": None, "age_band": ["18-30", "31-76"]})
    out = weigh(respondents, MARGINS, [Target(2024, 2024, 100.0)])
    assert out["weighting_note"].str.contains("raking did not meet the margins").all()
    assert out["weight"].sum() == pytest.approx(1000, rel=1e-3)


def test_a_non_positive_population_count_is_an_error_naming_the_row():
    margins = _margins([("group", "G", 1000), ("gender", "man", 0), ("gender", "vrouw", 400)])
    with pytest.raises(ValueError, match=r"meting 2024, G, gender man has population_count 0"):
        weigh(_respondents(5, 5, ["18-30"]), margins, [Target(2024, 2024, 5.0)])


def test_a_dimension_nobody_falls_into_is_not_raked_and_said():
    respondents = _respondents(20, 80, ["18-30"]).assign(gender=None)
    out = weigh(respondents, MARGINS, [Target(2024, 2024, 5.0)]).merge(respondents)
    assert out["weighting_note"].str.contains("gender: no respondent in any of its categories, not raked").all()
    assert out["weight"].sum() == pytest.approx(1000)


def test_the_weights_do_not_depend_on_the_order_the_rows_come_in():
    # the database hands rows over in no fixed order; every digit of a weight must stay put
    respondents = _respondents(337, 660, ["18-30", "31-76", "31-76", "18-30", "31-76"])
    shuffled = respondents.sample(frac=1, random_state=7)
    first, second = (weigh(frame, MARGINS, [Target(2024, 2024, 10.0)]).set_index("respondent_key")["weight"]
                     for frame in (respondents, shuffled))
    assert first.sort_index().tolist() == second.sort_index().tolist()
