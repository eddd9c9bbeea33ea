"""The report's frequency tables, meting against the previous meting, read from the marts.

Percentages, differences, intervals and flags are marts.mart_meting_comparison's (the one
comparison engine: shares and standard errors from mart_answer_shares, over the question's
percentage base, single and combined categories, unweighted and weighted with design-based
standard errors), for the breakdowns the report prints: total, group, leerroute, cohort and
gender. Nothing about a cell's comparison is recomputed here. Beside it, per question x
breakdown value: Pearson's chi-square test of the whole answer distribution (2 metingen x k
answers, unweighted counts of mart_route_cohort; no continuity correction), a reading the
cell-level comparison does not give.

Questions: the coded questions the codebook links to a report table or figure. A multi-response
option shows its 'selected' share only, as the report prints it.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.analysis.table_types import typed

MEANINGFUL_POINTS = 8.0
ALPHA = 0.05
BREAKDOWNS = ("total", "group", "leerroute", "cohort", "gender")
BREAKDOWN_LABELS = {"total": "Totaal", "group": "Type inburgeraar", "leerroute": "Leerroute", "cohort": "Cohort",
                    "gender": "Geslacht"}

PAIRS_SQL = """
select meting, previous_meting from (
    select meting, lag(meting) over (order by meting) as previous_meting
    from (select distinct meting from marts.fct_respondent)
)
where previous_meting is not null
order by meting
"""

CELLS_SQL = """
select
    c.meting, c.previous_meting, c.question_id, q.question_group, q.question_text_nl, q.item_label_nl,
    q.value_type, q.report_tables, c.percentage_base, c.breakdown, c.breakdown_value, c.group_label, c.leerroute,
    c.cohort, c.gender, c.category_kind, c.category_id, c.harmonised_code, c.harmonised_codes, c.answer_status,
    c.answer_label_nl, c.answer_sort_order, c.base_n_previous, c.base_n_current, c.respondents_previous,
    c.respondents_current, c.pct_previous, c.pct_current, c.difference_points, c.difference_se_points,
    c.ci95_lower_points, c.ci95_upper_points, c.meaningful_difference, c.significant_at_95 as significant,
    c.emphasised, c.pct_previous_weighted, c.pct_current_weighted, c.difference_points_weighted,
    c.difference_se_points_weighted, c.ci95_lower_points_weighted, c.ci95_upper_points_weighted,
    c.meaningful_difference_weighted, c.significant_at_95_weighted as significant_weighted,
    c.emphasised_weighted, c.comparison_note
from marts.mart_meting_comparison as c
inner join marts.dim_question as q on c.question_id = q.question_id
where c.meting = $meting and c.previous_meting = $previous and list_contains($breakdowns, c.breakdown)
  and q.value_type in ('categorical', 'multi_response_option') and coalesce(q.report_tables, '') <> ''
  and (q.value_type <> 'multi_response_option' or c.harmonised_code = 1)
"""

# every valid answer of a question (multi-response: selected and not selected) for the chi-square
COUNTS_SQL = """
select meting, question_id, breakdown, breakdown_value, harmonised_code, respondents
from marts.mart_route_cohort
where answer_status = 'valid' and list_contains($breakdowns, breakdown)
  and list_contains([$meting, $previous], meting)
"""

FREQUENCY_COLUMNS = [
    "meting", "previous_meting", "question_id", "question_group", "question_text_nl", "item_label_nl",
    "report_tables", "percentage_base", "breakdown", "breakdown_value", "group_label", "leerroute", "cohort",
    "gender", "category_kind", "category_id", "harmonised_code", "harmonised_codes", "answer_status",
    "answer_label_nl", "answer_sort_order", "base_n_previous", "base_n_current", "respondents_previous",
    "respondents_current", "pct_previous", "pct_current", "difference_points", "difference_se_points",
    "ci95_lower_points", "ci95_upper_points", "meaningful_difference", "significant", "emphasised",
    "pct_previous_weighted", "pct_current_weighted", "difference_points_weighted", "difference_se_points_weighted",
    "ci95_lower_points_weighted", "ci95_upper_points_weighted", "meaningful_difference_weighted",
    "significant_weighted", "emphasised_weighted", "chi_square_p_value", "comparison_note",
]
CHI_SQUARE_COLUMNS = [
    "meting", "previous_meting", "question_id", "breakdown", "breakdown_value", "valid_n_previous",
    "valid_n_current", "answers_compared", "chi_square", "df", "p_value", "significant", "min_expected",
    "max_abs_difference_points", "meaningful_difference", "note",
]


def meting_pairs(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """(meting, previous meting) for every meting after the first, as mart_meting_comparison pairs them."""
    return [(int(m), int(p)) for m, p in con.execute(PAIRS_SQL).fetchall()]


def chi_square_tests(counts: pd.DataFrame, meting: int, previous: int, keys: list[str]) -> pd.DataFrame:
    """Pearson chi-square of each key's 2 x k table (metingen x answers; answers with no one in
    either meting dropped), all keys at once: answers_compared, chi_square, df, p_value and
    min_expected, indexed by `keys`. A table of fewer than two answers, or with a meting that
    has no one, has no statistic."""
    from scipy import stats  # imported on use: loading the Dagster code location stays fast

    columns = ["answers_compared", "chi_square", "df", "p_value", "min_expected"]
    sums = counts.groupby([*keys, "harmonised_code", "meting"])["respondents"].sum().unstack("meting")
    table = pd.DataFrame({side: sums[side] if side in sums else 0.0 for side in (previous, meting)},
                         index=sums.index).fillna(0).astype(float)
    table = table[table.sum(axis=1) > 0]
    if table.empty:
        return pd.DataFrame(columns=columns, index=pd.MultiIndex.from_tuples([], names=keys))
    by_key = table.groupby(level=keys, sort=True)
    rows = by_key.sum()  # per key: the metingen's totals
    result = pd.DataFrame({"answers_compared": by_key.size()})
    testable = (result["answers_compared"] >= 2) & (rows > 0).all(axis=1)
    totals = rows.sum(axis=1)
    per_answer = table.sum(axis=1)  # an answer's total over the two metingen
    shares = rows.div(totals, axis=0).reindex(table.index.droplevel("harmonised_code"))
    expected = shares.mul(per_answer.to_numpy(), axis=0).set_axis(table.index)
    terms = ((table - expected) ** 2 / expected).sum(axis=1).groupby(level=keys, sort=True).sum()
    result["chi_square"] = terms.where(testable)
    result["df"] = (result["answers_compared"] - 1).where(testable)
    result["p_value"] = pd.Series(stats.chi2.sf(result["chi_square"], result["df"]), index=result.index).where(testable)
    result["min_expected"] = expected.min(axis=1).groupby(level=keys, sort=True).min().where(testable)
    return result[columns]


def comparison(con: duckdb.DuckDBPyConnection, meting: int, previous: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answer-level comparison from the mart, chi-square per question x breakdown value) for one pair."""
    params = {"meting": int(meting), "previous": int(previous), "breakdowns": list(BREAKDOWNS)}
    cells = con.execute(CELLS_SQL, params).df()
    counts = con.execute(COUNTS_SQL, params).df()
    # the chi-square lines: the single answers (a combined category repeats them); a cell
    # without a complete line key belongs to no line
    keys = ["question_id", "breakdown", "breakdown_value"]
    singles = cells[cells["category_kind"] == "single"].dropna(subset=keys)

    valid_n = counts.groupby([*keys, "meting"])["respondents"].sum().unstack("meting")
    per_line = [singles[key] for key in keys]
    meaningful = singles["meaningful_difference"]
    lines = pd.DataFrame({
        "note": singles.drop_duplicates(keys).set_index(keys)["comparison_note"],  # the line's first cell's
        "max_abs_difference_points": singles["difference_points"].abs().groupby(per_line, sort=True).max(),
        # NULL when no cell of the line could be compared
        "meaningful_difference": meaningful.fillna(False).astype(bool).groupby(per_line, sort=True).any().where(
            meaningful.notna().groupby(per_line, sort=True).any()),
    })
    tested = chi_square_tests(counts, meting, previous, keys).reindex(lines.index)
    tested["answers_compared"] = tested["answers_compared"].fillna(0)
    lines = lines.join(tested)
    for column, side in (("valid_n_previous", previous), ("valid_n_current", meting)):
        lines[column] = valid_n[side].reindex(lines.index) if side in valid_n else None
    lines["significant"] = (lines["p_value"] < ALPHA).where(lines["p_value"].notna())
    low_expected = lines["min_expected"] < 5
    lines["note"] = lines["note"].where(lines["note"].notna(), pd.Series(
        "expected count below 5 in a cell: read the p-value with care", index=lines.index).where(low_expected))
    tests = lines.reset_index().assign(meting=meting, previous_meting=previous)
    tests = tests.reindex(columns=CHI_SQUARE_COLUMNS)
    cells = cells.merge(tests[keys + ["p_value"]].rename(columns={"p_value": "chi_square_p_value"}),
                        on=keys, how="left")
    return _typed(cells[FREQUENCY_COLUMNS]), _typed(tests)


_INTEGER = {"meting", "previous_meting", "harmonised_code", "answer_sort_order", "base_n_previous",
            "base_n_current", "valid_n_previous", "valid_n_current", "respondents_previous", "respondents_current",
            "answers_compared", "df"}
_FLOAT = {"pct_previous", "pct_current", "difference_points", "difference_se_points", "ci95_lower_points",
          "ci95_upper_points", "pct_previous_weighted", "pct_current_weighted", "difference_points_weighted",
          "difference_se_points_weighted", "ci95_lower_points_weighted", "ci95_upper_points_weighted", "p_value",
          "chi_square_p_value", "chi_square", "min_expected", "max_abs_difference_points"}
_BOOLEAN = {"meaningful_difference", "significant", "emphasised", "meaningful_difference_weighted",
            "significant_weighted", "emphasised_weighted"}


_LISTS = frozenset({"harmonised_codes"})


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return typed(frame, _INTEGER, _FLOAT, _BOOLEAN, _LISTS)


def order(frame: pd.DataFrame) -> pd.DataFrame:
    breakdown_rank = {name: index for index, name in enumerate(BREAKDOWNS)}
    return frame.assign(_rank=frame["breakdown"].map(breakdown_rank)).sort_values(
        ["meting", "_rank", "report_tables", "question_id", "breakdown_value", "category_kind", "answer_sort_order"],
        kind="stable").drop(columns="_rank").reset_index(drop=True)
