"""Reading the report's columns as mart cells, and the coefficient verdict."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.analysis.reproduction import (
    MartCell,
    base_codes,
    coefficient_checks,
    coefficients_pass,
    column_subgroup,
    mart_cell,
    report_mapping,
    row_targets,
    verdict,
)
from orchestration.analysis.specs import report_models
from orchestration.codebook import Codebook
from orchestration.reference import tables

GROUPS = ["Wi2013-asiel", "Wi2013-gezin", "Wi2013-onbekend", "Wi2021-asiel", "Wi2021-gezin"]


@pytest.mark.parametrize("label, expected", [
    ("Totaal", MartCell("total", ("Totaal",))),
    ("Wi2021-asiel", MartCell("group", ("Wi2021-asiel",))),
    ("Wi2013-gezin", MartCell("group", ("Wi2013-gezin",))),
    ("B1-route", MartCell("leerroute", ("B1",))),
    ("O-route", MartCell("leerroute", ("O",))),
    ("Cohort 2 (PIP na 1 januari 2024)", MartCell("cohort", ("2",))),
    ("Cohort 1 (voor 1 januari 2024)", MartCell("cohort", ("1",))),
    ("Wi2021-asiel | Mannen", MartCell("group_x_gender", ("Wi2021-asiel | man",))),
    ("Wi2021-gezin | Vrouwen", MartCell("group_x_gender", ("Wi2021-gezin | vrouw",))),
])
def test_report_columns_as_mart_cells(label, expected):
    assert mart_cell(column_subgroup(label), GROUPS) == expected


def test_a_column_the_mapping_does_not_name_is_not_guessed():
    assert column_subgroup("Asielmigranten") is None and mart_cell(None, GROUPS) is None
    assert mart_cell({"wet": "Wi2021"}, GROUPS) == MartCell("group", ("Wi2021-asiel", "Wi2021-gezin"))


def test_every_column_of_a_mapped_table_is_a_mapped_subgroup():
    reference = tables()
    for key in report_mapping()["frequency_tables"]:
        unnamed = [c.label for c in reference[key].columns if column_subgroup(c.label) is None]
        assert not unnamed, (key, unnamed)


def test_percentage_base_counts_dont_know_only_where_the_mapping_says():
    codebook = Codebook.load()
    mapped = report_mapping()["frequency_tables"]
    # benefit: 1 Ja, 2 Nee maar studiefinanciering, 3 Nee, 4 Dat weet ik niet (typed from answer_sets.csv)
    assert mapped["T2.2"] == {"question": "benefit", "base": ["valid", "dont_know"]}
    assert base_codes(codebook, "benefit", mapped["T2.2"]["base"]) == {1, 2, 3, 4}
    assert base_codes(codebook, "benefit", ["valid"]) == {1, 2, 3}
    # course_cost: 5 = weet ik niet, 6 = wil ik niet zeggen, both in the base of Tabel 7.6
    assert base_codes(codebook, "course_cost", mapped["T7.6"]["base"]) == {1, 2, 3, 4, 5, 6}
    with_dont_know = sorted(key for key, entry in mapped.items() if "dont_know" in entry.get("base", []))
    assert with_dont_know == ["F5.1", "T2.2", "T4.5", "T5.1", "T7.3", "T7.5", "T7.6"]


def test_rows_are_answer_labels_and_an_unknown_label_has_no_codes():
    codebook = Codebook.load()
    table = tables()["T2.6"]
    targets = row_targets(codebook, {"question": "health_self_rated"}, table)
    # health_5 as the report states it: 1 = heel goed .. 5 = slecht
    assert {label: set(t.codes) for label, t in targets.items()} == {
        "Heel goed": {1}, "Goed": {2}, "Redelijk (niet goed, niet slecht)": {3}, "Niet zo goed": {4}, "Slecht": {5}}
    combined = row_targets(codebook, {"question": "health_self_rated",
                                      "combined": {"Heel goed": ["Heel goed", "Goed"], "Slecht": ["Zeer slecht"]}},
                           table)
    assert set(combined["Heel goed"].codes) == {1, 2} and combined["Slecht"].codes == frozenset()


def _published_as_fitted(shift_se: dict[tuple[str, str], float] | None = None):
    rows, models = [], []
    for model in report_models():
        raw = tables()[f"T{model.report_table}"].raw
        for term in raw["terms"]:
            shift = (shift_se or {}).get((model.report_table, term["term"]), 0.0)
            rows.append({"meting": 2024, "report_table": model.report_table, "term": term["term"],
                         "estimate": term["B"] + shift * term["SE"]})
        models.append({"meting": 2024, "report_table": model.report_table, "adj_r_squared": raw["adj_r2"]})
    return pd.DataFrame(rows), pd.DataFrame(models)


def test_published_coefficients_reproduce_themselves():
    summary = coefficient_checks(*_published_as_fitted())
    numbers = verdict(summary)
    assert numbers["coefficients"] == 176 and numbers["coefficients_within_2se"] == 176
    assert numbers["largest_distance_se"] == pytest.approx(0) and coefficients_pass(numbers)
    assert (summary.loc[summary["check_kind"] == "adj_r2", "deviation"] == 0).all()


def test_coefficients_verdict_counts_distances_in_published_se():
    shifted = {("B.2.11", "Brede intake"): 2.5, ("4.7", "Leeftijd"): -1.9}
    summary = coefficient_checks(*_published_as_fitted(shifted))
    numbers = verdict(summary)
    assert numbers["coefficients_within_2se"] == 175 and numbers["coefficients_within_3se"] == 176
    assert numbers["largest_distance_se"] == pytest.approx(2.5)
    assert coefficients_pass(numbers)  # 175/176 within two SE, none beyond three
    assert not coefficients_pass(verdict(coefficient_checks(*_published_as_fitted({("4.7", "Constante"): 3.5}))))


def test_a_missing_estimate_fails_the_check():
    coefficients, models = _published_as_fitted()
    coefficients = coefficients[~((coefficients["report_table"] == "B.2.7") & (coefficients["term"] == "Gezondheid"))]
    numbers = verdict(coefficient_checks(coefficients, models))
    assert numbers["coefficients_not_estimated"] == 1 and not coefficients_pass(numbers)


def test_the_mapping_and_the_codebooks_report_tables_column_name_the_same_questions():
    """questions.csv's report_tables (shown on pages and in dim_question) must not drift from
    the reviewed mapping the checks read."""
    codebook = Codebook.load()
    listed = codebook.questions["report_tables"].str.split(";")
    drift = []
    for key, entry in report_mapping()["frequency_tables"].items():
        mapped = {entry["question"]} if "question" in entry else set(entry["options"].values())
        in_codebook = {question for question, keys in listed.items() if key in keys}
        if mapped != in_codebook:
            drift.append((key, sorted(mapped ^ in_codebook)))
    assert drift == []
