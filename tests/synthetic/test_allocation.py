from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.codebook import Codebook
from orchestration.synthetic.allocation import Margin, allocate, cell_index, fit_joint, largest_remainder
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


# The fit as first written: cells by value_counts, margins as boolean masks, each part rescaled in
# turn. The fit's shortcuts (integer codes, parts rescaled together, a cycle's end read off it)
# must give the same numbers to the last bit: a last-bit difference can move an allocation.

def _plain_fit(respondents, codes, margins, prior=None, max_iterations=200, tolerance=1e-6):
    columns = [c for c in ("group_label", "wet", "migrant_type", "leerroute", "cohort", "gender") if c in respondents]
    cells = respondents[columns].astype(object).fillna("-").value_counts().rename("count").reset_index()
    counts = cells["count"].to_numpy(dtype=float)
    base = np.full(len(codes), 1.0 / len(codes)) if prior is None else prior / prior.sum()
    joint = counts[:, None] * base[None, :]
    usable = [m for m in margins if set(m.where) <= set(columns)]
    widened = [Margin({k: v for k, v in m.where.items() if k in ("group_label", "wet", "migrant_type")}, m.shares)
               for m in usable]
    joint, _, _ = _plain_ipf(joint, counts, cells, codes, widened, max_iterations, tolerance)
    joint, iteration, error = _plain_ipf(joint, counts, cells, codes, usable, max_iterations, tolerance)
    return cells, joint / joint.sum(axis=1, keepdims=True), iteration, error


def _plain_ipf(joint, counts, cells, codes, margins, max_iterations, tolerance):
    joint = joint.copy()
    prepared = [(m.mask(cells.replace("-", None)), m.completed(codes)) for m in margins]
    prepared = [(mask, parts) for mask, parts in prepared if mask.any() and parts]
    error, iteration = 0.0, 0
    for iteration in range(1, max_iterations + 1):
        error = 0.0
        for mask, parts in prepared:
            block = joint[mask]
            total = block.sum()
            for members, share in parts:
                current = block[:, members].sum() / total if total else 0.0
                error = max(error, abs(current - share))
                if current > 0:
                    block[:, members] *= share / current
            joint[mask] = block
        row_sums = joint.sum(axis=1)
        joint *= (counts / np.where(row_sums > 0, row_sums, 1.0))[:, None]
        if error < tolerance:
            break
    return joint, iteration, error


def _mixed_respondents(rng, n):
    groups = np.array(["Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin"])
    group = groups[rng.integers(0, 4, size=n)]
    return pd.DataFrame({
        "group_label": group,
        "wet": [g.split("-")[0] for g in group],
        "migrant_type": [g.split("-")[1] for g in group],
        "leerroute": rng.choice(np.array(["B1", "O", "Z", None], dtype=object), size=n, p=[0.5, 0.2, 0.2, 0.1]),
        "cohort": pd.array(rng.choice([1, 2, None], size=n, p=[0.45, 0.45, 0.1]), dtype="Int64"),
        "gender": rng.choice(["man", "vrouw"], size=n),
    })


def _mixed_margins(rng):
    """Full distributions per group, collapsed and overlapping code sets, a zero share and
    conflicting figures for the same cells: every kind of step the fit takes."""
    margins = []
    for group in ("Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin"):
        shares = rng.dirichlet(np.ones(5)) * 100
        margins.append(Margin({"group_label": group}, tuple((frozenset({c}), s) for c, s in zip(range(1, 6), shares))))
    margins += [
        Margin({"wet": "Wi2021", "leerroute": "Z"}, ((frozenset({1, 2}), 55.0), (frozenset({3, 4, 5}), 45.0))),
        Margin({"group_label": "Wi2021-asiel", "gender": "vrouw"}, ((frozenset({4, 5}), float(rng.uniform(20, 70))),)),
        Margin({"group_label": "Wi2021-asiel", "gender": "man"}, ((frozenset({4, 5}), float(rng.uniform(20, 70))),)),
        Margin({"wet": "Wi2021", "cohort": 2}, ((frozenset({1, 2}), 40.0), (frozenset({2, 3}), 35.0))),
        Margin({"group_label": ["Wi2013-asiel", "Wi2013-gezin"]}, ((frozenset({3}), 0.0), (frozenset({1}), 30.0))),
        Margin({"gender": "man"}, ((frozenset({9}), 50.0),)),  # names no code of the question
        # a second, different figure for a whole group: the fit cannot meet both and cycles
        Margin({"group_label": "Wi2013-gezin"}, tuple((frozenset({c}), 20.0 + c) for c in range(1, 6))),
    ]
    return margins


def test_the_fit_gives_the_plain_fits_numbers_to_the_last_bit():
    rng = np.random.default_rng(7)
    for case in range(6):
        people = _mixed_respondents(rng, int(rng.integers(40, 400)))
        margins = _mixed_margins(rng)
        prior = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) if case % 2 else None
        for max_iterations in (1, 2, 7, 40, 200):
            fit = fit_joint(people, [1, 2, 3, 4, 5], margins, prior, max_iterations=max_iterations)
            cells, probabilities, iterations, error = _plain_fit(people, [1, 2, 3, 4, 5], margins, prior,
                                                                 max_iterations=max_iterations)
            assert fit.cells.astype(object).values.tolist() == cells.astype(object).values.tolist()
            assert fit.probabilities.tobytes() == probabilities.tobytes()
            assert (fit.iterations, fit.max_error) == (iterations, error)


def test_respondents_regrouped_find_the_cells_they_were_fitted_in():
    rng = np.random.default_rng(3)
    people = _mixed_respondents(rng, 300)
    margins = _mixed_margins(rng)
    fit = fit_joint(people, [1, 2, 3, 4, 5], margins)
    cells, _, _, _ = _plain_fit(people, [1, 2, 3, 4, 5], margins)
    lookup = {row: i for i, row in enumerate(cells.drop(columns="count").astype(object).itertuples(index=False, name=None))}
    expected = [lookup[row] for row in people.astype(object).fillna("-").itertuples(index=False, name=None)]
    assert cell_index(people.copy(), fit).tolist() == expected
    assert cell_index(people, fit).tolist() == expected


def test_a_fit_that_cycles_ends_where_the_plain_fit_ends():
    """Two figures for the same group that cannot both hold: the fit falls into a cycle of
    states (here after some 50 and 140 iterations) and must end on the state and error the plain
    fit reaches by running every iteration."""
    rng = np.random.default_rng(1)
    people = pd.DataFrame({"group_label": rng.choice(["Wi2021-asiel", "Wi2021-gezin"], size=200),
                           "gender": rng.choice(["man", "vrouw"], size=200)})
    margins = [Margin({"group_label": "Wi2021-asiel"}, ((frozenset({1}), 30.0), (frozenset({2}), 70.0))),
               Margin({"gender": "man"}, ((frozenset({1}), 60.0), (frozenset({2}), 40.0))),
               Margin({"group_label": "Wi2021-asiel"}, ((frozenset({1}), 50.0), (frozenset({2}), 50.0)))]
    for max_iterations in (50, 51, 52, 141, 142, 143, 144, 199, 200, 201, 260):
        fit = fit_joint(people, [1, 2], margins, max_iterations=max_iterations)
        _, probabilities, iterations, error = _plain_fit(people, [1, 2], margins, max_iterations=max_iterations)
        assert fit.probabilities.tobytes() == probabilities.tobytes()
        assert fit.iterations == iterations == max_iterations and fit.max_error == error
