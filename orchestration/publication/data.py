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
select q.question_id, q.question_group, q.chapter, q.question_text_nl, q.question_text_en, q.item_label_nl,
       q.item_label_en, q.answer_set_id, q.report_tables, b.percentage_base
from marts.dim_question as q
left join (select distinct question_id, percentage_base from marts.mart_route_cohort) as b
    on b.question_id = q.question_id
where q.value_type = 'categorical'
  and regexp_matches(coalesce(q.report_tables, ''), '(^|;)F')
  and not list_contains($background, q.chapter)
"""

# The answers a page may show: the valid ones and the two kinds of missing a percentage base can
# count; which of them a question's table shows is the mart's (the statuses it puts in the base).
# The percentage base of each question is the mart's (seeds questions.percentage_base); the
# pages only say which it is.

OPTIONS_SQL = """
select answer_set_id, harmonised_code, label_nl, label_en, sort_order,
       coalesce(missing_type, 'valid') as answer_status
from marts.dim_answer_option
where (is_valid or missing_type in ('dont_know', 'no_answer')) and list_contains($answer_sets, answer_set_id)
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
    """One row per meting x question x breakdown value x answer in the question's percentage
    base (valid answers, and "weet ik niet" / "wil ik niet zeggen" where the mart counts them),
    zero rows included (the mart has a row only for answers somebody gave; a printed table shows
    every option). Percentages are the mart's pct_of_base. Lines without an answer in the base
    (the question was not put to that subgroup) are left out."""
    weighted = [c for c in weighted_columns(con, "mart_route_cohort") if c == "pct_of_base_weighted"]
    # a weighted line with no weighted value at all stays NULL (weights missing for that
    # meting), otherwise an option nobody chose is 0 like its unweighted twin
    weighted_select = (
        ", case when max(m.pct_of_base_weighted) over line is not null "
        "then coalesce(m.pct_of_base_weighted, 0.0) end as pct_of_base_weighted" if weighted else "")
    window = " window line as (partition by l.breakdown, l.breakdown_value, l.question_id)" if weighted else ""
    sql = f"""
        with lines as (
            select meting, question_id, breakdown, breakdown_value, max(base_n) as base_n
            from marts.mart_route_cohort
            where meting = $meting and list_contains($breakdowns, breakdown)
              and list_contains($questions, question_id)
            group by all
            having max(base_n) > 0
        ),
        in_base as (
            -- the answer statuses the mart counts in each question's base (in any meting, so a
            -- "weet ik niet" nobody gave this meting is still a column of zeros)
            select distinct question_id, answer_status
            from marts.mart_route_cohort
            where pct_of_base is not null and list_contains($questions, question_id)
        ),
        totals as (
            -- every answer in the base: what a breakdown's column adds up to when its
            -- subgroups hold everybody (frames.column_total_printed)
            select question_id, max(base_n) as total_base_n
            from marts.mart_route_cohort
            where meting = $meting and breakdown = 'total' and list_contains($questions, question_id)
            group by all
        ),
        options as (
            select answer_set_id, harmonised_code, sort_order, coalesce(missing_type, 'valid') as answer_status
            from marts.dim_answer_option
        )
        select l.meting, l.question_id, l.breakdown, l.breakdown_value, o.harmonised_code, o.answer_status,
               o.sort_order as answer_sort_order, l.base_n, t.total_base_n,
               coalesce(m.respondents, 0) as respondents, coalesce(m.pct_of_base, 0.0) as pct_of_base
               {weighted_select}
        from lines as l
        left join totals as t on t.question_id = l.question_id
        inner join marts.dim_question as q on q.question_id = l.question_id
        inner join options as o on o.answer_set_id = q.answer_set_id
        inner join in_base as b on b.question_id = l.question_id and b.answer_status = o.answer_status
        left join marts.mart_route_cohort as m
            on m.meting = l.meting and m.question_id = l.question_id and m.breakdown = l.breakdown
            and m.breakdown_value = l.breakdown_value and m.harmonised_code = o.harmonised_code
            and m.answer_status = o.answer_status
        {window}
        order by l.question_id, l.breakdown, l.breakdown_value, o.sort_order, o.harmonised_code
    """
    return con.execute(sql, {"meting": meting, "breakdowns": list(BREAKDOWNS), "questions": question_ids}).df()


# --- the comparison: the one adapter between the pages and the comparison mart -------------
#
# The pages need, per meting pair x question x breakdown (group, leerroute, cohort) x subgroup x
# answer in the question's percentage base: both sides' base N, respondents and percentage, the
# difference, the mart's verdicts (the report's 8-point rule, significance at 95 %, emphasis
# when both) and the difference's 95 % interval, a note when the two sides cannot be compared,
# each side's base N of the whole question (for disclosure control), and the same with the
# weights (design-based intervals) when the marts have them. `comparison` returns exactly these
# columns; it is the only function that knows where they come from.
COMPARISON_COLUMNS = [
    "meting", "previous_meting", "question_id", "breakdown", "breakdown_value", "harmonised_code",
    "answer_status", "answer_sort_order", "base_n_previous", "base_n_current", "respondents_previous",
    "respondents_current", "pct_previous", "pct_current", "difference_points", "ci95_lower_points",
    "ci95_upper_points", "meaningful_difference", "significant_at_95", "emphasised", "comparison_note",
    "total_base_n_previous", "total_base_n_current",
]
COMPARISON_WEIGHTED = ["pct_previous_weighted", "pct_current_weighted", "difference_points_weighted",
                       "ci95_lower_points_weighted", "ci95_upper_points_weighted", "meaningful_difference_weighted",
                       "significant_at_95_weighted", "emphasised_weighted"]

# The single answers of the page's breakdowns that the question's base counts (the mart has a
# row of "weet ik niet" / a refusal only where the base counts it); each side's N is the base
# of the question's percentages; the whole question's N per side (the 'total' line) is what a
# breakdown's column adds up to when its subgroups hold everybody (frames.column_total_printed).
COMPARISON_SQL = """
select c.meting, c.previous_meting, c.question_id, c.breakdown, c.breakdown_value, c.harmonised_code,
       c.answer_status, c.answer_sort_order, c.base_n_previous, c.base_n_current,
       c.respondents_previous, c.respondents_current, c.pct_previous, c.pct_current, c.difference_points,
       c.ci95_lower_points, c.ci95_upper_points, c.meaningful_difference, c.significant_at_95, c.emphasised,
       c.comparison_note, t.base_n_previous as total_base_n_previous, t.base_n_current as total_base_n_current
       {weighted}
from marts.mart_meting_comparison as c
left join (
    select distinct question_id, base_n_previous, base_n_current
    from marts.mart_meting_comparison
    where meting = $meting and previous_meting = $previous and breakdown = 'total'
) as t on t.question_id = c.question_id
where c.meting = $meting and c.previous_meting = $previous and list_contains($questions, c.question_id)
  and list_contains($breakdowns, c.breakdown) and c.category_kind = 'single'
order by c.question_id, c.breakdown, c.breakdown_value, c.answer_sort_order, c.harmonised_code
"""


def comparison(con: duckdb.DuckDBPyConnection, previous: int, meting: int, question_ids: list[str],
               meaningful_points: float | None = None) -> pd.DataFrame:
    """The comparison the pages print (COMPARISON_COLUMNS, plus COMPARISON_WEIGHTED when the
    mart has weights), read from marts.mart_meting_comparison, the one engine: its differences,
    intervals and verdicts, unweighted and weighted. One row per pair x question x breakdown x
    subgroup x answer in the base; a side that did not ask the subgroup has NULL counts and a
    note. `meaningful_points` is the mart's rule, which the pages only cite."""
    del meaningful_points  # the verdicts are the mart's
    weighted = set(COMPARISON_WEIGHTED) <= set(_columns(con, "mart_meting_comparison"))
    sql = COMPARISON_SQL.format(weighted="".join(f", c.{column}" for column in COMPARISON_WEIGHTED)
                                if weighted else "")
    frame = con.execute(sql, {"meting": meting, "previous": previous, "questions": question_ids,
                              "breakdowns": list(BREAKDOWNS)}).df()
    return frame[COMPARISON_COLUMNS + (COMPARISON_WEIGHTED if weighted else [])]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
        [table]).fetchall()]
