from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.analysis.regression import ModelSpec, fit_ols, stars


def test_recovers_known_coefficients():
    rng = np.random.default_rng(0)
    n = 20_000
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.integers(0, 2, size=n).astype(float)})
    frame["y"] = 1.5 + 0.4 * frame["x1"] - 0.7 * frame["x2"] + rng.normal(0, 1, size=n)
    coefficients, stats = fit_ols(frame, ModelSpec("m", "y", {"x1": "Leeftijd", "x2": "Geslacht (vrouw)"}))
    estimates = dict(zip(coefficients["term"], coefficients["estimate"]))
    errors = dict(zip(coefficients["term"], coefficients["std_error"]))
    for term, truth in {"Constante": 1.5, "Leeftijd": 0.4, "Geslacht (vrouw)": -0.7}.items():
        assert abs(estimates[term] - truth) < 3 * errors[term]
    assert stats["n"] == n and 0 < stats["adj_r_squared"] < stats["r_squared"]


def test_incomplete_rows_are_dropped_and_counted():
    frame = pd.DataFrame({"y": [1, 2, 3, None, 5, 6], "x": [1, 2, 3, 4, None, 7]})
    _, stats = fit_ols(frame, ModelSpec("m", "y", {"x": "X"}))
    assert stats["n"] == 4


def test_too_few_cases_is_an_error_that_names_the_model():
    with pytest.raises(ValueError, match="model tiny"):
        fit_ols(pd.DataFrame({"y": [1.0, 2.0], "x": [1.0, 2.0]}), ModelSpec("tiny", "y", {"x": "X"}))


@pytest.mark.parametrize("p, expected", [(0.0005, "***"), (0.001, "***"), (0.005, "**"), (0.05, "*"), (0.051, "")])
def test_stars_follow_the_report_legend(p, expected):
    assert stars(p) == expected
