from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.codebook import Codebook
from orchestration.synthetic.allocation import Margin, allocate, fit_joint, largest_remainder
from orchestration.synthetic.labels import category_codes, subgroup


def _respondents(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "group_label": rng.choice(["Wi2021-asiel", "Wi2021-gezin"], size=n),
        "wet": "Wi2021",
        "leerroute": rng.choice(["B1", "O", "Z"], size=n, p=[0.6, 0.2, 0.2]),
    })


def test_ipf_meets_two_overlapping_margins_and_allocation_hits_them():
    people = _respondents()
    margins = [
        Margin({"group_label": "Wi2021-asiel"}, ((frozenset({1}), 30.0), (frozenset({2}), 70.0))),
        Margin({"group_label": "Wi2021-gezin"}, ((frozenset({1}), 60.0), (frozenset({2}), 40.0))),
        Margin({"leerroute": "Z"}, ((frozenset({1}), 50.0), (frozenset({2}), 50.0))),
    ]
    fit = fit_joint(people, [1, 2], margins)
    answers = pd.Series(allocate(people, fit, np.random.default_rng(1)), index=people.index)
    asiel = answers[people["group_label"] == "Wi2021-asiel"]
    z_route = answers[people["leerroute"] == "Z"]
    assert abs((asiel == 1).mean() - 0.30) < 0.01
    assert abs((z_route == 1).mean() - 0.50) < 0.01


def test_a_collapsed_margin_leaves_the_rest_to_the_other_codes():
    margin = Margin({}, ((frozenset({4, 5}), 80.0),))
    parts = margin.completed([1, 2, 3, 4, 5])
    assert [round(share, 3) for _, share in parts] == [0.8, 0.2]


def test_largest_remainder_keeps_the_total():
    counts = largest_remainder(np.array([3.4, 3.3, 3.3]), np.random.default_rng(0))
    assert counts.sum() == 10 and sorted(counts) == [3, 3, 4]


def test_report_labels_become_filters():
    assert subgroup("Wi2013-gezin/overig | Mannen") == {"group_label": "Wi2013-gezin", "gender": "man"}
    assert subgroup("Cohort 2 (na 1 januari 2024)") == {"wet": "Wi2021", "cohort": 2}
    assert subgroup("O-route") == {"wet": "Wi2021", "leerroute": "O"}
    assert subgroup("Wi2021-asiel, vrouwen") == {"group_label": "Wi2021-asiel", "gender": "vrouw"}
    assert subgroup("Wi2021-gezin, Wi2013-asiel, Wi2013-gezin") == {
        "group_label": ["Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin"]}
    assert subgroup("Diepte-interviews") is None


def test_printed_collapses_become_code_sets():
    codebook = Codebook.load()
    assert category_codes("(heel) goed", codebook.answers("health_5")) == {1, 2}
    assert category_codes("(heel) moeilijk", codebook.answers("difficulty_5")) == {1, 2}
    assert category_codes("(helemaal) eens", codebook.answers("agree_helemaal_5")) == {4, 5}
    assert category_codes("Ja", codebook.answers("yes_no_dk")) == {1}
