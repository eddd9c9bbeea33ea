"""Respondent tokens: one respondent, one token, within a meting and whatever its case.

A respondent answers one questionnaire of a meting, so a token may occur once in a file and
once across the meting's exports. The marts key respondents by meting and token, and the
pseudonym keys are computed from the token as text: two spellings that differ only in case
are the same respondent to a person reading the export, and two rows of one respondent in two
questionnaires would merge into one fact with the answers of both. So tokens are compared
case-insensitively, within the file (validation.py) and against what is already landed for
the meting (here, inside the landing transaction, so earlier files of the same batch count).
A file replacing its own meting x questionnaire does not clash with its earlier version.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.codebook import RESPONDENT_TOKEN, Codebook, code_key
from orchestration.landing.errors import Problem, rows_text
from orchestration.landing.export import RawExport
from orchestration.landing.registry import REGISTRY, quoted

# Tokens spelled out in a message; the rest are counted.
TOKENS_LISTED = 5


def token_text(value: object) -> str | None:
    """The token as written (text kept exactly, leading zeros included); a number in one
    spelling (SPSS gives 1.0 for 1); None for no token ('' or missing)."""
    if code_key(value) is None:
        return None
    return value if isinstance(value, str) else code_key(value)


def token_key(value: object) -> str | None:
    """The token as compared: case folded."""
    text = token_text(value)
    return None if text is None else text.lower()


def token_variable(codebook: Codebook, meting: int, questionnaire: str, columns) -> str | None:
    """The export's respondent-token variable, as the codebook names it."""
    if not codebook.knows(meting, questionnaire):
        return None
    specs = codebook.variables[(meting, questionnaire)].values()
    name = next((spec.name for spec in specs if spec.question_id == RESPONDENT_TOKEN), None)
    return name if name in columns else None


def clashes_with_landed(con: duckdb.DuckDBPyConnection, export: RawExport, codebook: Codebook,
                        export_table: str) -> list[Problem]:
    """Tokens of `export` that another current export of the same meting already holds."""
    name = token_variable(codebook, export.meting, export.questionnaire, export.data.columns)
    if name is None:
        return []
    keys = export.data[name].map(token_key).dropna()
    others = con.execute(
        f"select export_table, questionnaire from {REGISTRY} where status = 'current' and meting = ? "
        "and export_table <> ? order by export_table", [export.meting, export_table]).fetchall()
    problems = []
    for table, questionnaire in others:
        landed = _landed_tokens(con, table, token_variable(codebook, export.meting, questionnaire,
                                                           _columns(con, table)))
        hits = keys[keys.isin(landed)]
        if len(hits):
            problems.append(_clash(export, name, table, questionnaire, hits, landed))
    return problems


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {quoted(table)}").fetchall()]


def _landed_tokens(con: duckdb.DuckDBPyConnection, table: str, column: str | None) -> dict[str, str]:
    """{compared key: token as landed} of one raw table."""
    if column is None:
        return {}
    values = con.execute(f'select distinct "{column}" from {quoted(table)}').fetchall()
    return {key: token_text(value) for (value,) in values if (key := token_key(value)) is not None}


def _clash(export: RawExport, name: str, table: str, questionnaire: str, hits: pd.Series,
           landed: dict[str, str]) -> Problem:
    spelled = []
    for row, key in hits.head(TOKENS_LISTED).items():
        mine = token_text(export.data[name][row])
        spelled.append(mine if landed[key] == mine else f"{mine} (landed as {landed[key]})")
    listed = ", ".join(spelled) + (f" and {len(hits) - TOKENS_LISTED} more" if len(hits) > TOKENS_LISTED else "")
    return Problem(
        export.path.name,
        f"{len(hits)} respondent token(s) already landed for meting {export.meting} in questionnaire "
        f"{questionnaire} ({table}): {listed}",
        variable=name, where=rows_text(hits.index + 1),
        expected="each respondent in one questionnaire of a meting: tokens unique across the meting's "
                 "exports, compared without regard to case")
