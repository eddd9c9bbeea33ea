"""The report's models fitted on data with known coefficients: the fit recovers them, a term a
wave did not ask is left out and named, and the output carries the report's term names."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.analysis.regression import fit_report_model, fit_report_models
from orchestration.analysis.specs import design_matrix, report_models
from orchestration.reference import tables

TRUTH = {
    "Constante": 1.0, "Leeftijd": 0.01, "Geslacht (vrouw)": 0.10, "Opleidingsniveau": -0.03, "Taalniveau": 0.12,
    "Gezondheid": 0.09, "Leerroute: B1": -0.11, "Leerroute: O": 0.04, "Cohort 1": -0.13, "Brede intake": 0.30,
    "Werkervaring: Vrijwilligerswerk": 0.04, "Werkervaring: Betaald werk": -0.08,
}


def _model(report_table: str):
    return next(m for m in report_models() if m.report_table == report_table)


def synthetic_frame(n: int, meting: int, seed: int, group: str = "Wi2021-asiel", health: bool = True) -> pd.DataFrame:
    """Harmonised codes as the analysis frame holds them, and one item (course_quality_pace)
    drawn from TRUTH on the model's term values."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "meting": meting,
        "group_label": group,
        "age": rng.integers(18, 66, n).astype(float),
        "gender": rng.choice([1, 2, 3], n, p=[0.48, 0.48, 0.04]).astype(float),  # 3 (anders) is missing
        "education_level": rng.integers(1, 11, n).astype(float),                  # 10 (anders) is missing
        "dutch_level_self_rated": rng.integers(1, 6, n).astype(float),
        "health_self_rated": rng.integers(1, 6, n).astype(float) if health else np.nan,
        "leerroute": rng.integers(1, 4, n).astype(float),
        "cohort": rng.integers(1, 3, n).astype(float),
        "brede_intake_listened": rng.integers(1, 6, n).astype(float),
        "work_status": rng.integers(1, 4, n).astype(float),
    })
    terms = [t for t in TRUTH if t != "Constante"]
    x = design_matrix(frame, tuple(terms)).fillna(0.0)
    if not health:
        x["Gezondheid"] = 0.0
    signal = TRUTH["Constante"] + x.to_numpy() @ np.array([TRUTH[t] for t in terms])
    frame["course_quality_pace"] = signal + rng.normal(0, 0.25, n)
    return frame


def test_recovers_known_coefficients():
    frame = synthetic_frame(20_000, 2024, seed=1)
    coefficients, model = fit_report_model(frame, _model("B.4.8"), 2024)
    assert model["status"] == "fitted" and model["omitted_terms"] is None
    estimates = coefficients.set_index("term")
    for term, truth in TRUTH.items():
        assert abs(estimates.loc[term, "estimate"] - truth) < 3 * estimates.loc[term, "std_error"], term
    # 'anders' (gender 3), education 10 and an outcome outside the 1-5 scale are missing: complete cases only
    design = design_matrix(frame, _model("B.4.8").terms)
    in_range = frame["course_quality_pace"].between(1, 5)
    assert model["n"] == int((design.notna().all(axis=1) & in_range).sum()) < 20_000
    assert 0 < model["adj_r_squared"] < model["r_squared"] < 1 and model["f_p_value"] < 1e-10


def test_a_term_not_asked_in_a_wave_is_left_out_and_named():
    frame = synthetic_frame(20_000, 2023, seed=2, health=False)
    asked = {(2023, "age")}  # health_self_rated has no answers in 2023
    coefficients, model = fit_report_model(frame, _model("B.4.8"), 2023, asked)
    assert model["omitted_terms"] == "Gezondheid"
    assert "Gezondheid left out: not asked in 2023" in model["note"]
    assert model["n_terms"] == 10 and model["df_model"] == 10
    health = coefficients[coefficients["term"] == "Gezondheid"].iloc[0]
    assert pd.isna(health["estimate"]) and "not asked in 2023" in health["note"]
    fitted = coefficients.dropna(subset=["estimate"]).set_index("term")
    for term, truth in TRUTH.items():
        if term != "Gezondheid":
            assert abs(fitted.loc[term, "estimate"] - truth) < 3 * fitted.loc[term, "std_error"], term


def test_a_term_without_variation_is_left_out():
    frame = synthetic_frame(2_000, 2023, seed=3).assign(cohort=1.0)  # in 2023 every PIP predates 2024
    _, model = fit_report_model(frame, _model("B.4.8"), 2023)
    assert model["omitted_terms"] == "Cohort 1" and "no variation" in model["note"]


def test_every_model_per_meting_with_the_report_term_names():
    frame = pd.concat([
        synthetic_frame(3_000, meting, seed=meting + index, group=group)
        for meting in (2023, 2024) for index, group in enumerate(
            ["Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin"])
    ], ignore_index=True)
    for item in {i for m in report_models() for i in m.items}:
        frame[item] = frame["course_quality_pace"]
    coefficients, models = fit_report_models(frame)
    assert len(models) == 32 and (models["status"] == "fitted").all()
    assert list(coefficients.columns[:6]) == ["meting", "report_table", "group_label", "outcome", "term_order", "term"]
    reference = tables()
    for (meting, report_table), part in coefficients.groupby(["meting", "report_table"]):
        assert part["term"].tolist() == [t["term"] for t in reference[f"T{report_table}"].raw["terms"]]
    # each model only sees its own group
    fits = models.set_index(["meting", "report_table"])
    assert fits.loc[(2024, "B.2.9"), "group_label"] == "Wi2013-asiel"
    assert fits.loc[(2024, "B.2.9"), "n"] < 3_000


def test_too_few_cases_is_reported_not_raised():
    frame = synthetic_frame(8, 2024, seed=4)
    coefficients, model = fit_report_model(frame, _model("B.4.8"), 2024)
    assert model["status"] == "not fitted" and "complete cases" in model["note"]
    assert coefficients["estimate"].isna().all()


@pytest.mark.parametrize("report_table", [m.report_table for m in report_models()])
def test_the_mapped_models_carry_the_printed_terms(report_table):
    printed = [t["term"] for t in tables()[f"T{report_table}"].raw["terms"] if t["term"] != "Constante"]
    assert list(_model(report_table).terms) == printed


def _mapping_terms() -> dict:
    import yaml

    from orchestration.analysis.specs import MAPPING_FILE

    return yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))["terms"]


@pytest.mark.parametrize("term", list(TRUTH)[1:])
def test_each_term_is_coded_as_the_report_states_it_in_words(term):
    """The analysis builds terms from harmonised codes (models.yaml); the report mapping states
    them over answer labels ("1 = vrouw, 0 = man"). Every answer label, through the codebook's
    own code for it, must get the value the mapping gives it, and every other answer none."""
    from orchestration.codebook import Codebook

    rule = _mapping_terms()[term]
    if "derived" in rule:
        column = rule["derived"]
        if column == "age":
            values = {float(v): float(v) for v in (18, 40, 76)} | {17.0: None, 77.0: None}
        else:  # cohort: the warehouse codes cohort 1 as 1, cohort 2 as 2
            values = {1.0: 1.0 if "Cohort 1" in rule["one"] else 0.0, 2.0: 1.0 if "Cohort 2" in rule["one"] else 0.0}
    else:
        column = rule["question"]
        codebook = Codebook.load()
        answers = codebook.answers(codebook.questions.loc[column, "answer_set_id"])
        stated = ({label: 1.0 for label in rule["one"]} | {label: 0.0 for label in rule["zero"]}
                  if "one" in rule else {label: float(score) for label, score in rule["scores"].items()})
        assert set(stated) <= set(answers["label_nl"]), f"{term}: labels not in the codebook"
        values = {float(code): stated.get(label) for code, label in zip(answers["code"], answers["label_nl"])}
    frame = pd.DataFrame({column: list(values)})
    built = design_matrix(frame, (term,))[term]
    expected = pd.Series([np.nan if v is None else v for v in values.values()], dtype=float, name=term)
    pd.testing.assert_series_equal(built, expected, check_names=False)


def test_the_term_check_notices_a_flipped_reference_category(monkeypatch):
    """Women as the reference group of "Geslacht (vrouw)": the codes no longer say the words."""
    from orchestration.analysis import specs

    flipped = {**specs.term_definitions(), "Geslacht (vrouw)": {"column": "gender", "equals": 1, "valid": [1, 2]}}
    monkeypatch.setattr(specs, "term_definitions", lambda: flipped)
    with pytest.raises(AssertionError):
        test_each_term_is_coded_as_the_report_states_it_in_words("Geslacht (vrouw)")


def test_the_page_aligns_numbers_and_stars_right_and_notes_left_in_every_meting():
    """A meting with notes and one without get the same layout: the alignment follows the column,
    never the values in it."""
    import re

    from orchestration.analysis.render import regression_page

    def rows(meting, note):
        return {"meting": meting, "report_table": "4.7", "outcome": "doel", "group_label": "Wi2021-asiel",
                "term": "Leeftijd", "estimate": 0.0123, "std_error": 0.004, "t_value": 3.1, "stars": "**",
                "note": note}

    coefficients = pd.DataFrame([rows(2023, None), rows(2024, "te weinig variatie")])
    models = pd.DataFrame({"meting": [2023, 2024], "report_table": ["4.7", "4.7"], "n": [700, 710],
                           "adj_r_squared": [0.14, None]})
    for meting in (2023, 2024):
        html = regression_page(coefficients, models, meting)
        aligned = {column: set(re.findall(rf'{re.escape(column)}" class="gt_row gt_(\w+)"', html))
                   for column in ("B", "SE", "t", "sig.", "note")}
        assert aligned == {"B": {"right"}, "SE": {"right"}, "t": {"right"}, "sig.": {"right"}, "note": {"left"}}, meting
        assert "0.012" in html and "**" in html
