"""The figures and tables of a page print the same published numbers: a suppressed answer keeps
its place in the bar (hatched), the one estimate of the page (weighted or not) is used by both,
and no number prints as a negative zero."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from orchestration.publication import charts, html, labels
from orchestration.publication.frames import Cell, Line, distribution_lines, publishable_distribution

TEXTS = {"suppressed_segment": "niet gepubliceerd", "bar_not_drawn": "N < 10", "not_asked": "niet gevraagd"}
ANSWERS = ["Helemaal oneens", "Oneens", "Neutraal", "Eens", "Helemaal eens"]


def one_line(counts: list[int]) -> pd.DataFrame:
    total = sum(counts)
    return pd.DataFrame([{"meting": 2024, "question_id": "q", "breakdown": "group", "breakdown_value": "Wi2021-asiel",
                          "harmonised_code": code, "answer_sort_order": code, "base_n": total, "respondents": count,
                          "pct_of_base": 100.0 * count / total} for code, count in enumerate(counts, start=1)])


def bars(lines: list[Line], weighted: bool) -> list[tuple[str, float, float, str]]:
    """(gid, x, width, hatch) of every bar segment matplotlib drew, left to right."""
    fig = charts.figure([("Type inburgeraar", lines, [line.value for line in lines])], ANSWERS, TEXTS, weighted)
    try:
        patches = [p for p in fig.axes[0].patches if p.get_gid()]
        return [(p.get_gid(), round(p.get_x(), 4), round(p.get_width(), 4), p.get_hatch() or "")
                for p in sorted(patches, key=lambda p: p.get_x())]
    finally:
        plt.close(fig)


def test_a_suppressed_answer_keeps_its_place_in_the_bar():
    # 136 answers: "Oneens" (4) is small, "Eens" (12) the smallest other one: both hidden, the
    # 16 of them (11.7647 %) shared evenly by their two places
    published = publishable_distribution(one_line([30, 4, 50, 12, 40]), min_count=10)
    line = distribution_lines(published, "q", "group")[0]
    assert [cell.reason for cell in line.cells] == [None, "primary", None, "secondary", None]
    drawn = bars([line], weighted=False)
    assert drawn == [("answer-0", 0.0, 22.0588, ""),
                     ("suppressed-1", 22.0588, 5.8824, charts.HATCH),
                     ("answer-2", 27.9412, 36.7647, ""),
                     ("suppressed-3", 64.7059, 5.8824, charts.HATCH),
                     ("answer-4", 70.5882, 29.4118, "")]
    # each segment starts where the ones before it end, and the bar ends at 100 %
    for (_, x, _, _), (_, x_before, width_before, _) in zip(drawn[1:], drawn):
        assert x == pytest.approx(x_before + width_before, abs=1e-3)
    assert drawn[-1][1] + drawn[-1][2] == pytest.approx(100.0, abs=1e-3)


def test_adjacent_suppressed_answers_are_one_segment_at_their_true_place():
    # 3 and 5 are small: together 8 of 118 (6.7797 %), right after "Helemaal oneens" (40)
    published = publishable_distribution(one_line([40, 3, 5, 30, 40]), min_count=10)
    line = distribution_lines(published, "q", "group")[0]
    assert bars([line], weighted=False) == [("answer-0", 0.0, 33.8983, ""),
                                            ("suppressed-1", 33.8983, 6.7797, charts.HATCH),
                                            ("answer-3", 40.678, 25.4237, ""),
                                            ("answer-4", 66.1017, 33.8983, "")]


def test_the_svg_keeps_the_hatched_segment_in_place():
    published = publishable_distribution(one_line([30, 4, 50, 12, 40]), min_count=10)
    line = distribution_lines(published, "q", "group")[0]
    svg = charts.stacked_bars([("Type inburgeraar", [line], ["Wi2021-asiel"])], ANSWERS, TEXTS, "t", False)
    ids = re.findall(r'<g id="((?:answer|suppressed)-\d)"', svg)
    assert ids == ["answer-0", "suppressed-1", "answer-2", "suppressed-3", "answer-4"]
    assert svg.count("<pattern") >= 1  # the hatch


def weighted_line() -> Line:
    cells = [Cell(20.0, 31.4), Cell(30.0, 24.6), Cell(None, None, "primary"), Cell(None, None, "secondary"),
             Cell(40.0, 35.2)]
    return Line("group", "Wi2021-asiel", 200, cells)


@pytest.mark.parametrize("weighted", [True, False])
def test_figure_and_table_show_the_same_estimate(weighted):
    line = weighted_line()
    drawn = bars([line], weighted)
    visible = [width for gid, _, width, _ in drawn if gid.startswith("answer")]
    assert visible == ([31.4, 24.6, 35.2] if weighted else [20.0, 30.0, 40.0])
    hidden = [width for gid, _, width, _ in drawn if gid.startswith("suppressed")]
    assert hidden == ([8.8] if weighted else [10.0])  # 100 minus the printed cells of that estimate
    table = html.table("q-table", [("Type inburgeraar", [line], ["Wi2021-asiel"])], ANSWERS, weighted, "nl", 10, [],
                       "Gewogen percentages" if weighted else "Ongewogen percentages")
    printed = re.findall(r'<td class="value">([^<]*)</td>', table)
    assert printed == (["31", "25", "35"] if weighted else ["20", "30", "40"])
    fig = charts.figure([("Type inburgeraar", [line], ["Wi2021-asiel"])], ANSWERS, TEXTS, weighted)
    try:  # the numbers written on the bars are the table's
        assert [text.get_text() for text in fig.axes[0].texts] == printed
    finally:
        plt.close(fig)
    assert f'data-estimate="{"weighted" if weighted else "unweighted"}"' in table
    assert ("<caption>Gewogen percentages</caption>" in table) is weighted


@pytest.mark.parametrize("value, language, expected", [
    (-0.04, "nl", "0,0"), (0.04, "en", "0.0"), (-0.0, "en", "0.0"), (-0.06, "nl", "-0,1"), (8.0, "nl", "+8,0"),
    (-12.345, "en", "-12.3"),
])
def test_a_difference_never_prints_a_negative_zero(value, language, expected):
    assert labels.points(value, language) == expected


@pytest.mark.parametrize("value, expected", [(-0.3, "0"), (-1e-12, "0"), (0.4, "0"), (12.6, "13"), (99.7, "100")])
def test_a_percentage_never_prints_a_negative_zero(value, expected):
    assert labels.percent(value, "nl") == expected


@pytest.mark.parametrize("value, expected", [
    (12.5, "13"), (2.5, "3"), (27.5, "28"), (-2.5, "-3"), (12.499999999999998, "13"), (12.500000000000002, "13"),
    (18.75 - 1e-13, "19"), (12.49, "12"),
])
def test_a_half_rounds_away_from_zero_however_the_sum_landed(value, expected):
    # a weighted share of exactly 12.5 comes out of the sums as 12.4999... or 12.5000...1
    assert labels.percent(value, "en") == expected


@pytest.mark.parametrize("value, expected", [(18.75, "+18.8"), (18.75 - 1e-12, "+18.8"), (-0.05, "-0.1"),
                                             (0.25, "+0.3"), (0.35, "+0.4")])
def test_a_difference_rounds_its_half_away_from_zero(value, expected):
    assert labels.points(value, "en") == expected
