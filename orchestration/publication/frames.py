"""Disclosure control on the report's frames (orchestration.privacy.disclosure.suppress), and
the suppressed frames cut into what one table or one chart shows.

A *line* is one subgroup's answer distribution (its N is printed, so its counts are
recoverable from the percentages); a *column* is one answer across the subgroups of a
breakdown. A subgroup with fewer than the minimum answers in its base is left out whole (no
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
COMPARISON_LINE = ["meting", "previous_meting", "question_id", "breakdown", "breakdown_value"]
COMPARISON_COLUMN = ["meting", "previous_meting", "question_id", "breakdown", "harmonised_code"]
# numbers computed from both metingen: hidden when either side is
BOTH_SIDES = ["difference_points", "meaningful_difference", "difference_points_weighted",
              "meaningful_difference_weighted", "significant_at_95", "emphasised",
              "significant_at_95_weighted", "emphasised_weighted", "ci95_lower_points", "ci95_upper_points",
              "ci95_lower_points_weighted", "ci95_upper_points_weighted"]
HIDDEN = ("primary", "secondary")


def column_total_printed(frame: pd.DataFrame, total: str, question_total: str, line: list[str],
                         threshold: int) -> pd.Series:
    """Per row: whether the column it lies in (an answer across the subgroups of its breakdown)
    adds up to a printed total. It does when the subgroups hold all of the question's
    answers, or all but fewer than `threshold` (then the column total pins the hidden cells
    down to within that few). A breakdown whose unknown values leave out more (leerroute and
    cohort without an 'onbekend' line) prints no column total: its columns need no complements.
    Without the question's total (`question_total` absent) every column counts as printed."""
    if question_total not in frame:
        return pd.Series(True, index=frame.index)
    block = line[:-1]  # the line without its subgroup: meting(s), question, breakdown
    lines = frame.drop_duplicates(line)
    covered = pd.to_numeric(lines[total], errors="coerce").groupby([lines[c] for c in block], dropna=False).sum()
    whole = pd.to_numeric(lines[question_total], errors="coerce").groupby(
        [lines[c] for c in block], dropna=False).max()
    printed = ~((whole - covered) >= threshold)  # a missing total counts as printed
    keys = pd.MultiIndex.from_frame(frame[block]) if len(block) > 1 else pd.Index(frame[block[0]])
    return pd.Series(printed.reindex(keys).fillna(True).to_numpy(dtype=bool), index=frame.index)


def _suppressed(frame: pd.DataFrame, count: str, total: str, question_total: str, derived: list[str],
                line: list[str], column: list[str], reason: str, threshold: int) -> pd.DataFrame:
    """`frame` with small lines hidden whole and the rest through `suppress`; rows whose count
    is NULL (not asked) pass through untouched with reason None. The small lines go into
    `suppress` as primary cells, so the columns they sit in get their complements too (else a
    hidden group would be the column total minus the printed groups). Columns get complements
    only where they add up to a printed total (column_total_printed)."""
    asked = frame[count].notna()
    part = frame[asked]
    small = pd.to_numeric(part[total], errors="coerce") < threshold
    by_column = column_total_printed(part, total, question_total, line, threshold)
    pieces = []
    for with_columns in (True, False):
        rows = part[by_column == with_columns]
        if len(rows):
            pieces.append(suppress(rows, count, line, threshold, derived_columns=derived,
                                   column_groups=column if with_columns else None, reason_column=reason,
                                   also_primary=small[rows.index]))
    checked = pd.concat(pieces).loc[part.index] if pieces else part.assign(**{reason: None})
    checked.loc[small, reason] = SMALL_GROUP
    checked[total] = checked[total].astype("Int64").mask(small)
    for column_name in [count, *derived]:  # an empty cell of a small group is not printed either
        checked[column_name] = checked[column_name].astype("Float64" if column_name in derived else "Int64").mask(small)
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
    derived = [c for c in ("pct_of_base", "pct_of_base_weighted") if c in frame]
    return _suppressed(frame, "respondents", "base_n", "total_base_n", derived, DISTRIBUTION_LINE,
                       DISTRIBUTION_COLUMN, "suppressed", threshold)


def publishable_comparison(frame: pd.DataFrame, min_count: int | None = None) -> pd.DataFrame:
    """data.comparison after disclosure control, each meting on its own (`suppressed_previous`,
    `suppressed_current`); differences hidden when either side is."""
    threshold = min_cell_count(min_count)
    out = frame.copy()
    for side in ("previous", "current"):
        derived = [c for c in (f"pct_{side}", f"pct_{side}_weighted") if c in out]
        out = _suppressed(out, f"respondents_{side}", f"base_n_{side}", f"total_base_n_{side}", derived,
                          COMPARISON_LINE, COMPARISON_COLUMN, f"suppressed_{side}", threshold)
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

    def estimate(self, weighted: bool) -> float | None:
        """The percentage the page prints: one estimate per page, weighted or not."""
        return self.pct_weighted if weighted else self.pct

    @property
    def hidden(self) -> bool:
        return self.reason in HIDDEN


@dataclass
class Difference:
    points: float | None       # None: suppressed, or not comparable
    points_weighted: float | None
    meaningful: bool           # the report's 8-point rule, on the unweighted difference (the mart's)
    meaningful_weighted: bool  # the same rule on the weighted difference
    comparable: bool           # both metingen asked the subgroup (comparison_note is NULL)
    significant: bool = False  # the mart's test at 95 %, unweighted and weighted (design-based)
    significant_weighted: bool = False
    emphasised: bool = False   # the mart's verdict: both meaningful and significant
    emphasised_weighted: bool = False
    interval: tuple[float | None, float | None] = (None, None)  # the mart's 95 % interval, points
    interval_weighted: tuple[float | None, float | None] = (None, None)

    def estimate(self, weighted: bool) -> tuple[float | None, bool]:
        return (self.points_weighted, self.meaningful_weighted) if weighted else (self.points, self.meaningful)

    def verdict(self, weighted: bool) -> tuple[bool, bool, bool]:
        """(meaningful, significant, emphasised) of the page's estimate, as the mart gives them."""
        if weighted:
            return self.meaningful_weighted, self.significant_weighted, self.emphasised_weighted
        return self.meaningful, self.significant, self.emphasised

    def ci95(self, weighted: bool) -> tuple[float | None, float | None]:
        return self.interval_weighted if weighted else self.interval


@dataclass(frozen=True)
class Segment:
    """One stretch of a bar: an answer's printed share, or a run of adjacent suppressed answers."""
    start: float
    width: float
    answer: int                # index of the (first) answer it stands for
    hidden: bool


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

    def suppressed_share(self, weighted: bool = False) -> float:
        """The part of the bar not published: 100 minus the printed percentages (the sum of two
        or more suppressed cells, which secondary suppression leaves unidentifiable)."""
        if not any(cell.hidden for cell in self.cells):
            return 0.0
        shown = sum(value for cell in self.cells if (value := cell.estimate(weighted)) is not None)
        return max(0.0, 100.0 - shown)

    def segments(self, weighted: bool) -> list[Segment]:
        """The bar, answer by answer in printed order: a suppressed answer keeps its place, so
        the answers after it start where they would. Adjacent suppressed answers are one
        segment; the suppressed share is split evenly over the suppressed answers, because only
        their sum is published (exact when they are adjacent, as they then form one segment)."""
        hidden = [index for index, cell in enumerate(self.cells) if cell.hidden]
        each = self.suppressed_share(weighted) / len(hidden) if hidden else 0.0
        segments, left, after_hidden = [], 0.0, False
        for index, cell in enumerate(self.cells):
            if cell.hidden:
                if after_hidden:  # the run goes on: widen its segment
                    last = segments.pop()
                    segments.append(Segment(last.start, last.width + each, last.answer, True))
                else:
                    segments.append(Segment(left, each, index, True))
                left, after_hidden = left + each, True
                continue
            after_hidden = False
            value = cell.estimate(weighted)
            if value is not None and value > 0:
                segments.append(Segment(left, value, index, False))
                left += value
        return segments


def _reason(x) -> str | None:
    return None if x is None or pd.isna(x) else str(x)


def _flag(x) -> bool:
    return False if x is None or pd.isna(x) else bool(x)


def _value(x):
    return None if x is None or pd.isna(x) else float(x)


class LineRows:
    """The published rows by question x breakdown x subgroup, read from the frame in one pass: a
    page asks for every question's lines, in each language, and filtering the whole frame for
    each of them cost more than drawing the page's text."""

    def __init__(self, published: pd.DataFrame):
        self._rows: dict[tuple, dict] = {}
        for row in published.itertuples(index=False):
            self._rows.setdefault((row.question_id, row.breakdown), {}).setdefault(row.breakdown_value, []).append(row)

    def subgroups(self, question_id: str, breakdown: str):
        """(subgroup, its rows) in the breakdown's order, the rows in the answers' printed order."""
        values = self._rows.get((question_id, breakdown), {})
        for value in sorted(values, key=lambda v: value_order(breakdown, v)):
            yield value, sorted(values[value], key=lambda r: (r.answer_sort_order, r.harmonised_code))


def _line_rows(published: pd.DataFrame | LineRows) -> LineRows:
    return published if isinstance(published, LineRows) else LineRows(published)


def distribution_lines(published: pd.DataFrame | LineRows, question_id: str, breakdown: str) -> list[Line]:
    """The subgroups of one breakdown of one question, in the breakdown's order, each with one
    cell per answer in the question's percentage base (in the codebook's printed order)."""
    lines = []
    for value, rows in _line_rows(published).subgroups(question_id, breakdown):
        cells = [Cell(_value(r.pct_of_base), _value(getattr(r, "pct_of_base_weighted", None)), _reason(r.suppressed))
                 for r in rows]
        n = rows[0].base_n
        lines.append(Line(breakdown, str(value), None if pd.isna(n) else int(n), cells))
    return lines


def comparison_lines(published: pd.DataFrame | LineRows, question_id: str, breakdown: str) -> list[Line]:
    """Per subgroup of one breakdown two lines (previous meting, current meting); the current
    one carries the differences per answer."""
    lines = []
    for value, rows in _line_rows(published).subgroups(question_id, breakdown):
        for side in ("previous", "current"):
            meting = int(getattr(rows[0], "previous_meting" if side == "previous" else "meting"))
            cells = []
            for r in rows:
                reason = _reason(getattr(r, f"suppressed_{side}"))
                if reason is None and pd.isna(getattr(r, f"respondents_{side}")):
                    reason = "not_asked"
                cells.append(Cell(_value(getattr(r, f"pct_{side}")),
                                  _value(getattr(r, f"pct_{side}_weighted", None)), reason))
            n = getattr(rows[0], f"base_n_{side}")
            line = Line(breakdown, str(value), None if pd.isna(n) or int(n) == 0 else int(n), cells, str(meting))
            if side == "current":
                line.difference = [_difference(r) for r in rows]
            lines.append(line)
    return lines


def _difference(r) -> Difference:
    """One answer's difference with the mart's verdicts and interval (weighted twins when present)."""
    weighted = lambda name: getattr(r, f"{name}_weighted", None)  # noqa: E731
    return Difference(_value(r.difference_points), _value(weighted("difference_points")),
                      _flag(r.meaningful_difference), _flag(weighted("meaningful_difference")),
                      pd.isna(r.comparison_note),
                      _flag(getattr(r, "significant_at_95", None)), _flag(weighted("significant_at_95")),
                      _flag(getattr(r, "emphasised", None)), _flag(weighted("emphasised")),
                      (_value(getattr(r, "ci95_lower_points", None)), _value(getattr(r, "ci95_upper_points", None))),
                      (_value(weighted("ci95_lower_points")), _value(weighted("ci95_upper_points"))))
