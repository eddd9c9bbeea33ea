"""Disclosure control for published aggregates: primary and secondary cell suppression.

A published table is taken in long form, one row per cell: ``count_columns`` hold the cell's
numbers (the first is the number of respondents the threshold applies to; percentages,
intervals and other numbers derived from the cell are listed after it, or in
``derived_columns``), and ``group_columns`` name the *line* a cell belongs to: the cells that
share those values add up to a total that is printed (or can be computed) next to them, e.g.
``[meting, question_id, breakdown_value]`` for the answer distribution of one group.

The rule
--------
1. **Primary suppression.** A cell counting fewer than ``min_count`` respondents (default 10;
   the ``INBURGERING_MIN_CELL`` environment variable or the argument overrides it) is
   suppressed: its counts and percentages become NULL and ``suppressed`` says ``'primary'``.
   Empty cells (0) are not suppressed unless ``suppress_zeros=True``: an empty cell reveals
   nobody.
2. **Secondary suppression.** A line whose total is printed and that holds exactly one
   suppressed cell gives it away by subtraction (total minus the printed cells). In every such
   line the smallest remaining cell (the smallest non-empty one if there is any; ties: the first
   in table order) is suppressed too, ``suppressed = 'secondary'``. So every line has either no
   suppressed cell or at least two, and no suppressed value can be recomputed from its line
   total.
3. With ``column_groups`` the same is done for a second set of lines (columns: e.g. one answer
   across the groups of a breakdown, whose column total is printed), alternating rows and columns
   until nothing changes; a cell suppressed for a column can make a row need another one.

Combined categories
-------------------
A combined category ("(helemaal) eens" = eens + helemaal eens) is a sum of single cells of one
line, published beside them (``suppress_combined``). It is judged on its own count, so it may be
publishable where its members are not: two hidden members of 4 and 7 make a printable 11. It is
suppressed when it is below the minimum itself (primary), or when printing it would give a
hidden single cell away (secondary): exactly one of its members is hidden (the combined minus
the printed members), or exactly one cell outside it in the line is hidden (the line total minus
the combined minus the printed others). Across the subgroups of a breakdown (``column_groups``)
the combined cells get complements like single ones.

What it does not do: it guards against recomputing a cell from *one* printed total. Combining
several lines and columns (linear programming on a full two-way table), tables published
separately with overlapping groups, and the totals themselves are outside it: a line whose
total is below ``min_count`` should not be printed at all (suppress it by running the marginal
table through ``suppress`` as well). A line with a single cell is its own total; its cell is
suppressed only by rule 1.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pandas as pd

DEFAULT_MIN_COUNT = 10
MIN_CELL_ENV = "INBURGERING_MIN_CELL"
REASON_COLUMN = "suppressed"


def min_cell_count(min_count: int | None = None) -> int:
    """The threshold: the argument, else INBURGERING_MIN_CELL, else 10."""
    if min_count is None:
        min_count = int(os.environ.get(MIN_CELL_ENV, DEFAULT_MIN_COUNT))
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1, not {min_count}")
    return int(min_count)


def _as_list(columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return []
    return [columns] if isinstance(columns, str) else list(columns)


def _lines(table: pd.DataFrame, columns: list[str]) -> list[pd.Index]:
    """The index of every line: the rows sharing the values of `columns` (all rows if none)."""
    if not columns:
        return [table.index]
    return [table.index[positions] for positions in table.groupby(columns, sort=False, dropna=False).indices.values()]


def _secondary(counts: pd.Series, reason: pd.Series, lines: list[pd.Index]) -> bool:
    """One pass over the lines: a line with exactly one suppressed cell gets its smallest
    other cell suppressed. Returns whether anything changed."""
    changed = False
    for index in lines:
        suppressed = reason.loc[index].notna()
        if suppressed.sum() != 1 or len(index) < 2:
            continue
        candidates = counts.loc[index][~suppressed.to_numpy()]
        non_empty = candidates[candidates > 0]
        pool = non_empty if len(non_empty) else candidates
        # the smallest; on ties the first in table order (a stable sort keeps the order)
        reason.loc[pool.sort_values(kind="stable").index[0]] = "secondary"
        changed = True
    return changed


def suppress(
    table: pd.DataFrame,
    count_columns: str | Sequence[str],
    group_columns: str | Sequence[str] | None,
    min_count: int | None = None,
    *,
    derived_columns: str | Sequence[str] | None = None,
    column_groups: str | Sequence[str] | None = None,
    suppress_zeros: bool = False,
    reason_column: str = REASON_COLUMN,
    also_primary: pd.Series | None = None,
) -> pd.DataFrame:
    """The table with small cells and their complements suppressed (see the module docstring).

    - ``count_columns``: the first is the respondent count the threshold applies to; all of
      them are set to NULL in a suppressed cell.
    - ``group_columns``: the columns whose values identify a line with a printed total (None or
      [] for one line: the whole table).
    - ``derived_columns``: more columns set to NULL with the cell (percentages, intervals).
    - ``column_groups``: optionally the lines of the second dimension (column totals).
    - ``also_primary``: a boolean mask of more cells to suppress as primary whatever their count
      (e.g. every cell of a line whose total is below the minimum), so that their complements
      are chosen like those of any small cell.

    Returns a copy with a ``suppressed`` column (or ``reason_column``: one per side when a table
    holds two sets of counts, e.g. previous and current meting): None, 'primary' or
    'secondary'. Integer count columns become nullable (Int64) so the NULLs keep their type.
    """
    counts_to_hide = _as_list(count_columns)
    if not counts_to_hide:
        raise ValueError("count_columns needs at least the respondent count column")
    rows = _as_list(group_columns)
    columns = _as_list(column_groups)
    hide = counts_to_hide + [c for c in _as_list(derived_columns) if c not in counts_to_hide]
    missing = [c for c in hide + rows + columns if c not in table.columns]
    if missing:
        raise KeyError(f"columns not in the table: {missing}")
    if reason_column in table.columns:
        raise ValueError(f"the table already has a {reason_column!r} column")
    threshold = min_cell_count(min_count)

    result = table.copy()
    counts = pd.to_numeric(result[counts_to_hide[0]], errors="raise")
    if counts.isna().any():
        raise ValueError(f"{counts_to_hide[0]} has NULL counts: suppress before anything else nulls them")

    small = counts < threshold if suppress_zeros else (counts > 0) & (counts < threshold)
    reason = pd.Series(None, index=result.index, dtype=object)
    reason[small] = "primary"
    if also_primary is not None:
        reason[also_primary.reindex(result.index, fill_value=False).astype(bool)] = "primary"

    # alternate rows and columns until every line has zero or at least two suppressed cells
    row_lines = _lines(result, rows)
    column_lines = _lines(result, columns) if columns else []
    while True:
        changed = _secondary(counts, reason, row_lines)
        changed = _secondary(counts, reason, column_lines) or changed
        if not changed:
            break

    hidden = reason.notna()
    for column in hide:
        if pd.api.types.is_integer_dtype(result[column]) or pd.api.types.is_bool_dtype(result[column]):
            result[column] = result[column].astype("Int64")
        result[column] = result[column].mask(hidden)
    result[reason_column] = reason
    return result


def recoverable_cells(suppressed: pd.DataFrame, original: pd.DataFrame, count_column: str,
                      group_columns: str | Sequence[str] | None, reason_column: str = REASON_COLUMN) -> list:
    """Index labels of suppressed cells that one printed line total gives away: the line total
    (from `original`, the table before suppression) minus the printed cells of the line leaves
    a single unknown. The check to run on a table before it is published; empty after
    `suppress` for every line of two or more cells."""
    recoverable = []
    for index in _lines(suppressed, _as_list(group_columns)):
        hidden = suppressed.loc[index, reason_column].notna()
        if hidden.sum() == 1:
            total = original.loc[index, count_column].sum()
            printed = suppressed.loc[index, count_column][~hidden.to_numpy()].sum()
            label = index[hidden.to_numpy()][0]
            if total - printed == original.loc[label, count_column]:
                recoverable.append(label)
    return recoverable


def suppress_combined(
    combined: pd.DataFrame,
    singles: pd.DataFrame,
    count_columns: str | Sequence[str],
    line_columns: Sequence[str],
    *,
    members_column: str,
    code_column: str,
    single_reason_column: str = REASON_COLUMN,
    min_count: int | None = None,
    derived_columns: str | Sequence[str] | None = None,
    column_groups: str | Sequence[str] | None = None,
    reason_column: str = REASON_COLUMN,
) -> pd.DataFrame:
    """The combined categories as they may be published beside `singles` (already through
    `suppress`; `single_reason_column` says which are hidden). A combined row lists its member
    codes in `members_column`; a single row has its code in `code_column`; both share
    `line_columns`. See "Combined categories" in the module docstring. Returns a copy of
    `combined` with `reason_column` (None, 'primary' or 'secondary')."""
    if combined.empty:
        return combined.assign(**{reason_column: pd.Series(dtype=object)})
    lines = list(line_columns)
    hidden_codes = {}
    for key, part in singles.groupby(lines, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        hidden = part.loc[part[single_reason_column].notna(), code_column]
        hidden_codes[key] = set(int(code) for code in hidden)
    gives_away = []
    for _, row in combined.iterrows():
        key = tuple(row[column] for column in lines)
        hidden = hidden_codes.get(key, set())
        members = set(int(code) for code in row[members_column])
        inside, outside = len(hidden & members), len(hidden - members)
        gives_away.append(inside == 1 or outside == 1)
    all_hidden = pd.Series(gives_away, index=combined.index)
    # every combined cell is a line of its own (combined cells of a line do not add up to its
    # total); columns across subgroups get their complements as single cells do
    own_line = lines + ["_combined_row"]
    done = suppress(combined.assign(_combined_row=range(len(combined))), count_columns, own_line, min_count,
                    derived_columns=derived_columns, column_groups=column_groups, reason_column=reason_column,
                    also_primary=all_hidden)
    done.loc[all_hidden & done[reason_column].eq("primary")
             & (pd.to_numeric(combined[_as_list(count_columns)[0]], errors="coerce") >= min_cell_count(min_count)),
             reason_column] = "secondary"
    return done.drop(columns="_combined_row")
