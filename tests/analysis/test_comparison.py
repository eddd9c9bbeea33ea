"""The comparison's estimates (orchestration/estimates.py, read by mart_meting_comparison) against
hand computations, and the chi-square test of the analysis layer."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
import svy
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from orchestration.analysis.comparison import chi_square_tests
from orchestration.estimates import _packed, estimates, weighted_shares

# Six respondents, known weights; "agree" is the category of interest.
WEIGHTS = [1.0, 2.0, 1.0, 3.0, 2.0, 1.0]
AGREE = [1, 1, 0, 1, 0, 0]


def test_linearised_standard_error_of_a_weighted_share_by_hand():
    # p = sum(w y) / sum(w) = (1 + 2 + 3) / 10 = 0.6
    # scores z_i = w_i (y_i - p) / sum(w): 0.04, 0.08, -0.06, 0.12, -0.12, -0.06 (they sum to 0)
    # var = n / (n - 1) * sum(z_i^2) = 6/5 * (0.0016 + 0.0064 + 0.0036 + 0.0144 + 0.0144 + 0.0036)
    #     = 1.2 * 0.044 = 0.0528;  se = sqrt(0.0528) = 0.229783
    shares = weighted_shares(np.array(AGREE), np.array(WEIGHTS), np.zeros(6, dtype=int), np.zeros(6, dtype=int))
    agree = shares[shares["category"] == 1].iloc[0]
    assert agree["share"] == pytest.approx(0.6)
    assert agree["se"] == pytest.approx(math.sqrt(0.0528))
    assert agree["se"] == pytest.approx(0.229783, abs=1e-6)


def test_linearised_standard_error_with_two_strata_by_hand():
    # strata A = respondents 1-3, B = 4-6; same p = 0.6 and scores as above
    # A: z = 0.04, 0.08, -0.06, mean 0.02 -> squared deviations 0.0004 + 0.0036 + 0.0064 = 0.0104, x 3/2 = 0.0156
    # B: z = 0.12, -0.12, -0.06, mean -0.02 -> 0.0196 + 0.0100 + 0.0016 = 0.0312, x 3/2 = 0.0468
    # var = 0.0156 + 0.0468 = 0.0624;  se = sqrt(0.0624) = 0.249800
    shares = weighted_shares(np.array(AGREE), np.array(WEIGHTS), np.array([0, 0, 0, 1, 1, 1]),
                             np.zeros(6, dtype=int))
    agree = shares[shares["category"] == 1].iloc[0]
    assert agree["share"] == pytest.approx(0.6)
    assert agree["se"] == pytest.approx(math.sqrt(0.0624))


# the laws as seeds laws and cohorts give them: leerroute and cohorts for the Wi2021 only
LAWS = pd.DataFrame({"wet": ["Wi2021", "Wi2013"], "has_leerroute": [True, False]})
COHORTS = pd.DataFrame({"wet": ["Wi2021", "Wi2021"], "cohort": [1, 2]})


def _codebook():
    questions = pd.DataFrame({"question_id": ["q"], "answer_set_id": ["s"], "percentage_base": ["valid_and_dont_know"]})
    answer_sets = pd.DataFrame({
        "answer_set_id": "s", "code": [1, 2, 3, 4, 5, 6, -1],
        "label_nl": ["Zeer oneens", "Oneens", "Neutraal", "Eens", "Zeer eens", "Weet ik niet", "Overgeslagen"],
        "label_en": ["a", "b", "c", "d", "e", "f", "g"], "sort_order": [1, 2, 3, 4, 5, 6, 99],
        "missing_type": [None, None, None, None, None, "dont_know", "skipped"]})
    groups = pd.DataFrame({"answer_set_id": "s", "combined_id": ["agree", "agree"], "code": [4, 5],
                           "label_nl": "(Zeer) eens", "label_en": "(Strongly) agree", "sort_order": 1})
    return questions, answer_sets, groups


def test_estimates_over_the_base_with_combined_categories_and_unknown_subgroups():
    questions, answer_sets, groups = _codebook()
    keys = [f"r{i}" for i in range(1, 8)]
    # r1, r2, r4 agree (codes 4, 5, 5); r3 neutral; r5 "weet ik niet"; r6 disagrees; r7 skipped
    answers = pd.DataFrame({"respondent_key": keys[:6], "question_id": "q",
                            "harmonised_code": [4, 5, 3, 5, 6, 2],
                            "answer_status": ["valid", "valid", "valid", "valid", "dont_know", "valid"]})
    respondents = pd.DataFrame({
        "respondent_key": keys, "meting": 2024, "wet": "Wi2021", "group_label": "Wi2021-asiel",
        "leerroute": ["B1", "B1", None, "Z", None, "B1", "B1"], "cohort": [1, 1, 2, 2, None, 1, 1],
        "gender": ["man", "vrouw", None, "man", "vrouw", "man", "man"], "weight": WEIGHTS + [1.0]})
    out = estimates(answers, respondents, questions, answer_sets, groups, LAWS, COHORTS)
    group = out[(out["breakdown"] == "group")].set_index("category_id")
    # base: five valid answers and one "weet ik niet" = 6; agree = codes 4 + 5 = 3 of 6
    assert set(group["base_n"]) == {6}
    assert group.loc["agree", "pct"] == pytest.approx(50.0)
    assert group.loc["agree", "harmonised_codes"] == [4, 5] and pd.isna(group.loc["agree", "harmonised_code"])
    assert group.loc["6", "pct"] == pytest.approx(100 / 6) and group.loc["6", "answer_status"] == "dont_know"
    assert group.loc["1", "pct"] == 0.0 and group.loc["1", "respondents"] == 0  # nobody: 0 %, not missing
    # weighted: the hand computation above (agree = 0.6 of the weight, se 0.229783)
    assert group.loc["agree", "pct_weighted"] == pytest.approx(60.0)
    assert group.loc["agree", "se_weighted_points"] == pytest.approx(100 * math.sqrt(0.0528))
    # unweighted: simple random sampling, 100 * sqrt(0.5 * 0.5 / 6)
    assert group.loc["agree", "se_points"] == pytest.approx(100 * math.sqrt(0.25 / 6))
    singles = out[(out["breakdown"] == "group") & (out["category_kind"] == "single")]
    assert singles["pct"].sum() == pytest.approx(100.0) and singles["pct_weighted"].sum() == pytest.approx(100.0)
    # unknown leerroute, cohort and gender are subgroups 'onbekend', with their dimension columns
    leerroute = out[(out["breakdown"] == "leerroute") & (out["category_id"] == "agree")].set_index("leerroute")
    assert leerroute["base_n"].to_dict() == {"B1": 3, "Z": 1, "onbekend": 2}
    assert leerroute["group_label"].isna().all() and leerroute["cohort"].isna().all()
    cross = out[(out["breakdown"] == "group_x_cohort") & (out["category_id"] == "agree")]
    assert set(cross["breakdown_value"]) == {"Wi2021-asiel | 1", "Wi2021-asiel | 2", "Wi2021-asiel | onbekend"}
    assert set(out.loc[out["breakdown"] == "gender", "gender"]) == {"man", "vrouw", "onbekend"}


def test_a_meting_without_weights_has_no_weighted_shares_and_an_unknown_base_is_refused():
    questions, answer_sets, groups = _codebook()
    # c has no weight and answers as a does: their cell's weights sum to a's alone, yet the meting
    # has somebody without a weight, so none of its shares is weighted
    answers = pd.DataFrame({"respondent_key": ["a", "b", "c"], "question_id": "q", "harmonised_code": [4, 1, 4],
                            "answer_status": "valid"})
    respondents = pd.DataFrame({"respondent_key": ["a", "b", "c"], "meting": 2023, "wet": "Wi2013",
                                "group_label": "Wi2013-asiel", "leerroute": None, "cohort": None,
                                "gender": "man", "weight": [1.0, 2.0, None]})
    out = estimates(answers, respondents, questions, answer_sets, groups, LAWS, COHORTS)
    assert out["pct"].notna().all() and out["pct_weighted"].isna().all() and out["se_weighted_points"].isna().all()
    # leerroute and cohort do not apply to Wi2013: no such lines, nobody silently in 'onbekend'
    assert not out["breakdown"].isin(["leerroute", "cohort", "group_x_leerroute", "group_x_cohort"]).any()
    with pytest.raises(ValueError, match="percentage_base.*'everything'"):
        estimates(answers, respondents, questions.assign(percentage_base="everything"), answer_sets, groups,
                  LAWS, COHORTS)


def test_a_stratum_of_one_respondent_is_collapsed_and_a_meting_of_one_is_left_unweighted():
    questions, answer_sets, groups = _codebook()
    # 2024: four Wi2021-asiel respondents and one Wi2021-gezin (a stratum of one); 2023: one respondent
    keys = ["a", "b", "c", "d", "e", "f"]
    answers = pd.DataFrame({"respondent_key": keys, "question_id": "q", "harmonised_code": [4, 1, 5, 2, 4, 4],
                            "answer_status": "valid"})
    respondents = pd.DataFrame({
        "respondent_key": keys, "meting": [2024] * 5 + [2023], "wet": "Wi2021",
        "group_label": ["Wi2021-asiel"] * 4 + ["Wi2021-gezin", "Wi2021-asiel"], "leerroute": "B1", "cohort": 1,
        "gender": "man", "weight": [1.0, 2.0, 1.0, 1.0, 5.0, 1.0]})
    out = estimates(answers, respondents, questions, answer_sets, groups, LAWS, COHORTS)
    total = out[(out["breakdown"] == "total") & (out["category_id"] == "agree")].set_index("meting")
    # 2024: (1 + 1 + 5) / 10 agree, as one stratum of five after collapsing; the standard error is
    # that of the one-stratum hand computation: scores z = w (y - 0.7) / 10 = .03 -.14 .03 -.07 .15,
    # var = 5/4 * (.0009 + .0196 + .0009 + .0049 + .0225) = 0.061, se = sqrt(0.061)
    assert total.loc[2024, "pct_weighted"] == pytest.approx(70.0)
    assert total.loc[2024, "se_weighted_points"] == pytest.approx(100 * math.sqrt(0.061))
    # 2023: one respondent, no design-based variance: NULL, never a certain-looking 0
    assert total.loc[2023, "pct"] == 100.0
    assert pd.isna(total.loc[2023, "pct_weighted"]) and pd.isna(total.loc[2023, "se_weighted_points"])


def test_closed_form_standard_errors_equal_svys_linearisation():
    # svy's Taylor estimator is the independent reference for the closed form: 7 strata (one of two
    # respondents), 40 overlapping domains, 5 categories, some absent from some domain x stratum
    rng = np.random.default_rng(20241)
    n = 2500
    category, weight = rng.integers(0, 5, n), rng.gamma(2.0, 1.5, n)
    stratum, domain = rng.integers(0, 6, n), rng.integers(0, 40, n)
    stratum[:2] = 6
    category[domain == 7] = 2  # a domain where everyone gives the same answer: share 1, se 0
    mine = weighted_shares(category, weight, stratum, domain)
    data = pl.DataFrame({"category": category, "weight": weight, "stratum": stratum, "domain": domain})
    reference = svy.Sample(data, svy.Design(stratum="stratum", wgt="weight")).estimation.prop(
        "category", by="domain").to_polars().to_pandas()
    both = mine.merge(reference, on=["domain", "category"], how="outer", indicator=True)
    # svy also lists a category nobody in the domain gave, at 0; the closed form leaves it out
    absent = both[both["_merge"] == "right_only"]
    assert len(absent) == 4 and (absent["est"] == 0).all() and (absent["se_y"] == 0).all()
    both = both[both["_merge"] != "right_only"]
    assert (both["_merge"] == "both").all() and len(both) == len(mine)
    assert np.allclose(both["share"], both["est"], rtol=1e-12, atol=0)
    assert np.allclose(both["se_x"], both["se_y"], rtol=1e-10, atol=1e-15)
    certain = both[both["domain"] == 7]
    assert certain["share"].tolist() == [1.0] and certain["se_x"].tolist() == [0.0]
    # a stratum of one has no variance: refused, never an infinite or missing standard error
    with pytest.raises(ValueError, match=r"strata \[6\] hold one respondent"):
        weighted_shares(category[1:], weight[1:], stratum[1:], domain[1:])


def test_weighted_shares_over_answer_cells_equal_svys_on_the_respondents():
    # estimates() sums the answers into cells of respondents alike in meting, group, subgroups and
    # code (about 40 a cell here); its weighted shares and standard errors must still be svy's on
    # the respondents one by one: strata = the groups, domains = gender, single and combined answers
    questions, answer_sets, groups = _codebook()
    rng = np.random.default_rng(2023)
    n = 800
    group = rng.choice(["Wi2021-asiel", "Wi2021-gezin"], n).astype(object)
    gender = rng.choice(["man", "vrouw"], n).astype(object)
    code, weight = rng.integers(1, 6, n), rng.gamma(2.0, 1.5, n)
    # a third stratum of two respondents alike in everything: one cell, yet a stratum of two
    group[:2], gender[:2], code[:2] = "Wi2021-klein", "man", 3
    keys = [f"r{i}" for i in range(n)]
    answers = pd.DataFrame({"respondent_key": keys, "question_id": "q", "harmonised_code": code,
                            "answer_status": "valid"})
    respondents = pd.DataFrame({"respondent_key": keys, "meting": 2024, "wet": "Wi2021", "group_label": group,
                                "leerroute": "B1", "cohort": 1, "gender": gender, "weight": weight})
    out = estimates(answers, respondents, questions, answer_sets, groups, LAWS, COHORTS)
    mine = out[out["breakdown"] == "gender"].set_index(["gender", "category_id"])
    design = svy.Design(stratum="stratum", wgt="weight")
    compared = 0
    for category_id, answered in [*((str(c), code == c) for c in range(1, 6)), ("agree", code >= 4)]:
        data = pl.DataFrame({"y": answered.astype(int), "weight": weight, "stratum": group, "gender": gender})
        reference = svy.Sample(data, design).estimation.prop("y", by="gender").to_polars().to_pandas()
        for line in reference[reference["y"] == 1].itertuples(index=False):
            estimated = mine.loc[(line.gender, category_id)]
            assert estimated["pct_weighted"] == pytest.approx(100 * line.est, rel=1e-12)
            assert estimated["se_weighted_points"] == pytest.approx(100 * line.se, rel=1e-10)
            compared += 1
    # two genders x (five codes and "(zeer) eens"); "weet ik niet" is in the base but nobody gave it
    assert compared == 12 and len(mine) == 14


def test_questions_estimated_together_equal_each_estimated_alone():
    # every question is a design of its own (its base, its strata, its singleton collapse): the
    # estimates of two questions at once must be those of each question alone
    questions, answer_sets, groups = _codebook()
    questions = pd.concat([questions, questions.assign(question_id="p", percentage_base="valid")])
    rng = np.random.default_rng(7)
    keys = [f"r{i}" for i in range(60)]
    # r0, r1 and r30 are the 2024 Wi2021-gezin stratum: three in q's base (r0-r49), one in p's (r20-r59)
    meting, group = rng.choice([2023, 2024], 60), np.full(60, "Wi2021-asiel", dtype=object)
    meting[[0, 1, 30]], group[[0, 1, 30]] = 2024, "Wi2021-gezin"
    respondents = pd.DataFrame({
        "respondent_key": keys, "meting": meting, "wet": "Wi2021", "group_label": group,
        "leerroute": rng.choice(["B1", "Z", None], 60), "cohort": rng.choice([1, 2], 60),
        "gender": rng.choice(["man", "vrouw"], 60), "weight": rng.gamma(2.0, 1.0, 60)})
    answers = pd.concat([
        pd.DataFrame({"respondent_key": keys[:50], "question_id": "q", "harmonised_code": rng.integers(1, 7, 50)}),
        pd.DataFrame({"respondent_key": keys[20:], "question_id": "p", "harmonised_code": rng.integers(1, 6, 40)}),
    ]).assign(answer_status=lambda f: np.where(f["harmonised_code"] == 6, "dont_know", "valid"))
    together = estimates(answers, respondents, questions, answer_sets, groups, LAWS, COHORTS)
    alone = pd.concat([estimates(answers[answers["question_id"] == q], respondents,
                                 questions[questions["question_id"] == q], answer_sets, groups, LAWS, COHORTS)
                       for q in "pq"])
    order = ["meting", "question_id", "breakdown", "breakdown_value", "category_kind", "category_id"]
    together, alone = (frame.sort_values(order).reset_index(drop=True) for frame in (together, alone))
    assert len(together) == len(alone) > 0 and together["se_weighted_points"].notna().any()
    pd.testing.assert_frame_equal(together, alone, check_exact=False, rtol=1e-12)
    # the answers and respondents as relations of a DuckDB connection, as the dbt model hands them
    # over (DuckDB sums them into cells there): the same
    with duckdb.connect() as con:
        related = estimates(con.from_df(answers), con.from_df(respondents), questions, answer_sets, groups,
                            LAWS, COHORTS, con=con)
        with pytest.raises(TypeError, match="relations need their connection"):
            estimates(con.from_df(answers), respondents, questions, answer_sets, groups, LAWS, COHORTS)
    pd.testing.assert_frame_equal(related.sort_values(order).reset_index(drop=True), together,
                                  check_exact=False, rtol=1e-12)


def test_a_respondent_twice_in_fct_respondent_is_refused_not_counted_twice():
    questions, answer_sets, groups = _codebook()
    answers = pd.DataFrame({"respondent_key": ["a", "b"], "question_id": "q", "harmonised_code": [4, 1],
                            "answer_status": "valid"})
    respondents = pd.DataFrame({"respondent_key": ["a", "b", "b"], "meting": 2023, "wet": "Wi2013",
                                "group_label": "Wi2013-asiel", "leerroute": None, "cohort": None,
                                "gender": "man", "weight": 1.0})
    with pytest.raises(ValueError, match=r"fct_respondent.respondent_key: \['b'\] occur more than once"):
        estimates(answers, respondents, questions, answer_sets, groups, LAWS, COHORTS)


def test_an_answer_in_the_base_without_a_harmonised_code_is_refused():
    questions, answer_sets, groups = _codebook()
    answers = pd.DataFrame({"respondent_key": ["a", "b"], "question_id": "q", "harmonised_code": [4, None],
                            "answer_status": "valid"})
    respondents = pd.DataFrame({"respondent_key": ["a", "b"], "meting": 2023, "wet": "Wi2013",
                                "group_label": "Wi2013-asiel", "leerroute": None, "cohort": None,
                                "gender": "man", "weight": 1.0})
    with pytest.raises(ValueError, match=r"without a harmonised_code, question\(s\) \['q'\]"):
        estimates(answers, respondents, questions, answer_sets, groups, LAWS, COHORTS)


def test_group_keys_of_wide_integer_columns_neither_overflow_nor_merge_groups():
    # three columns spanning 2^40 each would need 120 bits packed as they are
    rng = np.random.default_rng(3)
    columns = [rng.choice(np.array([0, 1 << 40, (1 << 40) - 1, 5], dtype=np.int64), 500) for _ in range(3)]
    key = _packed(columns)
    expected = pd.DataFrame(columns).T.groupby([0, 1, 2]).ngroup().to_numpy()
    # the same rows share a key exactly when they share all three values
    assert len(set(zip(key.tolist(), expected.tolist()))) == len(set(expected.tolist())) == len(set(key.tolist()))


KEYS = ["question_id", "breakdown", "breakdown_value"]


def chi_square_of(tables: dict[str, tuple[dict[int, int], dict[int, int]]]) -> pd.DataFrame:
    """chi_square_tests of several 2 x k tables at once, as the mart's counts hold them: per
    question id, (previous, current) respondents by answer code; the previous meting is 2023."""
    rows = [{"meting": meting, "question_id": question, "breakdown": "total", "breakdown_value": "Totaal",
             "harmonised_code": code, "respondents": respondents}
            for question, sides in tables.items() for meting, side in zip((2023, 2024), sides)
            for code, respondents in side.items()]
    return chi_square_tests(pd.DataFrame(rows), 2024, 2023, KEYS).droplevel(["breakdown", "breakdown_value"])


def test_chi_square_of_a_yes_no_table_is_the_pooled_z_squared():
    result = chi_square_of({"q": ({0: 160, 1: 40}, {0: 140, 1: 70})}).loc["q"]
    z, _ = proportions_ztest([70, 40], [210, 200])
    assert result["chi_square"] == pytest.approx(z ** 2) and result["df"] == 1


def test_chi_square_of_tables_tested_together_by_hand_and_against_scipy():
    # 2 x 3: rows 60 and 50, columns 30, 40, 40 of 110; expected 16.36, 21.82, 21.82 / 13.64,
    # 18.18, 18.18; chi-square = 12.5278 on 2 df, p = 0.001904; smallest expected 13.636
    result = chi_square_of({"three": ({1: 10, 2: 20, 3: 30}, {1: 20, 2: 20, 3: 10}),
                            "two": ({1: 5, 2: 7}, {1: 3, 2: 9}),
                            "shifted": ({4: 10, 5: 20}, {4: 25, 5: 15})})
    three = result.loc["three"]
    assert three["chi_square"] == pytest.approx(12.527778, abs=1e-6) and three["df"] == 2
    assert three["p_value"] == pytest.approx(0.0019038, abs=1e-7)
    assert three["min_expected"] == pytest.approx(13.636364, abs=1e-6) and three["answers_compared"] == 3
    # 2 x 2: expected 4, 8 / 4, 8; chi-square = 1/4 + 1/8 + 1/4 + 1/8 = 0.75
    assert result.loc["two", "chi_square"] == pytest.approx(0.75) and result.loc["two", "min_expected"] == 4
    for question, table in (("two", [[5, 7], [3, 9]]), ("shifted", [[10, 20], [25, 15]])):
        statistic, p_value, dof, expected = stats.chi2_contingency(np.array(table), correction=False)
        assert result.loc[question, "chi_square"] == pytest.approx(statistic)
        assert result.loc[question, "p_value"] == pytest.approx(p_value)
        assert result.loc[question, "df"] == dof and result.loc[question, "min_expected"] == pytest.approx(
            expected.min())


def test_chi_square_drops_answers_nobody_gave():
    result = chi_square_of({"q": ({1: 10, 2: 20, 3: 0}, {1: 25, 2: 15, 3: 0}),
                            "one_answer": ({1: 0, 2: 4}, {1: 0, 2: 5}),
                            "no_one_before": ({1: 0, 2: 0}, {1: 5, 2: 3})})
    expected = stats.chi2_contingency(np.array([[10, 20], [25, 15]]), correction=False)
    assert result.loc["q", "answers_compared"] == 2 and result.loc["q", "p_value"] == pytest.approx(expected[1])
    # one answer given, or a meting without anyone: compared, but no statistic
    assert result.loc["one_answer", "answers_compared"] == 1 and result.loc["no_one_before", "answers_compared"] == 2
    assert result.loc[["one_answer", "no_one_before"], ["chi_square", "df", "p_value", "min_expected"]].isna().all(
        axis=None)
