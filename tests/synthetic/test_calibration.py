"""The generated files against the published report: every printed percentage of every
reference table the codebook links to a question, and every published coefficient."""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm

from orchestration.analysis.specs import complete_cases, report_models
from orchestration.reference import tables, tolerance
from orchestration.synthetic.calibration import calibrate, markdown_report


def test_every_printed_cell_is_within_sampling_tolerance(generated):
    directory, _ = generated
    checks = calibrate(directory, meting=2024)
    tables_checked = {check.table for check in checks}
    assert len(tables_checked) >= 50 and len(checks) >= 900  # the codebook links 56 tables, 980 cells
    outside = [f"{c.table} {c.column} {c.row}: printed {c.printed}, generated {c.generated}" for c in checks
               if not c.within]
    assert not outside, outside


def test_tolerance_is_three_standard_errors_plus_rounding():
    assert tolerance(50, 400) == 300 * np.sqrt(0.25 / 400) + 0.5
    assert tolerance(50, 100) > tolerance(50, 1000)


def test_report_names_each_table_and_the_verdict(generated):
    directory, _ = generated
    report = markdown_report(calibrate(directory, meting=2024))
    assert "| T3.1 |" in report and "| TB.4.7 |" in report
    assert "OUTSIDE" not in report


def test_published_regressions_are_recovered(harmonised):
    """Each published model fitted on the synthetic 2024 data: the estimate should lie within
    two published standard errors for almost all terms (two-sided 95 %), and within three for all."""
    frame = harmonised[2024]
    reference = tables()
    within_two, total, worst = 0, 0, 0.0
    for model in report_models():
        part = frame[frame["questionnaire"] == model.group]
        y, x = complete_cases(part, model)
        fitted = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit().params.rename({"const": "Constante"})
        for term in reference[f"T{model.report_table}"].raw["terms"]:
            distance = abs(fitted[term["term"]] - term["B"]) / term["SE"]
            within_two += distance <= 2
            worst = max(worst, distance)
            total += 1
    assert total == 176
    assert within_two / total >= 0.95, (within_two, total)
    assert worst <= 3, worst


def test_meting_2023_follows_the_2023_figures_the_report_quotes(generated):
    from orchestration.synthetic.calibration import calibrate_2023

    directory, _ = generated
    checks = calibrate_2023(directory)
    assert len(checks) >= 20
    assert all(check.within for check in checks), [(c.line, c.printed, c.generated) for c in checks if not c.within]
