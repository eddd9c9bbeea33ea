"""The analysis frame: one row per respondent per meting, covariates and composite items under
the column names models.yaml's term and outcome definitions use. Built in DuckDB, here only.

- covariates come from marts.fct_respondent, renamed to the codebook's question ids, in the
  codes the mart publishes beside its labels (leerroute_code; work_experience_code, the
  work_status code that for 2023 fct_respondent derives from its two work questions);
- items (the composite scales' statements) are pivoted from marts.fct_answer, valid answers
  only: "weet ik niet", refusals and skips are NULL.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from orchestration.analysis.specs import scale_items, term_definitions

# model column -> SQL over fct_respondent (alias r)
COVARIATES = {
    "age": "r.age",
    "gender": "r.gender_code",
    "education_level": "r.education_level_code",
    "dutch_level_self_rated": "r.dutch_level_self_rated_code",
    "health_self_rated": "r.health_self_rated_code",
    "leerroute": "r.leerroute_code",
    "cohort": "r.cohort",
    "brede_intake_listened": "r.brede_intake",
    "work_status": "r.work_experience_code",
}
IDENTIFIERS = ("respondent_key", "meting", "group_label", "questionnaire", "wet")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def frame_sql(items: list[str] | None = None) -> str:
    """The SELECT that builds the frame (parameter $metingen: a list of metingen, NULL for all)."""
    items = sorted(set(items if items is not None else scale_items()))
    for name in items:
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a question id: {name!r}")
    pivot = ",\n        ".join(
        f"max(harmonised_code) filter (where question_id = '{item}') as {item}" for item in items
    ) or "null as _no_items"
    item_list = ", ".join(f"'{item}'" for item in items) or "''"
    covariates = ",\n    ".join(f"{sql} as {name}" for name, sql in COVARIATES.items())
    item_columns = "".join(f",\n    items.{item}" for item in items)
    return f"""
with items as (
    select
        respondent_key,
        {pivot}
    from marts.fct_answer
    where answer_status = 'valid' and question_id in ({item_list})
    group by respondent_key
)
select
    r.respondent_key,
    r.meting,
    r.group_label,
    r.questionnaire,
    r.wet,
    {covariates}{item_columns}
from marts.fct_respondent as r
left join items on r.respondent_key = items.respondent_key
where $metingen is null or list_contains($metingen, r.meting)
order by r.meting, r.respondent_key
"""


def model_frame(con: duckdb.DuckDBPyConnection, metingen: list[int] | None = None) -> pd.DataFrame:
    frame = con.execute(frame_sql(), {"metingen": None if metingen is None else [int(m) for m in metingen]}).df()
    # nullable integers -> float: the design matrices treat missing as NaN
    numeric = [c for c in frame.columns if c not in IDENTIFIERS]
    frame[numeric] = frame[numeric].astype("float64")
    frame["meting"] = frame["meting"].astype(int)
    return frame


def term_columns() -> set[str]:
    """Every frame column a term definition reads (a test holds COVARIATES to it)."""
    return {rule["column"] for rule in term_definitions().values()}


def metingen_present(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [int(row[0]) for row in con.execute("select distinct meting from marts.fct_respondent order by 1").fetchall()]


def asked(con: duckdb.DuckDBPyConnection, question_ids: list[str]) -> set[tuple[int, str]]:
    """(meting, question_id) pairs the warehouse holds answers (or skips) for: a question
    missing from a meting's questionnaires has no fct_answer rows there at all."""
    if not question_ids:
        return set()
    rows = con.execute(
        "select distinct meting, question_id from marts.fct_answer "
        "where answer_status <> 'not_asked' and list_contains($ids, question_id)",
        {"ids": list(question_ids)},
    ).fetchall()
    return {(int(meting), question_id) for meting, question_id in rows}
