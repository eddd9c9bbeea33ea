"""The figures and tables of a page print the same published numbers: a suppressed answer keeps
its place in the bar (hatched), the one estimate of the page (weighted or not) is used by both,
and no number prints as a negative zero."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

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


SVG = "{http://www.w3.org/2000/svg}"
HATCHED = "hatched"


def parse(svg: str) -> ET.Element:
    """The figure as published, parsed as XML (fails on anything not well-formed)."""
    return ET.fromstring(svg)


def segments(root: ET.Element) -> list[ET.Element]:
    """The groups of bar segments, in document order: one per drawn segment."""
    return [g for g in root.iter(f"{SVG}g") if re.fullmatch(r"(answer|suppressed)-\d+", g.get("class", ""))]


def percent_of_axis(value: str) -> float:
    assert value.endswith("%"), value  # positions inside the plot area are percentages of the axis
    return round(float(value[:-1]), 4)


def bars(lines: list[Line], weighted: bool, svg: str | None = None) -> list[tuple[str, float, float, str]]:
    """(answer group, x, width, hatch) of every bar segment in the SVG, left to right, x and width
    in percent of the axis; hatched when its fill is a pattern defined in the figure."""
    if svg is None:
        svg = charts.stacked_bars([("Type inburgeraar", lines, [line.value for line in lines])], ANSWERS, TEXTS,
                                  "t", weighted)
    root = parse(svg)
    patterns = {pattern.get("id") for pattern in root.iter(f"{SVG}pattern")}
    drawn = []
    for group in segments(root):
        rect = group.find(f"{SVG}rect")
        fill = re.fullmatch(r"url\(#(.+)\)", rect.get("fill"))
        hatch = HATCHED if fill and fill.group(1) in patterns else ""
        drawn.append((group.get("class"), percent_of_axis(rect.get("x")), percent_of_axis(rect.get("width")), hatch))
    return sorted(drawn, key=lambda segment: segment[1])


def test_a_suppressed_answer_keeps_its_place_in_the_bar():
    # 136 answers: "Oneens" (4) is small, "Eens" (12) the smallest other one: both hidden, the
    # 16 of them (11.7647 %) shared evenly by their two places
    published = publishable_distribution(one_line([30, 4, 50, 12, 40]), min_count=10)
    line = distribution_lines(published, "q", "group")[0]
    assert [cell.reason for cell in line.cells] == [None, "primary", None, "secondary", None]
    drawn = bars([line], weighted=False)
    assert drawn == [("answer-0", 0.0, 22.0588, ""),
                     ("suppressed-1", 22.0588, 5.8824, HATCHED),
                     ("answer-2", 27.9412, 36.7647, ""),
                     ("suppressed-3", 64.7059, 5.8824, HATCHED),
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
                                            ("suppressed-1", 33.8983, 6.7797, HATCHED),
                                            ("answer-3", 40.678, 25.4237, ""),
                                            ("answer-4", 66.1017, 33.8983, "")]


def test_the_svg_keeps_the_hatched_segment_in_place():
    published = publishable_distribution(one_line([30, 4, 50, 12, 40]), min_count=10)
    line = distribution_lines(published, "q", "group")[0]
    svg = charts.stacked_bars([("Type inburgeraar", [line], ["Wi2021-asiel"])], ANSWERS, TEXTS, "t", False)
    ids = re.findall(r'<g class="((?:answer|suppressed)-\d)"', svg)
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
    svg = charts.stacked_bars([("Type inburgeraar", [line], ["Wi2021-asiel"])], ANSWERS, TEXTS, "t", weighted)
    # the numbers written on the bars are the table's
    assert [text.text for group in segments(parse(svg)) for text in group.iter(f"{SVG}text")] == printed
    assert f'data-estimate="{"weighted" if weighted else "unweighted"}"' in table
    assert ("<caption>Gewogen percentages</caption>" in table) is weighted


def small_and_not_asked() -> list[Line]:
    return [Line("group", "Wi2021-asiel", 200, [Cell(20.0), Cell(30.0), Cell(10.0), Cell(25.0), Cell(15.0)]),
            Line("group", "Wi2013", None, [Cell(None, None, "small_group")] * 5),
            Line("group", "Wi2022", None, [Cell(None, None, "not_asked")] * 5)]


def test_markup_in_titles_labels_and_answers_stays_text():
    # codebook labels may hold &, <, > and quotes; two $ signs are text, not a formula
    answers = ["Eens & <ja>", 'Oneens "nee"', "$5 of $10", "Neutraal", "Helemaal eens > alles"]
    texts = {"suppressed_segment": "<niet> & gepubliceerd", "bar_not_drawn": "N < 10", "not_asked": "n.g. & <x>"}
    line = weighted_line()
    svg = charts.stacked_bars([("Vraag & <antwoord> $x$", [line, *small_and_not_asked()[1:]],
                                ["A & B <c>", "'d'", "$e$"])], answers, texts, 'salt&<"', False)
    root = parse(svg)
    written = [text for element in root.iter(f"{SVG}text") for text in element.itertext()]
    for expected in ["Vraag & <antwoord> $x$", "A & B <c>", "'d'", "$e$", *answers, "<niet> & gepubliceerd", "N < 10",
                     "n.g. & <x>"]:
        assert expected in written
    assert root.get("aria-label") == "Vraag & <antwoord> $x$"


def test_a_hidden_and_a_not_asked_line_draw_no_bar_but_their_note():
    lines = small_and_not_asked()
    root = parse(charts.stacked_bars([("Type inburgeraar", lines, ["Wi2021-asiel", "Wi2013", "Wi2022"])], ANSWERS,
                                     TEXTS, "t", False))
    drawn = segments(root)
    assert [group.get("class") for group in drawn] == ["answer-0", "answer-1", "answer-2", "answer-3", "answer-4"]
    assert len({group.find(f"{SVG}rect").get("y") for group in drawn}) == 1  # one bar: the first line's
    notes = [element for element in root.iter(f"{SVG}text") if element.get("font-style") == "italic"]
    assert [note.text for note in notes] == ["N < 10", "niet gevraagd"]
    assert [note.get("x") for note in notes] == ["1%", "1%"]


def test_figures_on_one_page_have_ids_of_their_own():
    line = weighted_line()

    def figure(salt: str) -> str:
        return charts.stacked_bars([("Type inburgeraar", [line], ["Wi2021-asiel"])], ANSWERS, TEXTS, salt, False)

    # salts differing only in characters an id cannot hold still give different ids
    page = "<div>" + "".join(figure(salt) for salt in ["2024-q1", "2024-q2", "2024-q&1", "2024-q_1"]) + "</div>"
    root = parse(page)  # the figures together are one well-formed document
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == 4 == len(set(ids))
    # each figure's hatched segment refers to its own pattern
    fills = [rect.get("fill") for figure_root in root for group in segments(figure_root)
             for rect in group.iter(f"{SVG}rect") if rect.get("fill").startswith("url(")]
    assert fills == [f"url(#{id_})" for id_ in ids]
    assert figure("2024-q1") == figure("2024-q1")  # the same input, the same bytes


def legend_items(root: ET.Element) -> list[tuple[ET.Element, ET.Element]]:
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    return [(item.find(f"{SVG}rect"), item.find(f"{SVG}text")) for item in legend]


@pytest.mark.parametrize("counts, suppressed", [([30, 4, 50, 12, 40], True), ([30, 14, 50, 12, 40], False)])
def test_the_legend_shows_the_suppressed_swatch_exactly_when_a_segment_is_suppressed(counts, suppressed):
    line = distribution_lines(publishable_distribution(one_line(counts), min_count=10), "q", "group")[0]
    svg = charts.stacked_bars([("Type inburgeraar", [line], ["Wi2021-asiel"])], ANSWERS, TEXTS, "t", False)
    root = parse(svg)
    assert any(hatch for *_, hatch in bars([line], False, svg)) is suppressed
    items = legend_items(root)
    assert ["".join(text.itertext()) for _, text in items] == ANSWERS + (["niet gepubliceerd"] if suppressed else [])
    assert [rect.get("fill").startswith("url(#") for rect, _ in items] == [False] * 5 + [True] * suppressed
    assert (svg.count("<pattern") == 1) is suppressed


# an upper estimate of the average width of a sans-serif glyph, in ems
GLYPH_EMS = 0.6


def extent(text: ET.Element) -> float:
    """The estimated width of a text's longest line."""
    lines = [span.text for span in text.iter(f"{SVG}tspan")] or [text.text]
    return max(len(line) for line in lines) * GLYPH_EMS * float(text.get("font-size"))


@pytest.mark.parametrize("length", [8, 25, 45, 90, 200])
def test_long_labels_do_not_overlap(length):
    words = ("Antwoordmogelijkheid met een lange omschrijving in het Arabisch of Tigrinya " * 5)
    answers = [f"{index} {words}"[:length] for index in range(5)]
    labels = [f"Subgroep {words}"[:length], "Wi2013"]
    line = weighted_line()
    svg = charts.stacked_bars([("Type inburgeraar", [line, line], labels)], answers, TEXTS, "t", False)
    root = parse(svg)
    width = float(root.get("viewBox").split()[2])
    rows = {}
    for rect, text in legend_items(root):
        rows.setdefault(rect.get("y"), []).append((float(rect.get("x")), float(text.get("x")), extent(text)))
    assert sum(len(row) for row in rows.values()) == 6
    for row in rows.values():
        row.sort()
        assert row[0][0] >= 0 and row[-1][1] + row[-1][2] <= width
        for (_, text_x, text_width), (next_x, _, _) in zip(row, row[1:]):
            assert text_x + text_width <= next_x
    # the subgroup names end left of the plot area and start inside the figure
    plot_left = float(root.find(f"{SVG}svg").get("x"))  # the plot area
    names = [text for text in root.iter(f"{SVG}text") if text.get("text-anchor") == "end"]
    assert len(names) == 2
    for name in names:
        assert float(name.get("x")) - extent(name) >= 0 and float(name.get("x")) < plot_left


def test_the_valid_answers_take_viridis_and_the_missing_ones_grey():
    # matplotlib's viridis at 0.1 and 0.9, and at 0.1, 0.3, 0.5, 0.7, 0.9
    assert charts.colours(2) == ["#482475", "#bddf26"]
    assert charts.colours(5) == ["#482475", "#355f8d", "#21918c", "#44bf70", "#bddf26"]
    assert charts.palette_for(["valid", "valid", "dont_know", "no_answer"]) == ["#482475", "#bddf26", "#b0b0b0",
                                                                               "#8a8a8a"]


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
