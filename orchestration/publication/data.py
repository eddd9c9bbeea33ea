"""What the report reads from the marts: the questions (chosen by the codebook), their answer
options, the distributions per subgroup and the meting-on-meting comparison. Read only; every
number is the marts' own, nothing is recomputed here."""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from orchestration.publication.labels import BREAKDOWNS

# The page stays readable: at most this many questions (in report order), the rest are named.
MAX_QUESTIONS = 40
# Chapters 1-2 of the codebook are technical variables and the respondents' background
# (gender, leerroute, ...): they describe who answered, and several are the breakdowns
# themselves, so a split of them by group is not a finding.
BACKGROUND_CHAPTERS = ("1", "2")

# A question is in the report when the codebook links it to a figure of the published report
# (report_tables holds F<id> or FB<id>) and it is single-choice, so its answers stack to 100 %.
QUESTIONS_SQL = """
select question_id, question_group, chapter, question_text_nl, question_text_en, item_label_nl,
       item_label_en, answer_set_id, report_tables
from marts.dim_question
where value_type = 'categorical'
  and regexp_matches(coalesce(report_tables, ''), '(^|;)F')
  and not list_contains($background, chapter)
"""

OPTIONS_SQL = """
select answer_set_id, harmonised_code, label_nl, label_en, sort_order
from marts.dim_answer_option
where is_valid and list_contains($answer_sets, answer_set_id)
order by answer_set_id, sort_order, harmonised_code
"""


def weighted_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The `*_weighted` columns a mart has today: the weights are optional (another model adds
    them), so the report asks the catalogue at run time instead of assuming."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? and column_name like '%\\_weighted' escape '\\' "
        "order by ordinal_position", [table]).fetchall()
    return [row[0] for row in rows]


def _report_order(report_tables: str) -> tuple:
    """Sort key of the first table/figure id ('T4.6' -> (0, 4, 6)); appendix ids (B.x) after
    the chapters, so the page follows the report."""
    first = report_tables.split(";")[0].lstrip("TF")
    numbers = [int(n) for n in re.findall(r"\d+", first)]
    return (1 if first.startswith("B") else 0, *numbers)


def questions(con: duckdb.DuckDBPyConnection, cap: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(shown, left_out): the selected questions in report order, split at the cap."""
    frame = con.execute(QUESTIONS_SQL, {"background": list(BACKGROUND_CHAPTERS)}).df()
    frame["_order"] = frame["report_tables"].map(_report_order)
    frame = frame.sort_values(["_order", "question_id"]).drop(columns="_order").reset_index(drop=True)
    cap = MAX_QUESTIONS if cap is None else cap  # read at call time, so a caller can lower it
    return frame.head(cap), frame.iloc[cap:]


def options(con: duckdb.DuckDBPyConnection, answer_sets: list[str]) -> pd.DataFrame:
    return con.execute(OPTIONS_SQL, {"answer_sets": answer_sets}).df()


def metingen(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [int(row[0]) for row in con.execute(
        "select distinct meting from marts.mart_route_cohort order by meting").fetchall()]


def meting_pairs(con: duckdb.DuckDBPyConnection) -> list[tuple[int, int]]:
    return [(int(p), int(m)) for p, m in con.execute(
        "select distinct previous_meting, meting from marts.mart_meting_comparison order by meting").fetchall()]


def distribution(con: duckdb.DuckDBPyConnection, meting: int, question_ids: list[str]) -> pd.DataFrame:
    """One row per meting x question x breakdown value x valid answer, zero rows included (the
    mart has a row only for answers somebody gave; a printed table shows every option). Lines
    without a valid answer (the question was not put to that subgroup) are left out."""
    weighted = [c for c in weighted_columns(con, "mart_route_cohort") if c == "pct_valid_weighted"]
    # a weighted line with no weighted value at all stays NULL (weights missing for that
    # meting), otherwise an option nobody chose is 0 like its unweighted twin
    weighted_select = (
        ", case when max(m.pct_valid_weighted) over line is not null "
        "then coalesce(m.pct_valid_weighted, 0.0) end as pct_valid_weighted" if weighted else "")
    window = " window line as (partition by l.breakdown, l.breakdown_value, l.question_id)" if weighted else ""
    sql = f"""
        with lines as (
            select meting, question_id, breakdown, breakdown_value, max(valid_n) as valid_n
            from marts.mart_route_cohort
            where meting = $meting and list_contains($breakdowns, breakdown)
              and list_contains($questions, question_id)
            group by all
            having max(valid_n) > 0
        ),
        totals as (
            -- every valid answer of the question: what a breakdown's column adds up to when its
            -- subgroups hold everybody (frames.column_total_printed)
            select question_id, max(valid_n) as total_valid_n
            from marts.mart_route_cohort
            where meting = $meting and breakdown = 'total' and list_contains($questions, question_id)
            group by all
        )
        select l.meting, l.question_id, l.breakdown, l.breakdown_value, o.harmonised_code,
               o.sort_order as answer_sort_order, l.valid_n, t.total_valid_n,
               coalesce(m.respondents, 0) as respondents, coalesce(m.pct_valid, 0.0) as pct_valid
               {weighted_select}
        from lines as l
        left join totals as t on t.question_id = l.question_id
        inner join marts.dim_question as q on q.question_id = l.question_id
        inner join marts.dim_answer_option as o on o.answer_set_id = q.answer_set_id and o.is_valid
        left join marts.mart_route_cohort as m
            on m.meting = l.meting and m.question_id = l.question_id and m.breakdown = l.breakdown
            and m.breakdown_value = l.breakdown_value and m.harmonised_code = o.harmonised_code
            and m.answer_status = 'valid'
        {window}
        order by l.question_id, l.breakdown, l.breakdown_value, o.sort_order, o.harmonised_code
    """
    return con.execute(sql, {"meting": meting, "breakdowns": list(BREAKDOWNS), "questions": question_ids}).df()


# --- the comparison: the one adapter between the pages and the comparison mart -------------
#
# The pages need, per meting pair x question x breakdown (group, leerroute, cohort) x subgroup x
# valid answer: both sides' valid N, respondents and percentage, the difference and the
# report's 8-point verdict, a note when the two sides cannot be compared, each side's valid N of
# the whole question (for disclosure control), and the same with the weights when the marts
# have them. `comparison` returns exactly these columns; it is the only
# function that knows where they come from.
COMPARISON_COLUMNS = [
    "meting", "previous_meting", "question_id", "breakdown", "breakdown_value", "harmonised_code",
    "answer_sort_order", "valid_n_previous", "valid_n_current", "respondents_previous", "respondents_current",
    "pct_previous", "pct_current", "difference_points", "meaningful_difference", "comparison_note",
    "total_valid_n_previous", "total_valid_n_current",
]
COMPARISON_WEIGHTED = ["pct_previous_weighted", "pct_current_weighted", "difference_points_weighted",
                       "meaningful_difference_weighted"]

# Today marts.mart_meting_comparison compares by type inburgeraar only, with the verdict on the
# unweighted difference. Until it carries the leerroute and cohort lines and a weighted verdict,
# they are read here from mart_route_cohort's two metingen, side by side, with the mart's rule
# (|difference| >= $points, rounded to 1e-9 as the mart rounds).
COMPARISON_SQL = """
with groups as (
    select meting, previous_meting, question_id, 'group' as breakdown, group_label as breakdown_value,
           harmonised_code, answer_sort_order, valid_n_previous, valid_n_current, respondents_previous,
           respondents_current, pct_previous, pct_current, difference_points, meaningful_difference,
           comparison_note {group_weighted}
    from marts.mart_meting_comparison
    where meting = $meting and previous_meting = $previous and list_contains($questions, question_id)
),
sides as (
    select d.meting, d.question_id, d.breakdown, d.breakdown_value, d.harmonised_code, d.answer_sort_order,
           d.valid_n, d.respondents, d.pct_valid {side_weighted}
    from distribution as d
    where d.breakdown <> 'group'
),
others as (
    select $meting as meting, $previous as previous_meting, question_id, breakdown, breakdown_value,
           harmonised_code, coalesce(c.answer_sort_order, p.answer_sort_order) as answer_sort_order,
           p.valid_n as valid_n_previous, c.valid_n as valid_n_current,
           p.respondents as respondents_previous, c.respondents as respondents_current,
           p.pct_valid as pct_previous, c.pct_valid as pct_current,
           c.pct_valid - p.pct_valid as difference_points,
           abs(round(c.pct_valid - p.pct_valid, 9)) >= $points as meaningful_difference,
           case when p.valid_n is null then 'not asked to this group in ' || $previous
                when c.valid_n is null then 'not asked to this group in ' || $meting end as comparison_note
           {other_weighted}
    from (select * from sides where meting = $previous) as p
    full join (select * from sides where meting = $meting) as c
        using (question_id, breakdown, breakdown_value, harmonised_code)
)
select b.*, tp.total_valid_n as total_valid_n_previous, tc.total_valid_n as total_valid_n_current
from (select * from groups union all by name select * from others) as b
left join (select distinct meting, question_id, total_valid_n from distribution) as tp
    on tp.meting = b.previous_meting and tp.question_id = b.question_id
left join (select distinct meting, question_id, total_valid_n from distribution) as tc
    on tc.meting = b.meting and tc.question_id = b.question_id
order by question_id, breakdown, breakdown_value, answer_sort_order, harmonised_code
"""


def comparison(con: duckdb.DuckDBPyConnection, previous: int, meting: int, question_ids: list[str],
               meaningful_points: float) -> pd.DataFrame:
    """The comparison the pages print (COMPARISON_COLUMNS, plus COMPARISON_WEIGHTED when the
    marts have weights): one row per pair x question x breakdown x subgroup x valid answer;
    a side that did not ask the subgroup has NULL counts and a comparison_note."""
    weighted = {"pct_previous_weighted", "pct_current_weighted"} <= set(weighted_columns(con, "mart_meting_comparison"))
    weighted = weighted and "pct_valid_weighted" in weighted_columns(con, "mart_route_cohort")
    distribution_frame = pd.concat([distribution(con, m, question_ids) for m in (previous, meting)])
    group_weighted = side_weighted = other_weighted = ""
    if weighted:
        group_weighted = (", pct_previous_weighted, pct_current_weighted, difference_points_weighted, "
                          "abs(round(difference_points_weighted, 9)) >= $points as meaningful_difference_weighted")
        side_weighted = ", d.pct_valid_weighted"
        other_weighted = (", p.pct_valid_weighted as pct_previous_weighted, c.pct_valid_weighted as pct_current_weighted,"
                          " c.pct_valid_weighted - p.pct_valid_weighted as difference_points_weighted,"
                          " abs(round(c.pct_valid_weighted - p.pct_valid_weighted, 9)) >= $points"
                          " as meaningful_difference_weighted")
    sql = COMPARISON_SQL.format(group_weighted=group_weighted, side_weighted=side_weighted,
                                other_weighted=other_weighted)
    con.register("distribution", distribution_frame)
    try:
        frame = con.execute(sql, {"meting": meting, "previous": previous, "questions": question_ids,
                                  "points": float(meaningful_points)}).df()
    finally:
        con.unregister("distribution")
    return frame[COMPARISON_COLUMNS + (COMPARISON_WEIGHTED if weighted else [])]
