"""Primary and secondary cell suppression (orchestration/privacy/disclosure.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from orchestration.privacy.disclosure import (
    DEFAULT_MIN_COUNT,
    min_cell_count,
    recoverable_cells,
    suppress,
    suppress_combined,
)


def reasons(table: pd.DataFrame) -> list:
    return [None if pd.isna(r) else r for r in table["suppressed"]]


def test_nothing_small_nothing_suppressed():
    table = pd.DataFrame({"group": ["a"] * 3, "code": [1, 2, 3], "n": [40, 30, 12]})
    result = suppress(table, "n", "group")
    assert reasons(result) == [None, None, None]
    assert result["n"].tolist() == [40, 30, 12]


def test_secondary_in_a_row_with_one_small_cell_and_a_total():
    # group a: 50 + 3 + 20 + 12 = 85 printed as the total: 3 alone would be 85 - 82
    table = pd.DataFrame({
        "group": ["a"] * 4 + ["b"] * 3,
        "code": [1, 2, 3, 4, 1, 2, 3],
        "n": [50, 3, 20, 12, 40, 30, 25],
        "pct": [58.8, 3.5, 23.5, 14.1, 42.1, 31.6, 26.3],
    })
    result = suppress(table, "n", "group", derived_columns="pct")
    assert reasons(result) == [None, "primary", None, "secondary", None, None, None]
    assert result["n"].isna().tolist() == [False, True, False, True, False, False, False]
    assert result["pct"].isna().tolist() == result["n"].isna().tolist()
    assert result["n"].dtype == "Int64"  # integers stay integers, with NULLs
    assert table["n"].tolist() == [50, 3, 20, 12, 40, 30, 25]  # the input is not changed
    assert recoverable_cells(result, table, "n", "group") == []


def test_two_small_cells_need_no_secondary():
    table = pd.DataFrame({"group": ["a"] * 4, "n": [50, 3, 4, 12]})
    assert reasons(suppress(table, "n", "group")) == [None, "primary", "primary", None]


def test_empty_cells_are_not_primary_and_not_chosen_while_a_non_empty_one_exists():
    table = pd.DataFrame({"group": ["a"] * 4, "n": [0, 5, 30, 20]})
    assert reasons(suppress(table, "n", "group")) == [None, "primary", None, "secondary"]
    assert reasons(suppress(table, "n", "group", suppress_zeros=True)) == ["primary", "primary", None, None]
    only_zero_left = pd.DataFrame({"group": ["a"] * 2, "n": [0, 5]})
    assert reasons(suppress(only_zero_left, "n", "group")) == ["secondary", "primary"]


def test_ties_take_the_first_cell_in_table_order():
    table = pd.DataFrame({"group": ["a"] * 4, "n": [5, 15, 15, 30]})
    assert reasons(suppress(table, "n", "group")) == ["primary", "secondary", None, None]


def test_min_count_argument_and_environment(monkeypatch):
    table = pd.DataFrame({"group": ["a"] * 3, "n": [12, 30, 40]})
    assert min_cell_count() == DEFAULT_MIN_COUNT == 10
    assert reasons(suppress(table, "n", "group")) == [None, None, None]
    assert reasons(suppress(table, "n", "group", min_count=15)) == ["primary", "secondary", None]
    monkeypatch.setenv("INBURGERING_MIN_CELL", "20")
    assert reasons(suppress(table, "n", "group")) == ["primary", "secondary", None]
    assert reasons(suppress(table, "n", "group", min_count=5)) == [None, None, None]
    with pytest.raises(ValueError):
        suppress(table, "n", "group", min_count=0)


def test_several_count_columns_are_nulled_and_the_first_decides():
    table = pd.DataFrame({"g": ["a"] * 3, "respondents": [4, 30, 40], "weighted": [3.7, 31.2, 39.9]})
    result = suppress(table, ["respondents", "weighted"], ["g"])
    assert result["weighted"].isna().tolist() == [True, True, False]


def test_column_totals_make_another_row_suppress():
    # rows: groups; columns: answer codes; both totals printed.
    #          code1 code2 code3
    # group a    3    40    50      row a: 3 primary -> its smallest other cell, 40
    # group b   30    35    60      column 1 then holds one (3), column 2 one (40): complements in
    # group c   25    45    70      one other row close both columns and leave that row two: c1, c2
    # Four cells, the fewest that leave every line with zero or two hidden (a greedy pass by
    # line and column hid six: b1, b2 and c1, c2).
    table = pd.DataFrame({
        "group": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
        "code": [1, 2, 3] * 3,
        "n": [3, 40, 50, 30, 35, 60, 25, 45, 70],
    })
    result = suppress(table, "n", "group", column_groups="code")
    assert reasons(result) == ["primary", "secondary", None, None, None, None, "secondary", "secondary", None]
    for lines in ("group", "code"):
        assert recoverable_cells(result, table, "n", lines) == []
    # rows only: the column totals are not protected
    assert reasons(suppress(table, "n", "group")) == ["primary", "secondary", None] + [None] * 6


def test_errors():
    table = pd.DataFrame({"g": ["a"], "n": [3]})
    with pytest.raises(KeyError):
        suppress(table, "count", "g")
    with pytest.raises(ValueError):
        suppress(table.assign(suppressed=None), "n", "g")
    with pytest.raises(ValueError):
        suppress(pd.DataFrame({"g": ["a"], "n": [None]}), "n", "g")


@pytest.mark.parametrize("seed", range(200))
def test_property_no_suppressed_cell_follows_from_a_line_total(seed):
    """Random long tables (lines of 2-8 cells, counts skewed towards small), rows and
    optionally columns: after suppression no line holds exactly one suppressed cell, so no
    suppressed value equals its line total minus the printed cells, and every small cell is
    suppressed."""
    rng = np.random.default_rng(seed)
    two_way = bool(seed % 2)
    # a line of one cell is its own total (documented: its total is not to be printed), so
    # the two-way tables have at least two rows
    n_rows, n_cols = rng.integers(2 if two_way else 1, 7), rng.integers(2, 9)
    counts = rng.choice([0, 1, 2, 5, 9, 10, 11, 25, 60, 200], size=n_rows * n_cols,
                        p=[.05, .1, .1, .1, .1, .05, .1, .15, .15, .1])
    table = pd.DataFrame({
        "row": np.repeat([f"r{i}" for i in range(n_rows)], n_cols),
        "col": np.tile(np.arange(n_cols), n_rows),
        "n": counts,
    }).sample(frac=1, random_state=seed)  # table order must not matter
    table["pct"] = 100 * table["n"] / table.groupby("row")["n"].transform("sum").replace(0, 1)
    min_count = int(rng.choice([5, 10, 11]))
    result = suppress(table, "n", "row", min_count, derived_columns="pct",
                      column_groups="col" if two_way else None)

    small = (table["n"] > 0) & (table["n"] < min_count)
    assert (result.loc[small, "suppressed"] == "primary").all()
    assert result.loc[result["suppressed"].isna(), "n"].ge(min_count).where(
        table.loc[result["suppressed"].isna(), "n"] > 0, True).all()
    assert result["n"].isna().equals(result["suppressed"].notna())
    assert result["pct"].isna().equals(result["suppressed"].notna())
    lines = ["row", "col"] if two_way else ["row"]
    for line in lines:
        assert recoverable_cells(result, table, "n", line) == []
        hidden_per_line = result["suppressed"].notna().groupby(result[line]).sum()
        assert not (hidden_per_line == 1).any()
    if two_way:  # nor from all row and column totals at once
        assert not set(fixed_by_the_totals(result, "row", "col")) & set(result.index[small])
    # the subtraction itself, spelled out: a line total minus its printed cells leaves the sum
    # of at least two suppressed cells, never one suppressed value on its own
    for _, line in result.groupby("row"):
        hidden = line["suppressed"].notna()
        if hidden.any():
            unknown = table.loc[line.index, "n"].sum() - line.loc[~hidden, "n"].sum()
            assert unknown == table.loc[line.index[hidden], "n"].sum()
            assert hidden.sum() >= 2


def test_two_sides_with_their_own_reason_columns():
    table = pd.DataFrame({"g": ["a"] * 3, "n_previous": [4, 30, 40], "n_current": [30, 40, 50]})
    result = suppress(table, "n_previous", "g", reason_column="suppressed_previous")
    result = suppress(result, "n_current", "g", reason_column="suppressed_current")
    assert reasons(result.rename(columns={"suppressed_previous": "suppressed"})) == ["primary", "secondary", None]
    assert result["suppressed_current"].isna().all()
    assert recoverable_cells(result, table, "n_previous", "g", reason_column="suppressed_previous") == []


# --------------------------------------------------------------------------- combined categories

def _line(counts: dict[int, int]) -> pd.DataFrame:
    return pd.DataFrame({"line": "a", "code": list(counts), "n": list(counts.values())})


def _combined(*groups: tuple[str, list[int], int]) -> pd.DataFrame:
    return pd.DataFrame({"line": "a", "combined_id": [g[0] for g in groups],
                         "members": [g[1] for g in groups], "n": [g[2] for g in groups]})


def test_a_combined_category_is_published_where_its_members_are_not():
    # codes 4 and 5 (4 and 7 respondents) are hidden, their sum 11 is not small
    singles = suppress(_line({1: 30, 2: 25, 3: 20, 4: 4, 5: 7}), "n", "line", min_count=10)
    assert reasons(singles) == [None, None, None, "primary", "primary"]
    combined = suppress_combined(_combined(("agree", [4, 5], 11), ("disagree", [1, 2], 55)), singles, "n",
                                 ["line"], members_column="members", code_column="code", min_count=10)
    assert reasons(combined) == [None, None]
    assert list(combined["n"]) == [11, 55]


def test_a_combined_category_that_gives_a_hidden_member_away_is_suppressed():
    # code 5 (3) is hidden with its line complement code 3 (20): "agree" (4 + 5) minus the
    # printed 4 would give 5 away; "disagree" (1 + 2) has both hidden cells outside it and stays
    singles = suppress(_line({1: 30, 2: 25, 3: 20, 4: 40, 5: 3}), "n", "line", min_count=10)
    assert set(singles.loc[singles["suppressed"].notna(), "code"]) == {3, 5}
    combined = suppress_combined(_combined(("agree", [4, 5], 43), ("disagree", [1, 2], 55)), singles, "n",
                                 ["line"], members_column="members", code_column="code", min_count=10)
    assert reasons(combined) == ["secondary", None]
    assert pd.isna(combined.loc[0, "n"]) and combined.loc[1, "n"] == 55


def test_a_combined_category_that_leaves_one_hidden_cell_outside_it_is_suppressed():
    # codes 3 (4) and 4 (6) hidden; "agree" (4 + 5) holds one of them and 3 is the only hidden
    # cell outside it: total - agree - printed others would give 3 away
    singles = suppress(_line({1: 30, 2: 25, 3: 4, 4: 6, 5: 40}), "n", "line", min_count=10)
    assert set(singles.loc[singles["suppressed"].notna(), "code"]) == {3, 4}
    combined = suppress_combined(_combined(("agree", [4, 5], 46)), singles, "n", ["line"],
                                 members_column="members", code_column="code", min_count=10)
    assert reasons(combined) == ["secondary"]


def test_a_small_combined_category_is_primary():
    singles = suppress(_line({1: 30, 2: 25, 3: 20, 4: 4, 5: 3}), "n", "line", min_count=10)
    combined = suppress_combined(_combined(("agree", [4, 5], 7)), singles, "n", ["line"],
                                 members_column="members", code_column="code", min_count=10)
    assert reasons(combined) == ["primary"]


def test_an_empty_cell_of_a_hidden_group_needs_no_complement():
    #          code1 code2 code3
    # group a    3     0     0     a group hidden whole (also_primary): only its 3 is at risk
    # group b   30    40    50
    # group c   25    45    70
    # Column 1 takes c1 (25), row c then c2 (45), which column 2 shares with a's hidden 0: five
    # cells. Protecting the two empty cells as well (the rule by line and column) hid seven.
    table = pd.DataFrame({"group": ["a"] * 3 + ["b"] * 3 + ["c"] * 3, "code": [1, 2, 3] * 3,
                          "n": [3, 0, 0, 30, 40, 50, 25, 45, 70]})
    whole_group = table["group"] == "a"
    result = suppress(table, "n", "group", column_groups="code", also_primary=whole_group)
    assert reasons(result) == ["primary"] * 3 + [None] * 3 + ["secondary", "secondary", None]
    # what a column total still gives away is the empty cell alone: that nobody in group a
    # chose answer 3, which it would print anyway
    assert recoverable_cells(result, table, "n", "code") == [2]
    assert recoverable_cells(result, table, "n", "group") == []
    # counted as a small cell of its own, the empty cell is protected like any other
    zeros = suppress(table, "n", "group", column_groups="code", also_primary=whole_group, suppress_zeros=True)
    assert recoverable_cells(zeros, table, "n", "code") == []


def test_small_cells_of_one_column_share_their_complements():
    #          code1 code2 code3 code4
    # group a    4    30    12    50     a1 small: row a takes its smallest other cell, a3 (12)
    # group b    3    40    11    60     b1 small: column 1 then holds two and row b takes b3 (11)
    # group c   40    45    50    70     column 3 then holds a3 and b3: nothing more is needed
    table = pd.DataFrame({"group": ["a"] * 4 + ["b"] * 4 + ["c"] * 4, "code": [1, 2, 3, 4] * 3,
                          "n": [4, 30, 12, 50, 3, 40, 11, 60, 40, 45, 50, 70]})
    result = suppress(table, "n", "group", column_groups="code")
    assert reasons(result) == ["primary", None, "secondary", None, "primary", None, "secondary", None] + [None] * 4
    for lines in ("group", "code"):
        assert recoverable_cells(result, table, "n", lines) == []


def test_a_complement_that_later_ones_make_redundant_is_published_again():
    #        code1 code2 code3 code4
    # row x    10   200   200    1     x4 is small. Step by step the rule hides x1 (row x), y4
    # row y     0    10   200   60     (column 4), y2 (row y: a non-empty cell first) and y1
    #                                  (column 1 has no other partner). y1 and y4 already close
    # row y, so y2 protects nothing: it is published again (four cells hidden, not five).
    table = pd.DataFrame({"group": ["x"] * 4 + ["y"] * 4, "code": [1, 2, 3, 4] * 2,
                          "n": [10, 200, 200, 1, 0, 10, 200, 60]})
    result = suppress(table, "n", "group", column_groups="code")
    assert reasons(result) == ["secondary", None, None, "primary", "secondary", None, None, "secondary"]
    for lines in ("group", "code"):
        assert recoverable_cells(result, table, "n", lines) == []


def fixed_by_the_totals(result: pd.DataFrame, rows: str, columns: str) -> list:
    """Hidden cells the printed row and column totals pin down, all at once: a cell is pinned
    when adding "this cell's value" to the totals' equations does not raise their rank."""
    hidden = result.index[result["suppressed"].notna()]
    lines = [result[rows] == value for value in result[rows].unique()]
    lines += [result[columns] == value for value in result[columns].unique()]
    equations = np.array([[1.0 if line[cell] else 0.0 for cell in hidden] for line in lines])
    rank = np.linalg.matrix_rank(equations)
    pinned = []
    for position, cell in enumerate(hidden):
        unit = np.zeros((1, len(hidden)))
        unit[0, position] = 1.0
        if np.linalg.matrix_rank(np.vstack([equations, unit])) == rank:
            pinned.append(cell)
    return pinned


def test_a_cell_linking_two_blocks_of_hidden_cells_is_protected_too():
    #        c1  c2  c3  c4  c5
    # r1      3   4  50  60  70     r1-r2 x c1-c2 and r3-r4 x c3-c4: two blocks of small cells,
    # r2      5   6   7  60  70     joined by r2/c3 (7). Every line holds two or more hidden
    # r3     50  60   2   3  70     cells, yet rows r1 + r2 minus columns c1 + c2 leave r2/c3
    # r4     50  60   4   5  70     alone: 7. It needs a complement of its own.
    counts = [[3, 4, 50, 60, 70], [5, 6, 7, 60, 70], [50, 60, 2, 3, 70], [50, 60, 4, 5, 70]]
    table = pd.DataFrame([{"row": f"r{i + 1}", "col": f"c{j + 1}", "n": n}
                          for i, line in enumerate(counts) for j, n in enumerate(line)])
    result = suppress(table, "n", "row", column_groups="col")
    assert (result.loc[table["n"] < 10, "suppressed"] == "primary").all()
    assert fixed_by_the_totals(result, "row", "col") == []
    for lines in ("row", "col"):
        assert recoverable_cells(result, table, "n", lines) == []
    # the attack spelled out on the rule by line and column (those nine cells only): it works
    only_primary = table.assign(suppressed=np.where(table["n"] < 10, "primary", None))
    assert fixed_by_the_totals(only_primary, "row", "col") == [7]
    assert (result["suppressed"] == "secondary").sum() == 1
