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
2. **Secondary suppression: the fewest complements that stop differencing.** The attacker
   knows every printed cell and every line total (rows; with ``column_groups`` also columns,
   e.g. one answer across the groups of a breakdown). A line with exactly one unknown cell gives
   it away (total minus the printed cells); a value found so is known for its other lines too,
   and so on (the attack is run to the end, not one line at a time). Complements are hidden
   until the attack finds no *protected* cell (a primary cell that is not empty; with
   ``suppress_zeros`` empty ones too). Each complement goes where the attack starts (the first
   line with a single unknown in the chain that finds a protected cell): a non-empty cell if
   there is one (an empty complement only bounds the hidden value from above), then the one
   that leaves the fewest other lines with a single hidden cell (preferring one that completes a
   line already holding one), then the smallest, then the first in table order. Afterwards
   every complement the protection does not need is published again (largest first).
   ``suppressed = 'secondary'``. So no line holds a single hidden non-empty cell, and no
   primary value follows from the printed totals.
3. **What needs no complement.** An empty cell of a line hidden whole (``also_primary``) is not
   printed, but reveals nobody: the rule does not spend complements on it, and a column total
   may show it to be 0. A line of one cell is its own total: its cell is suppressed only by
   rule 1. Lines whose totals are not printed (e.g. a breakdown's columns when some respondents
   have no value for it) are not passed as lines at all: the caller decides which totals exist.

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

What it does not do: totals across several tables published separately with overlapping groups,
and bounds (an interval for a hidden cell from non-negative counts) are outside it; the totals
themselves too: a line whose total is below ``min_count`` should not be printed at all
(suppress it by running the marginal table through ``suppress`` as well).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence

import numpy as np
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


def _line_ids(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Per row, the number of its line: the rows sharing the values of `columns` (one line of
    all rows if none), numbered in order of first appearance."""
    if not columns:
        return np.zeros(len(table), dtype=np.int64)
    return table.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()


def _members(ids) -> list[list[int]]:
    """The positions of each id's rows, ascending, ids in order of first appearance."""
    groups: dict[int, list[int]] = {}
    for position, line in enumerate(ids.tolist() if isinstance(ids, np.ndarray) else ids):
        groups.setdefault(line, []).append(position)
    return list(groups.values())


def _lines(table: pd.DataFrame, columns: list[str]) -> list[pd.Index]:
    """The index of every line: the rows sharing the values of `columns` (all rows if none)."""
    return [table.index[positions] for positions in _members(_line_ids(table, columns))]


def _blocks(row_ids: np.ndarray, column_ids: np.ndarray | None) -> list[list[int]]:
    """The positions of each independent part of the table: cells linked by a shared row or
    column line (one question's table, say). Each part is protected on its own."""
    if column_ids is None:
        return _members(row_ids)
    parent = list(range(int(max(row_ids, default=-1)) + 1 + int(max(column_ids, default=-1)) + 1))
    offset = int(max(row_ids, default=-1)) + 1

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for row_line, column_line in zip(row_ids, column_ids):
        parent[root(int(row_line))] = root(offset + int(column_line))
    return _members([root(int(row_line)) for row_line in row_ids])


class _Grid:
    """The cells (by position) and the lines with a printed total they lie on: a row line and,
    with column totals, a column line. Lines of one cell are left out (a cell that is its own
    total cannot be protected by a complement; its total is not to be printed)."""

    def __init__(self, dimensions: list[list[int]]):
        """`dimensions`: per dimension (row lines, column lines), each cell's line number."""
        self.members: list[list[int]] = []
        self.lines_of: list[list[int]] = [[] for _ in range(len(dimensions[0]))]
        for line_ids in dimensions:
            for positions in _members(line_ids):
                if len(positions) < 2:
                    continue
                line = len(self.members)
                self.members.append(positions)
                for position in positions:
                    self.lines_of[position].append(line)

    def derived(self, hidden: list[bool]) -> dict[int, int]:
        """The differencing attack: a line with exactly one unknown cell gives it away (total
        minus the printed cells); a value found so counts as printed for its other lines, and
        so on until nothing more follows. Returns {cell: the line that gave it away}."""
        unknown = list(hidden)
        open_cells = [sum(unknown[p] for p in members) for members in self.members]
        queue = deque(line for line, count in enumerate(open_cells) if count == 1)
        found: dict[int, int] = {}
        while queue:
            line = queue.popleft()
            if open_cells[line] != 1:
                continue
            cell = next(p for p in self.members[line] if unknown[p])
            unknown[cell] = False
            found[cell] = line
            for other in self.lines_of[cell]:
                open_cells[other] -= 1
                if open_cells[other] == 1:
                    queue.append(other)
        return found

    def determined(self, hidden: list[bool]) -> list[int]:
        """The hidden cells whose value the line totals fix, found by linear algebra: a cell is
        fixed when no change of the hidden cells that keeps every line total moves it (its
        entry is 0 in every vector of the null space). This also finds what line-by-line
        subtraction misses, e.g. a cell linking two blocks of hidden cells (rows r1, r2 minus
        columns c1, c2 leaves it alone)."""
        cells = [cell for cell, is_hidden in enumerate(hidden) if is_hidden]
        if not cells:
            return []
        column = {cell: j for j, cell in enumerate(cells)}
        incidence = np.zeros((max(len(self.members), 1), len(cells)))
        for line, members in enumerate(self.members):
            for member in members:
                if member in column:
                    incidence[line, column[member]] = 1.0
        _, singular, vt = np.linalg.svd(incidence)
        null_space = vt[int((singular > 1e-9).sum()):]
        return [cell for cell in cells if not (np.abs(null_space[:, column[cell]]) > 1e-9).any()]

    def exposed(self, hidden: list[bool], at_risk: list[bool]) -> list[tuple[int, int]] | None:
        """None when the attack finds no cell at risk; else the chain that finds the first one:
        (cell, line that gave it away) pairs, the earliest finding first. Fixing the start of
        the chain (a line with a single hidden cell) protects everything found after it. When
        subtraction line by line finds nothing, the linear algebra of all totals at once has the
        last word (`determined`); a cell it finds is fixed on its own lines."""
        found = self.derived(hidden)
        order = {cell: rank for rank, cell in enumerate(found)}
        target = next((cell for cell in found if at_risk[cell]), None)
        if target is None:
            fixed = next((cell for cell in self.determined(hidden) if at_risk[cell]), None)
            return None if fixed is None else [(fixed, line) for line in self.lines_of[fixed]]
        chain, todo = {target}, [target]
        while todo:  # the cells found before, whose values the finding line needed
            cell = todo.pop()
            for member in self.members[found[cell]]:
                if member in order and member not in chain and order[member] < order[cell]:
                    chain.add(member)
                    todo.append(member)
        return [(cell, found[cell]) for cell in sorted(chain, key=order.get)]


def _complement(grid: _Grid, line: int, hidden: list[bool], counts: list[float]) -> int | None:
    """The printed cell of `line` to hide beside its one unknown: a non-empty one if any (an
    empty complement only bounds the hidden value from above), then the one that leaves the
    fewest other lines with a single hidden cell (it may complete a line that already has
    one), then the smallest, then the first in table order."""
    def hidden_in(other: int) -> int:
        return sum(hidden[p] for p in grid.members[other])

    def cost(cell: int) -> tuple:
        crossing = [hidden_in(other) for other in grid.lines_of[cell] if other != line]
        new_single_lines = sum(1 for count in crossing if count == 0) - sum(1 for count in crossing if count == 1)
        return (counts[cell] <= 0, new_single_lines, counts[cell], cell)

    candidates = [cell for cell in grid.members[line] if not hidden[cell]]
    return min(candidates, key=cost) if candidates else None


def _protect(grid: _Grid, hidden: list[bool], at_risk: list[bool], counts: list[float]) -> list[int]:
    """Hide complements until the attack finds no cell at risk; returns them in the order added."""
    added = []
    while (chain := grid.exposed(hidden, at_risk)) is not None:
        complement = None
        for cell, line in chain:  # the start of the chain first; a full line cannot take one
            complement = _complement(grid, line, hidden, counts)
            if complement is None:
                complement = next((c for other in grid.lines_of[cell]
                                   if (c := _complement(grid, other, hidden, counts)) is not None), None)
            if complement is not None:
                break
        if complement is None:
            # every cell of these lines is hidden already: fail closed, hide the whole part
            # (what it does not need is published again by _release)
            rest = [cell for cell, is_hidden in enumerate(hidden) if not is_hidden]
            for cell in rest:
                hidden[cell] = True
            return added + rest
        hidden[complement] = True
        added.append(complement)
    return added


def _release(grid: _Grid, hidden: list[bool], at_risk: list[bool], counts: list[float],
             complements: list[int]) -> list[int]:
    """Publish again every complement the protection does not need (largest first: a large
    cell hidden costs the reader most), until none can go. Greedy choice can leave a complement
    that later ones made redundant."""
    kept = sorted(complements, key=lambda cell: (-counts[cell], cell))
    changed = True
    while changed:
        changed = False
        for cell in list(kept):
            hidden[cell] = False
            if grid.exposed(hidden, at_risk) is None:
                kept.remove(cell)
                changed = True
            else:
                hidden[cell] = True
    return kept


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

    # a small cell must not follow from the printed totals; an empty cell hidden with its
    # small group reveals nobody, so it needs no protection of its own (unless zeros count)
    at_risk = (reason.notna() & ((counts > 0) | suppress_zeros)).tolist()
    hidden = reason.notna().tolist()
    values = counts.astype(float).tolist()
    row_ids = _line_ids(result, rows)
    column_ids = _line_ids(result, columns) if columns else None
    for block in _blocks(row_ids, column_ids):
        if not any(hidden[p] for p in block):
            continue
        grid = _Grid([row_ids[block].tolist()] + ([column_ids[block].tolist()] if columns else []))
        part = [hidden[p] for p in block]
        risk, part_values = [at_risk[p] for p in block], [values[p] for p in block]
        complements = _release(grid, part, risk, part_values, _protect(grid, part, risk, part_values))
        reason.iloc[[block[cell] for cell in complements]] = "secondary"

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


def _row_keys(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Each row's values of `columns` as a tuple, a missing value as None: rows whose line has a
    missing value match, as `suppress` groups them into one line (NaN itself equals nothing)."""
    return [tuple(None if pd.isna(value) else value for value in row)
            for row in zip(*(frame[column].tolist() for column in columns))]


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
    hidden_singles = singles[singles[single_reason_column].notna()]
    hidden_codes: dict[tuple, set[int]] = {}
    for key, code in zip(_row_keys(hidden_singles, lines), hidden_singles[code_column].tolist()):
        hidden_codes.setdefault(key, set()).add(int(code))
    gives_away = []
    for key, codes in zip(_row_keys(combined, lines), combined[members_column].tolist()):
        hidden = hidden_codes.get(key, set())
        members = {int(code) for code in codes}
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
