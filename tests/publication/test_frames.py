"""Disclosure control in the report's frames: small groups left out whole, small cells
suppressed with their complements, differences hidden with either side. The frames are built
here from counts, in the shape data.distribution / data.comparison return."""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.privacy.disclosure import recoverable_cells
from orchestration.publication.frames import (
    DISTRIBUTION_COLUMN,
    DISTRIBUTION_LINE,
    SMALL_GROUP,
    comparison_lines,
    distribution_lines,
    publishable_comparison,
    publishable_distribution,
)


def distribution(counts: dict[str, list[int]], breakdown: str = "group") -> pd.DataFrame:
    """Rows as data.distribution returns them, one line per subgroup: `counts` per answer."""
    rows = []
    for value, line in counts.items():
        total = sum(line)
        for code, count in enumerate(line, start=1):
            rows.append({"meting": 2024, "question_id": "q", "breakdown": breakdown, "breakdown_value": value,
                         "harmonised_code": code, "answer_sort_order": code, "base_n": total,
                         "respondents": count, "pct_of_base": 100.0 * count / total})
    return pd.DataFrame(rows)


def test_a_group_below_the_minimum_is_left_out_whole():
    frame = distribution({"Wi2021-asiel": [40, 30, 20], "Wi2013-onbekend": [4, 3, 1], "Wi2021-gezin": [25, 25, 30]})
    published = publishable_distribution(frame, min_count=10)
    small = published[published["breakdown_value"] == "Wi2013-onbekend"]
    assert (small["suppressed"] == SMALL_GROUP).all()
    assert small[["respondents", "base_n", "pct_of_base"]].isna().all().all()
    # the hidden group would be the column total minus the others: every column it sits in gets
    # a complement, and no column or line is left with a single hidden cell
    others = published[published["breakdown_value"] != "Wi2013-onbekend"]
    assert set(others["suppressed"].dropna()) == {"secondary"}
    hidden_per_column = published["suppressed"].notna().groupby(published["harmonised_code"]).sum()
    assert (hidden_per_column != 1).all()
    for groups in (DISTRIBUTION_COLUMN, DISTRIBUTION_LINE):
        assert recoverable_cells(published, frame, "respondents", groups) == []
    shown = others["suppressed"].isna()
    assert shown.any() and (others.loc[shown, "pct_of_base"] == frame.loc[others[shown].index, "pct_of_base"]).all()

    lines = distribution_lines(published, "q", "group")
    hidden = [line for line in lines if line.hidden]
    assert [line.value for line in hidden] == ["Wi2013-onbekend"] and hidden[0].n is None
    # the report's order, not the alphabet: Wi2021 before Wi2013
    assert [line.value for line in lines] == ["Wi2021-asiel", "Wi2021-gezin", "Wi2013-onbekend"]


def test_a_single_small_cell_takes_a_second_one_with_it():
    frame = distribution({"Wi2021-asiel": [50, 40, 3, 20], "Wi2021-gezin": [60, 45, 30, 25],
                          "Wi2013-asiel": [35, 33, 31, 29]})
    published = publishable_distribution(frame, min_count=10)
    asiel = published[published["breakdown_value"] == "Wi2021-asiel"].set_index("harmonised_code")
    assert asiel.loc[3, "suppressed"] == "primary"
    # the complement: the smallest other cell of the line, else 100 minus the printed
    # percentages gives the small one away
    assert asiel.loc[4, "suppressed"] == "secondary"
    assert asiel.loc[[3, 4], "pct_of_base"].isna().all()
    assert recoverable_cells(published, frame, "respondents", DISTRIBUTION_LINE) == []
    assert recoverable_cells(published, frame, "respondents", DISTRIBUTION_COLUMN) == []
    line = next(line for line in distribution_lines(published, "q", "group") if line.value == "Wi2021-asiel")
    # the bar's grey part is the two hidden cells together, never one of them alone
    assert line.suppressed_share(False) == pytest.approx(100.0 * (3 + 20) / 113)


def test_the_threshold_comes_from_the_environment(monkeypatch):
    frame = distribution({"Wi2021-asiel": [50, 40, 12, 20], "Wi2021-gezin": [60, 45, 30, 25]})
    assert publishable_distribution(frame)["suppressed"].isna().all()  # default 10: 12 is publishable
    monkeypatch.setenv("INBURGERING_MIN_CELL", "15")
    raised = publishable_distribution(frame)
    assert raised.loc[(frame["respondents"] == 12).to_numpy(), "suppressed"].iloc[0] == "primary"


def test_weighted_percentages_are_suppressed_with_their_cell():
    frame = distribution({"Wi2021-asiel": [50, 40, 3, 20], "Wi2021-gezin": [60, 45, 30, 25]})
    frame["pct_of_base_weighted"] = frame["pct_of_base"] * 0.9 + 1
    published = publishable_distribution(frame, min_count=10)
    hidden = published["suppressed"].notna()
    assert hidden.any()
    assert published.loc[hidden, "pct_of_base_weighted"].isna().all()
    assert published.loc[~hidden, "pct_of_base_weighted"].notna().all()


def comparison(previous: dict[str, list[int] | None], current: dict[str, list[int]]) -> pd.DataFrame:
    """Rows as data.comparison returns them; a group None in `previous` was not asked then."""
    rows = []
    for group, now in current.items():
        before = previous.get(group)
        for code, count in enumerate(now, start=1):
            p_count = None if before is None else before[code - 1]
            p_pct = None if before is None else 100.0 * p_count / sum(before)
            c_pct = 100.0 * count / sum(now)
            rows.append({"meting": 2024, "previous_meting": 2023, "question_id": "q", "breakdown": "group",
                         "breakdown_value": group,
                         "harmonised_code": code, "answer_sort_order": code,
                         "base_n_previous": None if before is None else sum(before), "base_n_current": sum(now),
                         "respondents_previous": p_count, "respondents_current": count,
                         "pct_previous": p_pct, "pct_current": c_pct,
                         "difference_points": None if before is None else c_pct - p_pct,
                         "meaningful_difference": None if before is None else abs(c_pct - p_pct) >= 8,
                         "comparison_note": "not asked in 2023" if before is None else None})
    frame = pd.DataFrame(rows)
    for column in ("base_n_previous", "respondents_previous"):
        frame[column] = frame[column].astype("Int64")
    return frame


def test_a_difference_is_hidden_when_either_meting_hides_its_cell():
    frame = comparison({"Wi2021-asiel": [50, 40, 30, 20], "Wi2021-gezin": [40, 45, 4, 25]},
                       {"Wi2021-asiel": [55, 35, 2, 20], "Wi2021-gezin": [60, 45, 30, 25]})
    published = publishable_comparison(frame, min_count=10)
    either = published["suppressed_previous"].notna() | published["suppressed_current"].notna()
    assert published.loc[either, "difference_points"].isna().all()
    assert published.loc[~either, "difference_points"].notna().all()
    asiel = published[published["breakdown_value"] == "Wi2021-asiel"].set_index("harmonised_code")
    assert asiel.loc[3, "suppressed_current"] == "primary"
    # 2023: Wi2021-gezin's answer 3 is small; with two groups, its column (answer 3 across the
    # groups, whose total the total breakdown prints) needs Wi2021-asiel's answer 3 hidden too
    assert asiel.loc[3, "suppressed_previous"] == "secondary"
    gezin = published[published["breakdown_value"] == "Wi2021-gezin"].set_index("harmonised_code")
    assert gezin.loc[3, "suppressed_previous"] == "primary"
    assert gezin.loc[3, "suppressed_current"] == "secondary"  # the same column rule, in 2024
    assert published["suppressed_previous"].notna().sum() >= 2 and published["suppressed_current"].notna().sum() >= 2


def test_a_group_not_asked_before_is_shown_as_not_asked_not_as_suppressed():
    frame = comparison({"Wi2021-asiel": [50, 40, 30, 20]}, {"Wi2021-asiel": [55, 35, 30, 20],
                                                           "Wi2021-gezin": [60, 45, 30, 25]})
    published = publishable_comparison(frame, min_count=10)
    lines = comparison_lines(published, "q", "group")
    gezin_before = next(line for line in lines if line.value == "Wi2021-gezin" and line.label_suffix == "2023")
    assert gezin_before.not_asked and not gezin_before.hidden
    gezin_now = next(line for line in lines if line.value == "Wi2021-gezin" and line.label_suffix == "2024")
    assert all(not d.comparable for d in gezin_now.difference)
    assert all(cell.pct is not None for cell in gezin_now.cells)


@pytest.mark.parametrize("unknown, hidden_in_o", [(50, 0), (9, 2), (0, 2)])
def test_columns_get_complements_only_where_they_add_up_to_a_printed_total(unknown, hidden_in_o):
    """A leerroute breakdown leaves out the respondents whose route is unknown: with 50 of them
    its columns add up to no printed number, and only the line of the small cell needs a
    complement. With fewer than the minimum (9) or none left out, a column total minus the
    printed routes would pin the small cell down: the column gets a complement, and its line
    a second one."""
    frame = distribution({"B1": [50, 40, 3, 20], "O": [30, 30, 30, 30]}, breakdown="leerroute")
    frame["total_base_n"] = 113 + 120 + unknown
    published = publishable_distribution(frame, min_count=10)
    b1 = published[published["breakdown_value"] == "B1"].set_index("harmonised_code")["suppressed"]
    assert b1.tolist() == [None, None, "primary", "secondary"]
    o = published[published["breakdown_value"] == "O"]
    assert o["suppressed"].notna().sum() == hidden_in_o
    assert recoverable_cells(published, frame, "respondents", DISTRIBUTION_LINE) == []
    if hidden_in_o:
        assert recoverable_cells(published, frame, "respondents", DISTRIBUTION_COLUMN) == []


def test_without_the_question_total_every_column_counts_as_printed():
    frame = distribution({"B1": [50, 40, 3, 20], "O": [30, 30, 30, 30]}, breakdown="leerroute")
    published = publishable_distribution(frame, min_count=10)  # no total_base_n column: fail closed
    assert published.loc[published["breakdown_value"] == "O", "suppressed"].notna().sum() == 2
