"""Reading the report's columns as mart cells, and the coefficient verdict."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.analysis.reproduction import (
    MartCell,
    coefficient_checks,
    coefficients_pass,
    mart_cell,
    verdict,
)
from orchestration.analysis.specs import report_models
from orchestration.reference import tables
from orchestration.synthetic.labels import subgroup

GROUPS = ["Wi2013-asiel", "Wi2013-gezin", "Wi2013-onbekend", "Wi2021-asiel", "Wi2021-gezin"]


@pytest.mark.parametrize("label, expected", [
    ("Totaal", MartCell("total", ("Totaal",))),
    ("Wi2021-asiel", MartCell("group", ("Wi2021-asiel",))),
    ("Wi2013-gezin/overig", MartCell("group", ("Wi2013-gezin",))),
    ("B1-route", MartCell("leerroute", ("B1",))),
    ("Onderwijsroute", MartCell("leerroute", ("O",))),
    ("Cohort 2 (PIP na 1 januari 2024)", MartCell("cohort", ("2",))),
    ("Wi2021-asiel | Mannen", MartCell("group_x_gender", ("Wi2021-asiel | man",))),
    ("Wi2021", MartCell("group", ("Wi2021-asiel", "Wi2021-gezin"))),
    ("Asielmigranten", MartCell("group", ("Wi2021-asiel", "Wi2013-asiel"))),
])
def test_report_columns_as_mart_cells(label, expected):
    assert mart_cell(subgroup(label), GROUPS) == expected


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
