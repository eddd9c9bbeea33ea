"""Disclosure control on the report's frames (orchestration.privacy.disclosure.suppress), and
the suppressed frames cut into what one table or one chart shows.

A *line* is one subgroup's answer distribution (its N is printed, so its counts are
recoverable from the percentages); a *column* is one answer across the subgroups of a
breakdown. A subgroup with fewer than the minimum valid answers is left out whole (no
numbers, no bar): its total may not be printed. Every other line goes through primary and
secondary suppression by line and by column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from orchestration.privacy.disclosure import min_cell_count, suppress
from orchestration.publication.labels import value_order

SMALL_GROUP = "small_group"
DISTRIBUTION_LINE = ["meting", "question_id", "breakdown", "breakdown_value"]
DISTRIBUTION_COLUMN = ["meting", "question_id", "breakdown", "harmonised_code"]
COMPARISON_LINE = ["meting", "previous_meting", "question_id", "group_label"]
COMPARISON_COLUMN = ["meting", "previous_meting", "question_id", "harmonised_code"]
# numbers computed from both metingen: hidden when either side is
BOTH_SIDES = ["difference_points", "meaningful_difference", "difference_weighted"]


def _suppressed(frame: pd.DataFrame, count: str, total: str, derived: list[str], line: list[str],
                column: list[str], reason: str, threshold: int) -> pd.DataFrame:
    """`frame` with small lines hidden whole and the rest through `suppress`; rows whose count
    is NULL (not asked) pass through untouched with reason None. The small lines go into
    `suppress` as primary cells, so the columns they sit in get their complements too (else a
    hidden group would be the column total minus the printed groups)."""
    asked = frame[count].notna()
    part = frame[asked]
    small = pd.to_numeric(part[total], errors="coerce") < threshold
    checked = suppress(part, count, line, threshold, derived_columns=derived, column_groups=column,
                       reason_column=reason, also_primary=small)
    checked.loc[small, reason] = SMALL_GROUP
    checked[total] = checked[total].astype("Int64").mask(small)
    rest = frame[~asked].assign(**{reason: None})
    parts = [piece for piece in (checked, rest) if len(piece)]
    if not parts:
        return frame.assign(**{reason: None})
    result = pd.concat(parts).loc[frame.index]
    # one spelling of "not suppressed": concat turns None into NaN in object columns
    result[reason] = result[reason].astype(object).where(result[reason].notna(), None)
    return result


def publishable_distribution(frame: pd.DataFrame, min_count: int | None = None) -> pd.DataFrame:
    """data.distribution after disclosure control: column `suppressed` is None, 'primary',
    'secondary' or 'small_group'; suppressed counts and percentages (weighted too) are NULL."""
    threshold = min_cell_count(min_count)
    derived = [c for c in ("pct_valid", "pct_valid_weighted") if c in frame]
    return _suppressed(frame, "respondents", "valid_n", derived, DISTRIBUTION_LINE, DISTRIBUTION_COLUMN,
                       "suppressed", threshold)


def publishable_comparison(frame: pd.DataFrame, min_count: int | None = None) -> pd.DataFrame:
    """data.comparison after disclosure control, each meting on its own (`suppressed_previous`,
    `suppressed_current`); differences hidden when either side is."""
    threshold = min_cell_count(min_count)
    out = frame.copy()
    if "difference_points_weighted" in out:
        out = out.rename(columns={"difference_points_weighted": "difference_weighted"})
    elif {"pct_previous_weighted", "pct_current_weighted"} <= set(out.columns):
        out["difference_weighted"] = out["pct_current_weighted"] - out["pct_previous_weighted"]
    for side in ("previous", "current"):
        derived = [c for c in (f"pct_{side}", f"pct_{side}_weighted") if c in out]
        out = _suppressed(out, f"respondents_{side}", f"valid_n_{side}", derived, COMPARISON_LINE,
                          COMPARISON_COLUMN, f"suppressed_{side}", threshold)
    hidden = out["suppressed_previous"].notna() | out["suppressed_current"].notna()
    for column in BOTH_SIDES:
        if column in out:
            out[column] = out[column].astype("object").where(~hidden, None)
    return out


# --- what one table / chart shows -----------------------------------------------------------

@dataclass
class Cell:
    pct: float | None          # None: not published (see reason) or not asked
    pct_weighted: float | None = None
    reason: str | None = None  # None, 'primary', 'secondary', 'small_group', 'not_asked'


@dataclass
class Difference:
    points: float | None       # None: suppressed, or not comparable
    points_weighted: float | None
    meaningful: bool           # the report's 8-point rule
    comparable: bool           # both metingen asked the group (mart: comparison_note is NULL)


@dataclass
class Line:
    """One row of a table and one bar of a chart."""
    breakdown: str
    value: str
    n: int | None              # None when the subgroup is too small to print its N
    cells: list[Cell]
    label_suffix: str = ""     # e.g. the meting in a comparison
    difference: list[Difference] = field(default_factory=list)  # comparison only: one per answer

    @property
    def hidden(self) -> bool:
        return any(cell.reason == SMALL_GROUP for cell in self.cells)

    @property
    def not_asked(self) -> bool:
        return all(cell.reason == "not_asked" for cell in self.cells)

    @property
    def suppressed_share(self) -> float:
        """The part of the bar not published: 100 minus the printed percentages (the sum of two
        or more suppressed cells, which secondary suppression leaves unidentifiable)."""
        shown = sum(cell.pct for cell in self.cells if cell.pct is not None)
        return max(0.0, 100.0 - shown) if any(cell.reason in ("primary", "secondary") for cell in self.cells) else 0.0


def _reason(x) -> str | None:
    return None if x is None or pd.isna(x) else str(x)


def _flag(x) -> bool:
    return False if x is None or pd.isna(x) else bool(x)


def _value(x):
    return None if x is None or pd.isna(x) else float(x)


def distribution_lines(published: pd.DataFrame, question_id: str, breakdown: str) -> list[Line]:
    """The subgroups of one breakdown of one question, in the breakdown's order, each with one
    cell per valid answer option (in the codebook's printed order)."""
    part = published[(published["question_id"] == question_id) & (published["breakdown"] == breakdown)]
    lines = []
    values = sorted(part["breakdown_value"].unique(), key=lambda v: value_order(breakdown, v))
    for value in values:
        rows = part[part["breakdown_value"] == value]
        rows = rows.sort_values(["answer_sort_order", "harmonised_code"])
        cells = [Cell(_value(r.pct_valid), _value(getattr(r, "pct_valid_weighted", None)), _reason(r.suppressed))
                 for r in rows.itertuples(index=False)]
        n = rows["valid_n"].iloc[0]
        lines.append(Line(breakdown, str(value), None if pd.isna(n) else int(n), cells))
    return lines


def comparison_lines(published: pd.DataFrame, question_id: str) -> list[Line]:
    """Per group two lines (previous meting, current meting); the current one carries the
    differences per answer."""
    part = published[published["question_id"] == question_id]
    lines = []
    for group in sorted(part["group_label"].unique(), key=lambda v: value_order("group", v)):
        rows = part[part["group_label"] == group]
        rows = rows.sort_values(["answer_sort_order", "harmonised_code"])
        for side in ("previous", "current"):
            meting = int(rows[f"{side}_meting" if side == "previous" else "meting"].iloc[0])
            cells = []
            for r in rows.itertuples(index=False):
                reason = _reason(getattr(r, f"suppressed_{side}"))
                if reason is None and pd.isna(getattr(r, f"respondents_{side}")):
                    reason = "not_asked"
                cells.append(Cell(_value(getattr(r, f"pct_{side}")),
                                  _value(getattr(r, f"pct_{side}_weighted", None)), reason))
            n = rows[f"valid_n_{side}"].iloc[0]
            line = Line("group", str(group), None if pd.isna(n) or int(n) == 0 else int(n), cells, str(meting))
            if side == "current":
                line.difference = [Difference(_value(r.difference_points),
                                              _value(getattr(r, "difference_weighted", None)),
                                              _flag(r.meaningful_difference), pd.isna(r.comparison_note))
                                   for r in rows.itertuples(index=False)]
            lines.append(line)
    return lines
