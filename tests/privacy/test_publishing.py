"""What leaves the warehouse is suppressed: the comparison as published has no small cell and
no cell that follows from a total."""

from __future__ import annotations

import pandas as pd

from orchestration.privacy.disclosure import recoverable_cells
from orchestration.privacy.publishing import COLUMN, LINE, publishable_chi_square, publishable_comparison


def _comparison() -> pd.DataFrame:
    rows = []
    for value, counts_now, counts_before in (("Wi2021-asiel", [40, 35, 3], [50, 30, 12]),
                                             ("Wi2013-gezin", [12, 15, 20], [None, None, None])):
        for code, (now, before) in enumerate(zip(counts_now, counts_before), start=1):
            rows.append({"meting": 2024, "previous_meting": 2023, "question_id": "q", "breakdown": "group",
                         "breakdown_value": value, "harmonised_code": code,
                         "respondents_current": now, "respondents_previous": before,
                         "valid_n_current": sum(counts_now),
                         "valid_n_previous": None if before is None else sum(counts_before),
                         "pct_current": 100.0 * now / sum(counts_now),
                         "pct_previous": None if before is None else 100.0 * before / sum(counts_before),
                         "difference_points": 1.0, "z_value": 0.5, "p_value": 0.6,
                         "meaningful_difference": False, "significant": False})
    return pd.DataFrame(rows)


def test_small_cells_and_their_complements_are_hidden_with_the_differences():
    frame = _comparison()
    published = publishable_comparison(frame, min_count=10)
    asiel = published[published["breakdown_value"] == "Wi2021-asiel"].set_index("harmonised_code")
    assert asiel.loc[3, "suppressed_current"] == "primary" and pd.isna(asiel.loc[3, "respondents_current"])
    assert asiel["suppressed_current"].eq("secondary").sum() == 1  # else 3 = valid N - the others
    assert pd.isna(asiel.loc[3, "difference_points"]) and pd.isna(asiel.loc[3, "pct_current"])
    assert recoverable_cells(published, frame, "respondents_current", LINE, "suppressed_current") == []
    assert len(published) == len(frame)


def test_a_side_that_was_not_asked_is_left_as_it_is():
    published = publishable_comparison(_comparison(), min_count=10)
    gezin = published[published["breakdown_value"] == "Wi2013-gezin"]
    # the previous meting did not ask this group: nothing to suppress on that side
    assert gezin["suppressed_previous"].isna().all() and gezin["respondents_previous"].isna().all()
    # the current side is suppressed like any other: here only as complements of the asiel column
    assert set(gezin["suppressed_current"].dropna()) <= {"secondary"}


def test_weighted_percentages_are_hidden_with_their_cells():
    frame = _comparison().assign(pct_current_weighted=lambda f: f["pct_current"] + 1.0,
                                 pct_previous_weighted=lambda f: f["pct_previous"],
                                 difference_points_weighted=2.0)
    published = publishable_comparison(frame, min_count=10)
    hidden = published["suppressed_current"].notna()
    assert hidden.sum() == 4  # the small cell, its line complement and their column complements
    assert published.loc[hidden, "pct_current_weighted"].isna().all()
    assert published.loc[hidden, "difference_points_weighted"].isna().all()
    assert published.loc[~hidden, "pct_current_weighted"].notna().all()


def _with_total(groups: dict[str, list[int]]) -> pd.DataFrame:
    """One question in breakdown 'group' plus the 'total' line the groups add up to."""
    lines = {**groups, "Totaal": [sum(column) for column in zip(*groups.values())]}
    rows = []
    for value, counts in lines.items():
        breakdown = "total" if value == "Totaal" else "group"
        for code, count in enumerate(counts, start=1):
            rows.append({"meting": 2024, "previous_meting": 2023, "question_id": "q", "breakdown": breakdown,
                         "breakdown_value": value, "harmonised_code": code, "respondents_current": count,
                         "valid_n_current": sum(counts), "pct_current": 100.0 * count / sum(counts),
                         "respondents_previous": count, "valid_n_previous": sum(counts),
                         "pct_previous": 100.0 * count / sum(counts), "difference_points": 0.0,
                         "chi_square_p_value": 0.5})
    return pd.DataFrame(rows)


def test_a_subgroup_below_the_minimum_is_hidden_whole_and_not_recoverable_from_the_total():
    frame = _with_total({"A": [60, 45, 35], "B": [4, 30, 25], "C": [2, 3, 1]})
    published = publishable_comparison(frame, min_count=10)
    small = published[published["breakdown_value"] == "C"]
    assert small["respondents_current"].isna().all() and small["valid_n_current"].isna().all()
    assert small["pct_current"].isna().all()
    groups = published[published["breakdown"] == "group"]
    original = frame[frame["breakdown"] == "group"]
    # column totals are printed in the 'total' line: no column may have exactly one hidden cell
    assert recoverable_cells(groups, original, "respondents_current", COLUMN, "suppressed_current") == []
    assert recoverable_cells(groups, original, "respondents_current", LINE, "suppressed_current") == []
    # B's 4 is primary; the column pass needs a second hidden cell besides it and C's
    assert (groups["suppressed_current"].notna().groupby(groups["harmonised_code"]).sum() != 1).all()
    # the line test of a distribution with a hidden cell is hidden too
    assert published.loc[published["suppressed_current"].notna(), "chi_square_p_value"].isna().all()


def test_chi_square_statistics_are_hidden_for_lines_with_a_hidden_cell():
    frame = _with_total({"A": [60, 45, 35], "B": [4, 30, 25], "C": [2, 3, 1]})
    published = publishable_comparison(frame, min_count=10)
    tests = pd.DataFrame([{"meting": 2024, "previous_meting": 2023, "question_id": "q", "breakdown": b,
                           "breakdown_value": v, "valid_n_current": n, "valid_n_previous": n,
                           "chi_square": 1.5, "p_value": 0.4, "max_abs_difference_points": 3.0}
                          for b, v, n in (("group", "A", 140), ("group", "B", 59), ("group", "C", 6),
                                          ("total", "Totaal", 205))])
    out = publishable_chi_square(tests, published, min_count=10).set_index("breakdown_value")
    hidden_lines = set(published.loc[published["suppressed_current"].notna(), "breakdown_value"])
    for value in ("A", "B", "C", "Totaal"):
        assert pd.isna(out.loc[value, "chi_square"]) == (value in hidden_lines)
        assert pd.isna(out.loc[value, "max_abs_difference_points"]) == (value in hidden_lines)
    assert pd.isna(out.loc["C", "valid_n_current"]) and out.loc["A", "valid_n_current"] == 140
