"""Cronbach's alpha (specs.cronbach_alpha) and the item statistics against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from orchestration.analysis.reliability import describe_scale, scale_reliability
from orchestration.analysis.specs import Scale, cronbach_alpha

# five respondents, three items; every item has mean 3 and variance 10/4 = 2.5
ITEMS = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 3, 5, 4], "c": [1, 3, 2, 4, 5]}, dtype=float)


def test_alpha_of_a_hand_computed_case():
    # item variances 2.5 + 2.5 + 2.5 = 7.5; sums 4, 6, 8, 13, 14 (mean 9): variance 76/4 = 19
    # alpha = 3/2 * (1 - 7.5/19) = 69/76
    assert cronbach_alpha(ITEMS) == pytest.approx(69 / 76)


def test_item_statistics_of_the_hand_computed_case():
    summary, items, pairs = describe_scale(ITEMS)
    assert summary["alpha"] == pytest.approx(69 / 76) and summary["n"] == 5 and summary["n_items"] == 3
    a = items.set_index("item").loc["a"]
    # rest of a = b + c = 3, 4, 5, 9, 9 (mean 6): cross products 17, squares 32 and 10
    assert a["item_rest_r"] == pytest.approx(17 / math.sqrt(32 * 10))
    # without c: variances 2.5 + 2.5, sums 3, 3, 6, 9, 9 (variance 9): alpha = 2 (1 - 5/9) = 8/9
    assert items.set_index("item").loc["c", "alpha_if_deleted"] == pytest.approx(8 / 9)
    ab = pairs[(pairs["item_a"] == "a") & (pairs["item_b"] == "b")]["r"].iloc[0]
    assert ab == pytest.approx(np.corrcoef(ITEMS["a"], ITEMS["b"])[0, 1])  # 8/10
    assert summary["mean_inter_item_r"] == pytest.approx(pairs["r"].mean())


def test_alpha_edge_cases():
    assert cronbach_alpha(pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0]})) == pytest.approx(1.0)
    assert math.isnan(cronbach_alpha(ITEMS[["a"]]))
    assert math.isnan(cronbach_alpha(ITEMS.iloc[:1]))


def test_per_meting_and_group_on_complete_cases_in_range():
    frame = pd.concat([ITEMS.assign(meting=2024, group_label="Wi2021-asiel"),
                       ITEMS.assign(meting=2024, group_label="Wi2021-gezin")], ignore_index=True)
    # a 'weet ik niet' (code outside 1-5) and a missing answer drop those respondents from the scale
    frame.loc[len(frame)] = {"a": 9, "b": 1, "c": 1, "meting": 2024, "group_label": "Wi2021-gezin"}
    frame.loc[len(frame)] = {"a": np.nan, "b": 1, "c": 1, "meting": 2024, "group_label": "Wi2021-gezin"}
    scale = Scale("test", "Test", ("a", "b", "c"), 0.9, "Totaal", "hand")
    summary, items, pairs = scale_reliability(frame, [scale])
    by_group = summary.set_index("group_label")
    assert by_group.loc["Wi2021-gezin", "n"] == 5 and by_group.loc["Totaal", "n"] == 10
    assert by_group.loc["Wi2021-asiel", "alpha"] == pytest.approx(69 / 76)
    assert (summary["published_alpha"] == 0.9).all()
    assert len(items) == 3 * 3 and len(pairs) == 3 * 3
