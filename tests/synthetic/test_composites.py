"""The generator's predictors for the published models: built from answer labels as the
report mapping states each term, expectations typed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.synthetic.composites import _coded_scale_score, cronbach_alpha, predictors, scale_score
from orchestration.synthetic.context import Context
from orchestration.synthetic.report_mapping import published_models, term_value

TERMS = ("Leeftijd", "Geslacht (vrouw)", "Opleidingsniveau", "Taalniveau", "Gezondheid", "Leerroute: B1",
         "Leerroute: O", "Cohort 1", "Brede intake", "Werkervaring: Vrijwilligerswerk", "Werkervaring: Betaald werk")


@pytest.fixture(scope="module")
def ctx():
    return Context.create(seed=1)


def test_predictors_from_the_respondents_answer_labels(ctx):
    # harmonised codes as the generator holds them; the comments name each answer's label
    frame = pd.DataFrame({
        "age": [30.0, 17.0, 76.0],
        "gender": [2.0, 1.0, 3.0],                 # Vrouw, Man, Anders namelijk
        "education_level": [1.0, 9.0, 10.0],       # geen opleiding, PhD, andere opleiding
        "dutch_level_self_rated": [1.0, 5.0, -1.0],  # Heel goed, Slecht, overgeslagen
        "health_self_rated": [2.0, 4.0, np.nan],   # Goed, Niet zo goed, niet gevraagd
        "leerroute": [3.0, 1.0, 4.0],              # Z-route, B1-route, Weet ik niet
        "cohort": pd.array([2, 1, None], dtype="Int64"),
        "brede_intake_listened": [5.0, 1.0, 3.0],  # Heel goed, Heel slecht, Neutraal
        "work_status": [1.0, 3.0, 2.0],            # Nee, vrijwilligerswerk, betaald werk
    })
    expected = pd.DataFrame([
        [30, 1, 1, 5, 4, 0, 0, 0, 5, 0, 0],
        [np.nan, 0, 9, 1, 2, 1, 0, 1, 1, 1, 0],
        [76, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 3, 0, 1],
    ], columns=list(TERMS), dtype=float)
    pd.testing.assert_frame_equal(predictors(ctx, frame, TERMS), expected)


def test_a_label_the_term_does_not_name_has_no_value():
    values = term_value("Geslacht (vrouw)", pd.Series(["Vrouw", "Man", "Wil ik niet zeggen", None]))
    assert values.iloc[:2].tolist() == [1.0, 0.0] and values.iloc[2:].isna().all()


def test_the_published_models_are_the_sixteen_regression_tables():
    models = published_models()
    assert len(models) == 16
    b27 = next(m for m in models if m.report_table == "B.2.7")
    assert b27.group == "Wi2021-asiel" and b27.terms == TERMS
    assert b27.items == ("goal_prepared_for_job", "goal_work_own_level")


def test_scale_score_needs_every_item_on_the_scale():
    frame = pd.DataFrame({"a": [1.0, 5.0, 6.0, np.nan], "b": [3.0, 4.0, 2.0, 2.0]})
    assert scale_score(frame, ("a", "b")).tolist()[:2] == [2.0, 4.5]
    assert scale_score(frame, ("a", "b")).iloc[2:].isna().all()  # 6 = weet ik niet, missing item


def test_cronbach_alpha_of_parallel_and_unrelated_items():
    rng = np.random.default_rng(3)
    common = rng.normal(size=5000)
    parallel = pd.DataFrame({f"i{k}": common + rng.normal(scale=1.0, size=5000) for k in range(4)})
    # four items with inter-item correlation .5: alpha = 4 * .5 / (1 + 3 * .5) = .8
    assert cronbach_alpha(parallel) == pytest.approx(0.8, abs=0.02)
    unrelated = pd.DataFrame(rng.normal(size=(5000, 4)))
    assert abs(cronbach_alpha(unrelated)) < 0.05


def test_the_coded_scale_score_is_scale_scores_to_the_last_bit():
    """The correction rounds score the coded answers in numpy: the same numbers as scale_score
    (answers off the scale and missing ones make the score missing)."""
    rng = np.random.default_rng(4)
    for n_items in range(1, 8):
        coded = {f"item{j}": rng.choice([np.nan, -1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 2.5, 4.7], size=300)
                 for j in range(n_items)}
        index = pd.RangeIndex(300) + 11
        expected = scale_score(pd.DataFrame(coded, index=index), tuple(coded))
        scored = _coded_scale_score(coded, tuple(coded), index)
        assert scored.index.equals(expected.index)
        assert scored.to_numpy().tobytes() == expected.to_numpy().tobytes()
