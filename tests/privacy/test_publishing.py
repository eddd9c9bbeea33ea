"""What leaves the warehouse is suppressed: the comparison as published has no small cell and
no cell that follows from a total."""

from __future__ import annotations

import pandas as pd

from orchestration.privacy.disclosure import recoverable_cells
from orchestration.privacy.publishing import LINE, publishable_comparison


def _comparison() -> pd.DataFrame:
    rows = []
    for value, counts_now, counts_before in (("Wi2021-asiel", [40, 35, 3], [50, 30, 12]),
                                             ("Wi2013-gezin", [12, 15, 20], [None, None, None])):
        for code, (now, before) in enumerate(zip(counts_now, counts_before), start=1):
            rows.append({"meting": 2024, "previous_meting": 2023, "question_id": "q", "breakdown": "group",
                         "breakdown_value": value, "harmonised_code": code,
                         "respondents_current": now, "respondents_previous": before,
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
    assert gezin["suppressed_current"].isna().all() and gezin["respondents_previous"].isna().all()
    assert gezin["respondents_current"].notna().all()


def test_weighted_percentages_are_hidden_with_their_cells():
    frame = _comparison().assign(pct_current_weighted=lambda f: f["pct_current"] + 1.0,
                                 pct_previous_weighted=lambda f: f["pct_previous"],
                                 difference_points_weighted=2.0)
    published = publishable_comparison(frame, min_count=10)
    hidden = published["suppressed_current"].notna()
    assert hidden.sum() == 2
    assert published.loc[hidden, "pct_current_weighted"].isna().all()
    assert published.loc[hidden, "difference_points_weighted"].isna().all()
    assert published.loc[~hidden, "pct_current_weighted"].notna().all()
