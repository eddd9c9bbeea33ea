"""The one comparison of a computed table with a printed one (orchestration/reference.py), used
by the generator's calibration and the warehouse's reproduction: which cells it compares, at
which N it sets the tolerance, and how it reads '<1'."""

from __future__ import annotations

import math

import pytest

from orchestration.reference import Column, ReferenceTable, compare_table, parse_value, tolerance

TABLE = ReferenceTable(
    key="T9.9", id="9.9", type="table", kind="frequency", title="", breakdown="group", n_total=None,
    columns=(Column("A", 400), Column("B", None), Column("C", 100)),
    rows=(("ja", (50, 20, "<1")), ("nee", (50, "n.v.t.", 99)), ("weet niet", (0,))),
)


def _percent(column, question_id, codes):
    # 200 respondents in column A's base, 25 in B's; 30 % answer each row
    return {"A": 200, "B": 25}[column], 30.0


def test_every_printed_cell_of_a_formed_column_and_a_known_row_is_compared():
    checks = compare_table(TABLE, lambda c: None if c.label == "C" else c.label,
                           {"ja": ("q", frozenset({1})), "nee": ("q", frozenset({2})), "weet niet": None},
                           _percent)
    assert [(c.column, c.row, c.printed) for c, _, _ in checks] == [("A", "ja", 50.0), ("A", "nee", 50.0),
                                                                     ("B", "ja", 20.0)]
    first, column, codes = checks[0]
    assert (column, codes, first.question_id, first.generated, first.n_generated) == ("A", frozenset({1}), "q",
                                                                                     30.0, 200)
    assert first.tolerance == 300 * math.sqrt(0.25 / 400) + 0.5 and first.deviation == 20.0 and not first.within
    # no printed N: no bound, unless the data's own N is asked for
    assert checks[2][0].tolerance == math.inf and checks[2][0].within
    own = compare_table(TABLE, lambda c: c.label if c.label == "B" else None, {"ja": ("q", frozenset({1}))},
                        _percent, own_n_without_printed=True)
    assert own[0][0].tolerance == tolerance(20.0, 25) and own[0][0].n_printed is None


def test_less_than_one_is_read_below_half_a_percent():
    assert parse_value("<1") == 0.4
    assert parse_value("n.v.t.") is None and parse_value("12,5") == 12.5 and parse_value(7) == 7.0
    assert tolerance(50, 100) == pytest.approx(15.5)
