"""Disclosure control applied where aggregates leave the warehouse: the comparison pages and
CSVs under outputs/. The analysis tables inside the warehouse keep every cell (the asset
checks compare them with the marts); what is published is suppressed (disclosure.py)."""

from __future__ import annotations

import pandas as pd

from orchestration.privacy.disclosure import suppress

# one printed line: the answer distribution of a question in one subgroup, whose total (the
# valid N) a reader can see or recompute
LINE = ["meting", "previous_meting", "question_id", "breakdown", "breakdown_value"]
DEPENDS_ON_BOTH_SIDES = ["difference_points", "difference_points_weighted", "z_value", "p_value",
                         "meaningful_difference", "significant"]


def publishable_comparison(frequencies: pd.DataFrame, min_count: int | None = None) -> pd.DataFrame:
    """Each meting's counts suppressed on their own (primary and secondary); a difference or
    test is hidden when either side of it is."""
    out = _suppress_side(frequencies, "respondents_current", ["pct_current", "pct_current_weighted"],
                         "suppressed_current", min_count)
    out = _suppress_side(out, "respondents_previous", ["pct_previous", "pct_previous_weighted"],
                         "suppressed_previous", min_count)
    hidden = out["suppressed_current"].notna() | out["suppressed_previous"].notna()
    for column in DEPENDS_ON_BOTH_SIDES:
        if column in out:
            out[column] = out[column].astype("object").where(~hidden, None)
    return out


def _suppress_side(frame: pd.DataFrame, count: str, percents: list[str], reason: str,
                   min_count: int | None) -> pd.DataFrame:
    """A side that was not asked (NULL counts, e.g. a question new in this meting) has nothing
    to protect; the rest goes through the suppression rule. A weighted percentage reveals the
    cell as much as the unweighted one, so both go."""
    asked = frame[count].notna()
    derived = [column for column in percents if column in frame]
    done = suppress(frame[asked], count, LINE, min_count, derived_columns=derived, reason_column=reason)
    rest = frame[~asked].assign(**{reason: None})
    combined = pd.concat([done, rest]).loc[frame.index]
    return combined
