"""Disclosure control applied where aggregates leave the warehouse: the comparison pages and
CSVs under outputs/. The analysis tables inside the warehouse keep every cell (the asset
checks compare them with the marts); what is published is suppressed (disclosure.py).

Each meting's side of the comparison is suppressed on its own:
- a subgroup whose valid N is below the minimum is not published at all: every cell of its
  line is suppressed (primary) and its N hidden;
- a cell below the minimum is suppressed (primary);
- complements (secondary) along the line (one subgroup's answer distribution, whose N is
  printed) and along the column (one answer across the subgroups of a breakdown, whose sum
  the breakdown 'total' prints), until no line or column has exactly one suppressed cell.
A combined category ("(helemaal) eens") is judged on its own count beside its line's single
answers (disclosure.suppress_combined): publishable where its members are not, unless printing
it would give a hidden single away.
A difference, a test, or a line's chi-square statistic is hidden when any cell it rests on is."""

from __future__ import annotations

import pandas as pd

from orchestration.privacy.disclosure import min_cell_count, suppress, suppress_combined

# one printed line: the answer distribution of a question in one subgroup, whose total (the
# valid N) a reader can see or recompute
LINE = ["meting", "previous_meting", "question_id", "breakdown", "breakdown_value"]
# one printed column: an answer across the subgroups of a breakdown; the subgroups add up to
# the 'total' breakdown's cell (or to less, where some respondents have no value)
COLUMN = ["meting", "previous_meting", "question_id", "breakdown", "harmonised_code"]
DEPENDS_ON_BOTH_SIDES = ["difference_points", "difference_points_weighted", "z_value", "p_value",
                         "meaningful_difference", "significant", "emphasised", "difference_se_points",
                         "ci95_lower_points", "ci95_upper_points", "difference_se_points_weighted",
                         "ci95_lower_points_weighted", "ci95_upper_points_weighted", "meaningful_difference_weighted",
                         "significant_weighted", "emphasised_weighted"]
LINE_TESTS = ["chi_square_p_value"]
CHI_SQUARE_RESULTS = ["answers_compared", "chi_square", "df", "p_value", "significant", "min_expected",
                      "max_abs_difference_points", "meaningful_difference"]
SIDES = (("current", "respondents_current", "valid_n_current", ["pct_current", "pct_current_weighted"]),
         ("previous", "respondents_previous", "valid_n_previous", ["pct_previous", "pct_previous_weighted"]))


def _base_column(frame: pd.DataFrame, valid_n: str) -> str:
    """The N of a side: base_n_* (the percentage base) where the frame has it, else valid_n_*."""
    base = valid_n.replace("valid_n_", "base_n_")
    return base if base in frame else valid_n


def publishable_comparison(frequencies: pd.DataFrame, min_count: int | None = None) -> pd.DataFrame:
    """The comparison frequencies as they may be published (see the module docstring)."""
    combined_rows = frequencies.get("category_kind", pd.Series("single", index=frequencies.index)).eq("combined")
    out = frequencies[~combined_rows]
    combined = frequencies[combined_rows]
    for side, count, valid_n, percents in SIDES:
        n_column = _base_column(frequencies, valid_n)
        out = _suppress_side(out, count, n_column, percents, f"suppressed_{side}", min_count)
        combined = _suppress_combined_side(combined, out, count, n_column, percents, f"suppressed_{side}",
                                           min_count)
    if len(combined):
        out = pd.concat([out, combined]).loc[frequencies.index]
    hidden = out["suppressed_current"].notna() | out["suppressed_previous"].notna()
    _hide(out, DEPENDS_ON_BOTH_SIDES, hidden)
    # a test of the whole distribution rests on every cell of the line
    line_hidden = hidden.groupby([out[column] for column in LINE], dropna=False).transform("any")
    _hide(out, LINE_TESTS, line_hidden)
    return out


def publishable_chi_square(tests: pd.DataFrame, published_frequencies: pd.DataFrame,
                           min_count: int | None = None) -> pd.DataFrame:
    """The chi-square table as it may be published: no statistic for a line with a suppressed
    cell on either side (the statistic and the Ns would pin the hidden split down), and no N
    below the minimum."""
    hidden = (published_frequencies["suppressed_current"].notna()
              | published_frequencies["suppressed_previous"].notna())
    keys = [column for column in LINE if column in tests.columns]
    hidden_lines = published_frequencies.loc[hidden, keys].drop_duplicates()
    out = tests.merge(hidden_lines.assign(_hidden=True), on=keys, how="left")
    line_hidden = out.pop("_hidden").fillna(False).astype(bool)
    line_hidden.index = tests.index
    out.index = tests.index
    _hide(out, CHI_SQUARE_RESULTS, line_hidden)
    threshold = min_cell_count(min_count)
    for valid_n in ("valid_n_current", "valid_n_previous"):
        if valid_n in out:
            _hide(out, [valid_n], pd.to_numeric(out[valid_n], errors="coerce") < threshold)
    return out


def _hide(frame: pd.DataFrame, columns: list[str], mask: pd.Series) -> None:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].astype("object").where(~mask, None)


def _suppress_side(frame: pd.DataFrame, count: str, valid_n: str, percents: list[str], reason: str,
                   min_count: int | None) -> pd.DataFrame:
    """A side that was not asked (NULL counts, e.g. a question new in this meting) has nothing
    to protect; the rest goes through the suppression rule. A weighted percentage reveals the
    cell as much as the unweighted one, so both go."""
    asked = frame[count].notna()
    part = frame[asked]
    small_line = pd.to_numeric(part[valid_n], errors="coerce") < min_cell_count(min_count)
    derived = [column for column in percents if column in frame]
    done = suppress(part, count, LINE, min_count, derived_columns=derived, column_groups=COLUMN,
                    reason_column=reason, also_primary=small_line)
    _hide(done, [valid_n], small_line)
    rest = frame[~asked].assign(**{reason: None})
    return pd.concat([done, rest]).loc[frame.index]


def _suppress_combined_side(combined: pd.DataFrame, singles: pd.DataFrame, count: str, n_column: str,
                            percents: list[str], reason: str, min_count: int | None) -> pd.DataFrame:
    """One side of the combined categories, beside that side's published single answers; a
    line below the minimum publishes no combined category either."""
    if combined.empty:
        return combined.assign(**{reason: None})
    asked = combined[count].notna()
    part = combined[asked]
    small_line = pd.to_numeric(part[n_column], errors="coerce") < min_cell_count(min_count)
    derived = [column for column in percents if column in combined]
    done = suppress_combined(part[~small_line], singles[singles[count].notna() | singles[reason].notna()], count,
                             LINE, members_column="harmonised_codes", code_column="harmonised_code",
                             single_reason_column=reason, min_count=min_count, derived_columns=derived,
                             column_groups=["meting", "previous_meting", "question_id", "breakdown", "category_id"],
                             reason_column=reason)
    small = part[small_line].copy()
    for column in [count, n_column, *derived]:
        small[column] = None
    small[reason] = "primary"
    rest = combined[~asked].assign(**{reason: None})
    return pd.concat([piece for piece in (done, small, rest) if len(piece)]).loc[combined.index]
