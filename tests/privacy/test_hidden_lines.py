"""The snapshot's lines left out of a breakdown table (orchestration/publish/anonymise.py,
hidden_lines) on tables small enough to check by hand: the lines under k, the smallest printed
sibling that keeps them from being recomputed by subtraction, and the same answer whatever order
the warehouse holds the rows in; the respondents the record-level suppression works on, read in
one order too."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.privacy.snapshot_privacy import TableRule
from orchestration.publish.anonymise import hidden_lines

K = 5
RULE = TableRule("marts.shares", "small_cells", count_columns=("base_n",), line_columns=("question_id",),
                 dimension_columns=("gender",))


def _hidden(rows: list[tuple[str, str | None, int | None]]) -> list[tuple[str, str | None]]:
    """hidden_lines on marts.shares holding `rows` (question_id, gender, base_n) in this order."""
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.shares (question_id varchar, gender varchar, base_n integer)")
        con.executemany("insert into marts.shares values (?, ?, ?)", rows)
        frame = hidden_lines(con, ("marts", "shares"), RULE, K)
    return sorted(frame.itertuples(index=False, name=None), key=str)


def test_a_line_under_k_and_its_smallest_sibling_are_left_out():
    rows = [("q1", "man", 3), ("q1", "vrouw", 40), ("q1", "anders", 12), ("q2", "man", 30), ("q2", "vrouw", 30)]
    # 3 alone could be recomputed from q1's total: the smallest printed sibling (12) goes with it
    assert _hidden(rows) == [("q1", "anders"), ("q1", "man")]


def test_two_lines_under_k_that_add_up_to_k_need_no_complement():
    rows = [("q1", "man", 2), ("q1", "vrouw", 3), ("q1", "anders", 50)]
    assert _hidden(rows) == [("q1", "man"), ("q1", "vrouw")]


def test_a_line_without_a_count_is_never_judged_nor_chosen():
    rows = [("q1", "man", 4), ("q1", "vrouw", None), ("q1", "anders", 9)]
    assert _hidden(rows) == [("q1", "anders"), ("q1", "man")]


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]])
def test_equally_small_complements_are_chosen_the_same_whatever_the_row_order(order):
    """Two siblings of 10 could each hide the line of 3: the one first in the order of the keys
    ("anders" before "vrouw") is left out, however the table holds them, so publishing the same
    warehouse twice leaves out the same lines."""
    rows = [("q1", "vrouw", 10), ("q1", "man", 3), ("q1", "anders", 10), ("q1", "onbekend", 40)]
    assert _hidden([rows[i] for i in order]) == [("q1", "anders"), ("q1", "man")]


def test_the_respondents_are_read_in_the_order_of_their_keys():
    """The record-level suppression takes records by position where classes tie: read in the
    order of respondent_key, the same warehouse gives the same snapshot, also under a seed with no
    quasi-identifier from the answers."""
    from orchestration.privacy.snapshot_privacy import QuasiIdentifier, Rules
    from orchestration.publish.anonymise import _respondents

    gender = QuasiIdentifier("gender", "fct_respondent", "gender", None, None, None, None, 1, (), None)
    rules = Rules(quasi_identifiers=(gender,), regions={}, k=K, open_answers=False)
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_respondent (respondent_key varchar, gender varchar)")
        con.executemany("insert into marts.fct_respondent values (?, ?)",
                        [(f"r{n:03d}", "man" if n % 2 else "vrouw") for n in (7, 3, 9, 1, 5, 8, 2)])
        frame = _respondents(con, rules, {("marts", "fct_respondent"): {"respondent_key": "VARCHAR",
                                                                        "gender": "VARCHAR"}})
    assert list(frame["respondent_key"]) == ["r001", "r002", "r003", "r005", "r007", "r008", "r009"]
