"""The tests beside the 8-point rule: two proportions and chi-square."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from orchestration.analysis.comparison import chi_square, two_proportion_z


def test_two_proportion_z_matches_statsmodels():
    z, p = two_proportion_z([40, 10], [200, 50], [70, 12], [210, 60])
    for index, (x1, n1, x2, n2) in enumerate([(40, 200, 70, 210), (10, 50, 12, 60)]):
        expected_z, expected_p = proportions_ztest([x2, x1], [n2, n1])
        assert z[index] == pytest.approx(expected_z) and p[index] == pytest.approx(expected_p)


def test_two_proportion_z_edge_cases():
    z, p = two_proportion_z([0, 5, 3], [100, 0, 10], [0, 5, 10], [120, 10, 10])
    assert z[0] == 0 and p[0] == 1          # both 0 %: no difference
    assert np.isnan(z[1]) and np.isnan(p[1])  # a side without cases
    assert z[2] > 0 and p[2] < 0.01


def test_chi_square_of_a_yes_no_table_is_z_squared():
    previous, current = pd.Series({0: 160, 1: 40}), pd.Series({0: 140, 1: 70})
    result = chi_square(previous, current)
    z, _ = two_proportion_z([40], [200], [70], [210])
    assert result["chi_square"] == pytest.approx(z[0] ** 2) and result["df"] == 1


def test_chi_square_drops_answers_nobody_gave():
    previous, current = pd.Series({1: 10, 2: 20, 3: 0}), pd.Series({1: 25, 2: 15, 3: 0})
    result = chi_square(previous, current)
    expected = stats.chi2_contingency(np.array([[10, 20], [25, 15]]), correction=False)
    assert result["answers_compared"] == 2 and result["p_value"] == pytest.approx(expected[1])
    assert chi_square(pd.Series({1: 0}), pd.Series({1: 5}))["p_value"] is None
