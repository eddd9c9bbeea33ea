"""The report's frequency tables, meting against the previous meting, regenerated from the marts.

Percentages and counts are mart_route_cohort's (pct_valid: over valid answers, as the report
computes), for the breakdowns the report prints: total, group, leerroute, cohort and gender.
Beside each difference: the report's rule (a difference of about eight points or more is
meaningful, meting2023.yaml design) and a test, so the two readings can be compared:
- per answer: the two-proportion z-test (pooled, two-sided);
- per question x breakdown value: Pearson's chi-square test of the whole answer distribution
  (2 metingen x k answers; no continuity correction, so for a yes/no option it equals z^2).
The two samples are treated as independent, as mart_meting_comparison does (part of the
Wi2021 respondents answered both metingen, which makes the tests conservative).

Questions: the coded questions the codebook links to a report table or figure. A multi-response
option shows its 'selected' share only, as the report prints it.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

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
with questions as (
    select question_id, question_group, question_text_nl, item_label_nl, answer_set_id, value_type,
           report_tables
    from marts.dim_question
    where value_type in ('categorical', 'multi_response_option') and coalesce(report_tables, '') <> ''
),
options as (
    select answer_set_id, harmonised_code, label_nl, sort_order
    from marts.dim_answer_option
    where is_valid
),
route_cohort as (
    select * from marts.mart_route_cohort
    where list_contains($breakdowns, breakdown) and list_contains([$meting, $previous], meting)
),
totals as (
    select meting, question_id, breakdown, breakdown_value, coalesce(max(valid_n), 0) as valid_n,
        -- weighted percentages only where every valid answer of the cell carries weights
        coalesce(bool_and(pct_valid_weighted is not null) filter (where answer_status = 'valid'), false) as weighted
    from route_cohort
    group by all
),
asked as (
    select distinct meting, question_id from route_cohort
),
answers as (
    select meting, question_id, breakdown, breakdown_value, harmonised_code, respondents, pct_valid,
        pct_valid_weighted
    from route_cohort
    where answer_status = 'valid'
),
cells as (
    select distinct question_id, breakdown, breakdown_value from totals
)
select
    cast($meting as integer) as meting,
    cast($previous as integer) as previous_meting,
    q.question_id,
    q.question_group,
    q.question_text_nl,
    q.item_label_nl,
    q.value_type,
    q.report_tables,
    c.breakdown,
    c.breakdown_value,
    o.harmonised_code,
    o.label_nl as answer_label_nl,
    o.sort_order as answer_sort_order,
    tp.valid_n as valid_n_previous,
    tc.valid_n as valid_n_current,
    case when tp.valid_n > 0 then coalesce(ap.respondents, 0) end as respondents_previous,
    case when tc.valid_n > 0 then coalesce(ac.respondents, 0) end as respondents_current,
    case when tp.valid_n > 0 then coalesce(ap.pct_valid, 0.0) end as pct_previous,
    case when tc.valid_n > 0 then coalesce(ac.pct_valid, 0.0) end as pct_current,
    case when tp.valid_n > 0 and tp.weighted then coalesce(ap.pct_valid_weighted, 0.0) end as pct_previous_weighted,
    case when tc.valid_n > 0 and tc.weighted then coalesce(ac.pct_valid_weighted, 0.0) end as pct_current_weighted,
    kp.question_id is not null as asked_previous,
    kc.question_id is not null as asked_current
from cells as c
inner join questions as q on c.question_id = q.question_id
inner join options as o
    on q.answer_set_id = o.answer_set_id
    and (q.value_type <> 'multi_response_option' or o.harmonised_code = 1)
left join totals as tp
    on tp.meting = $previous and tp.question_id = c.question_id and tp.breakdown = c.breakdown
    and tp.breakdown_value = c.breakdown_value
left join totals as tc
    on tc.meting = $meting and tc.question_id = c.question_id and tc.breakdown = c.breakdown
    and tc.breakdown_value = c.breakdown_value
left join answers as ap
    on ap.meting = $previous and ap.question_id = c.question_id and ap.breakdown = c.breakdown
    and ap.breakdown_value = c.breakdown_value and ap.harmonised_code = o.harmonised_code
left join answers as ac
    on ac.meting = $meting and ac.question_id = c.question_id and ac.breakdown = c.breakdown
    and ac.breakdown_value = c.breakdown_value and ac.harmonised_code = o.harmonised_code
left join asked as kp on kp.meting = $previous and kp.question_id = c.question_id
left join asked as kc on kc.meting = $meting and kc.question_id = c.question_id
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
    "report_tables", "breakdown", "breakdown_value", "harmonised_code", "answer_label_nl", "answer_sort_order",
    "valid_n_previous", "valid_n_current", "respondents_previous", "respondents_current", "pct_previous",
    "pct_current", "difference_points", "pct_previous_weighted", "pct_current_weighted",
    "difference_points_weighted", "meaningful_difference", "z_value", "p_value", "significant",
    "chi_square_p_value", "comparison_note",
]
CHI_SQUARE_COLUMNS = [
    "meting", "previous_meting", "question_id", "breakdown", "breakdown_value", "valid_n_previous",
    "valid_n_current", "answers_compared", "chi_square", "df", "p_value", "significant", "min_expected",
    "max_abs_difference_points", "meaningful_difference", "note",
]


def meting_pairs(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    """(meting, previous meting) for every meting after the first, as mart_meting_comparison pairs them."""
    return [(int(m), int(p)) for m, p in con.execute(PAIRS_SQL).fetchall()]


def two_proportion_z(x1, n1, x2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-sided z-test of p2 - p1; NaN where a side has no cases."""
    x1, n1, x2, n2 = (np.asarray(v, dtype=float) for v in (x1, n1, x2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (x2 / n2 - x1 / n1) / se
    z = np.where((n1 > 0) & (n2 > 0) & (se == 0), 0.0, z)  # both 0 % or both 100 %: no difference
    z = np.where((n1 > 0) & (n2 > 0), z, np.nan)
    p = np.where(np.isfinite(z), 2 * stats.norm.sf(np.abs(z)), np.nan)
    return z, p


def chi_square(previous: pd.Series, current: pd.Series) -> dict:
    """Pearson chi-square of the 2 x k table (answers with no one in either meting dropped)."""
    table = pd.concat([previous, current], axis=1).fillna(0).to_numpy(dtype=float).T
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or (table.sum(axis=1) == 0).any():
        return {"answers_compared": int(table.shape[1]), "chi_square": None, "df": None, "p_value": None,
                "min_expected": None}
    statistic, p_value, dof, expected = stats.chi2_contingency(table, correction=False)
    return {"answers_compared": int(table.shape[1]), "chi_square": float(statistic), "df": int(dof),
            "p_value": float(p_value), "min_expected": float(expected.min())}


def _note(row) -> str | None:
    for side, meting, asked, n in (("previous", row.previous_meting, row.asked_previous, row.valid_n_previous),
                                   ("current", row.meting, row.asked_current, row.valid_n_current)):
        if not asked:
            return f"not asked in {meting}"
        if pd.isna(n) or n == 0:
            return f"no valid answers in {meting}"
    return None


def comparison(con: duckdb.DuckDBPyConnection, meting: int, previous: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(answer-level frequencies with tests, chi-square per question x breakdown value) for one pair."""
    params = {"meting": int(meting), "previous": int(previous), "breakdowns": list(BREAKDOWNS)}
    cells = con.execute(CELLS_SQL, params).df()
    counts = con.execute(COUNTS_SQL, params).df()
    cells["difference_points"] = cells["pct_current"] - cells["pct_previous"]
    cells["difference_points_weighted"] = cells["pct_current_weighted"] - cells["pct_previous_weighted"]
    # rounded so that float noise cannot move a difference across the threshold (as the mart)
    cells["meaningful_difference"] = (cells["difference_points"].abs().round(9) >= MEANINGFUL_POINTS).where(
        cells["difference_points"].notna())
    z, p = two_proportion_z(cells["respondents_previous"], cells["valid_n_previous"],
                            cells["respondents_current"], cells["valid_n_current"])
    cells["z_value"], cells["p_value"] = z, p
    cells["significant"] = (cells["p_value"] < ALPHA).where(cells["p_value"].notna())
    cells["comparison_note"] = [_note(row) for row in cells.itertuples(index=False)]

    keys = ["question_id", "breakdown", "breakdown_value"]
    wide = counts.pivot_table(index=keys + ["harmonised_code"], columns="meting", values="respondents",
                              aggfunc="sum", fill_value=0)
    tests = []
    for key, part in cells.groupby(keys, sort=True):
        first = part.iloc[0]
        if key in wide.index.droplevel("harmonised_code"):
            block = wide.loc[key]
            result = chi_square(block.get(previous, pd.Series(0, index=block.index)),
                                block.get(meting, pd.Series(0, index=block.index)))
        else:
            result = {"answers_compared": 0, "chi_square": None, "df": None, "p_value": None, "min_expected": None}
        differences = part["difference_points"].abs()
        tests.append({
            "meting": meting, "previous_meting": previous, **dict(zip(keys, key)),
            "valid_n_previous": first["valid_n_previous"], "valid_n_current": first["valid_n_current"], **result,
            "significant": None if result["p_value"] is None else result["p_value"] < ALPHA,
            "max_abs_difference_points": differences.max() if differences.notna().any() else None,
            "meaningful_difference": bool(part["meaningful_difference"].fillna(False).any())
            if part["meaningful_difference"].notna().any() else None,
            "note": first["comparison_note"] or (
                "expected count below 5 in a cell: read the p-value with care"
                if result["min_expected"] is not None and result["min_expected"] < 5 else None),
        })
    tests = pd.DataFrame(tests, columns=CHI_SQUARE_COLUMNS)
    cells = cells.merge(tests[keys + ["p_value"]].rename(columns={"p_value": "chi_square_p_value"}),
                        on=keys, how="left")
    return _typed(cells[FREQUENCY_COLUMNS]), _typed(tests)


_INTEGER = {"meting", "previous_meting", "harmonised_code", "answer_sort_order", "valid_n_previous",
            "valid_n_current", "respondents_previous", "respondents_current", "answers_compared", "df"}
_FLOAT = {"pct_previous", "pct_current", "difference_points", "pct_previous_weighted", "pct_current_weighted",
          "difference_points_weighted", "z_value", "p_value", "chi_square_p_value",
          "chi_square", "min_expected", "max_abs_difference_points"}
_BOOLEAN = {"meaningful_difference", "significant"}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return typed(frame, _INTEGER, _FLOAT, _BOOLEAN)


def order(frame: pd.DataFrame) -> pd.DataFrame:
    breakdown_rank = {name: index for index, name in enumerate(BREAKDOWNS)}
    return frame.assign(_rank=frame["breakdown"].map(breakdown_rank)).sort_values(
        ["meting", "_rank", "report_tables", "question_id", "breakdown_value", "answer_sort_order"],
        kind="stable").drop(columns="_rank").reset_index(drop=True)
