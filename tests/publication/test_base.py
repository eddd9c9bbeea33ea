"""The pages show each question over the report's percentage base and the mart's verdicts on a
difference. Frames typed here by hand, in the shape data.distribution / data.comparison return;
the last test reads the real warehouse (the report's uitkering figures, Tabel 2.2)."""

from __future__ import annotations

import csv
import io
import re

import duckdb
import pandas as pd
import pytest

from orchestration.publication import data, frames, labels, report

QUESTION = {"question_id": "benefit", "question_group": "benefit", "chapter": "2",
            "question_text_nl": "Ontvangt u een uitkering?", "question_text_en": "Do you receive a social benefit?",
            "item_label_nl": None, "item_label_en": None, "answer_set_id": "benefit", "report_tables": "T2.2",
            "percentage_base": "valid_and_dont_know"}
OPTIONS = pd.DataFrame([
    {"answer_set_id": "benefit", "harmonised_code": 1, "label_nl": "Ja", "label_en": "Yes", "sort_order": 1,
     "answer_status": "valid"},
    {"answer_set_id": "benefit", "harmonised_code": 2, "label_nl": "Nee", "label_en": "No", "sort_order": 2,
     "answer_status": "valid"},
    {"answer_set_id": "benefit", "harmonised_code": 4, "label_nl": "Dat weet ik niet", "label_en": "I don't know",
     "sort_order": 4, "answer_status": "dont_know"},
])


def _distribution(counts: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    """Ja, Nee, Dat weet ik niet per group; the base is all three (valid_and_dont_know)."""
    rows = []
    for value, line in counts.items():
        for (code, status), count in zip(((1, "valid"), (2, "valid"), (4, "dont_know")), line):
            rows.append({"meting": 2024, "question_id": "benefit", "breakdown": "group", "breakdown_value": value,
                         "harmonised_code": code, "answer_status": status, "answer_sort_order": code,
                         "base_n": sum(line), "total_base_n": 400, "respondents": count,
                         "pct_of_base": 100.0 * count / sum(line)})
    return pd.DataFrame(rows)


def _content(published: pd.DataFrame) -> report.Content:
    return report.Content(pd.DataFrame([QUESTION]), pd.DataFrame(columns=list(QUESTION)), OPTIONS, published, False)


def test_dont_know_is_a_segment_and_a_column_and_the_line_sums_to_100_over_the_base():
    # 120 + 60 + 20 = 200 and 90 + 90 + 20 = 200: "weet ik niet" is 10 % of each base
    published = frames.publishable_distribution(
        _distribution({"Wi2021-asiel": (120, 60, 20), "Wi2013-asiel": (90, 90, 20)}), min_count=10)
    lines = frames.distribution_lines(published, "benefit", "group")
    asiel = next(line for line in lines if line.value == "Wi2021-asiel")
    assert [cell.pct for cell in asiel.cells] == [60.0, 30.0, 10.0]
    assert sum(cell.pct for cell in asiel.cells) == 100.0
    assert asiel.n == 200
    # the bar: the "weet ik niet" segment is the last 10 points, 90 to 100
    assert [(segment.start, segment.width) for segment in asiel.segments(False)] == [(0, 60), (60, 30), (90, 10)]

    rendered = report.meting_page(_content(published), 2024, "nl", 10)
    header = re.search(r'<table class="report" id="benefit-table".*?<thead>(.*?)</thead>', rendered.html, re.S)
    assert re.findall(r"<th scope=\"col\">([^<]*)</th>", header.group(1)) == ["Groep", "N", "Ja", "Nee",
                                                                              "Dat weet ik niet"]
    assert "Percentages van alle antwoorden, &#x27;weet ik niet&#x27; inbegrepen, zoals het rapport (Tabel 2.2)" \
        in rendered.html
    assert '<g class="answer-2">' in rendered.html  # the third answer's segment is drawn
    records = list(csv.reader(io.StringIO(rendered.csvs["benefit.csv"])))
    assert records[0][4:] == ["Ja (ongewogen percentages)", "Nee (ongewogen percentages)",
                              "Dat weet ik niet (ongewogen percentages)"]
    assert [record[4:] for record in records[1:]] == [["60", "30", "10"], ["45", "45", "10"]]


def test_a_dont_know_cell_is_suppressed_like_any_other_cell_of_its_line():
    # Wi2021-asiel has 4 "weet ik niet": primary, and one more cell of its line goes with it
    published = frames.publishable_distribution(
        _distribution({"Wi2021-asiel": (120, 60, 4), "Wi2013-asiel": (90, 90, 20)}), min_count=10)
    asiel = published[published["breakdown_value"] == "Wi2021-asiel"].set_index("harmonised_code")
    assert asiel.loc[4, "suppressed"] == "primary" and pd.isna(asiel.loc[4, "pct_of_base"])
    assert (asiel["suppressed"].notna()).sum() == 2
    assert int(asiel["base_n"].iloc[0]) == 184  # the line total is the base


def _comparison(differences: list[tuple[float, bool, bool, bool]]) -> pd.DataFrame:
    """One Wi2013-asiel line with an answer per (difference, meaningful, significant, emphasised)."""
    rows = []
    for code, (points, meaningful, significant, emphasised) in enumerate(differences, start=1):
        rows.append({"meting": 2024, "previous_meting": 2023, "question_id": "benefit", "breakdown": "group",
                     "breakdown_value": "Wi2013-asiel", "harmonised_code": code, "answer_status": "valid",
                     "answer_sort_order": code, "base_n_previous": 300, "base_n_current": 300,
                     "respondents_previous": 100, "respondents_current": 100, "pct_previous": 30.0,
                     "pct_current": 30.0 + points, "difference_points": points,
                     "ci95_lower_points": points - 9.5, "ci95_upper_points": points + 9.5,
                     "meaningful_difference": meaningful, "significant_at_95": significant,
                     "emphasised": emphasised, "comparison_note": None,
                     "total_base_n_previous": 300, "total_base_n_current": 300})
    return pd.DataFrame(rows)


def test_bold_only_where_the_mart_emphasises_else_each_marker():
    # +9.0 meaningful, not significant; +12.0 both (the mart emphasises it); +5.0 significant only
    frame = _comparison([(9.0, True, False, False), (12.0, True, True, True), (5.0, False, True, False)])
    published = frames.publishable_comparison(frame, min_count=10)
    options = OPTIONS.assign(harmonised_code=[1, 2, 3], answer_status="valid")
    content = report.Content(pd.DataFrame([{**QUESTION, "percentage_base": "valid"}]),
                             pd.DataFrame(columns=list(QUESTION)), options, published, False)
    rendered = report.comparison_page(content, 2023, 2024, "en", 10)
    row = re.search(r'<tr class="difference"[^>]*>(.*?)</tr>', rendered.html, re.S).group(1)
    cells = re.findall(r"<td([^>]*)>([^<]*)</td>", row)[1:]  # after the empty N cell
    assert cells[0] == (' class="difference" data-marks="≥8" title="95 % interval [-0.5, +18.5]"', "+9.0")
    assert cells[1] == (' class="emphasised" title="95 % interval [+2.5, +21.5]"', "+12.0")
    assert cells[2] == (' class="difference" data-marks="*" title="95 % interval [-4.5, +14.5]"', "+5.0")
    assert rendered.html.count('class="emphasised"') == 1
    records = {record[3]: record[5:] for record in csv.reader(io.StringIO(rendered.csvs["benefit.csv"]))}
    assert records["difference"] == ["+9.0", "+12.0", "+5.0"]
    assert records["95 % interval lower bound"] == ["-0.5", "+2.5", "-4.5"]
    assert records["95 % interval upper bound"] == ["+18.5", "+21.5", "+14.5"]
    assert records["verdict"] == ["≥8", "≥8 *", "*"]


def test_a_hidden_side_hides_the_verdicts_and_the_interval():
    frame = _comparison([(9.0, True, True, True), (12.0, True, True, True), (5.0, False, True, False)])
    frame.loc[0, "respondents_current"] = 3  # primary on the current side, and a complement with it
    published = frames.publishable_comparison(frame, min_count=10)
    hidden = published["suppressed_current"].notna()
    assert hidden.sum() == 2
    for column in ("emphasised", "significant_at_95", "ci95_lower_points", "ci95_upper_points"):
        assert published.loc[hidden, column].isna().all(), column
        assert published.loc[~hidden, column].notna().all(), column


@pytest.mark.integration
def test_uitkering_wi2013_asiel_in_the_comparison_csv_over_the_reports_base(publication):
    """Tabel 2.2: Wi2013-asiel receiving a benefit, 65.9 % (2023) -> 57.8 % (2024) over all
    answers with "Dat weet ik niet", a drop of 8 points; the mart gives these on the demo data."""
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        question = con.execute("select * from marts.dim_question where question_id = 'benefit'").df()
        question["percentage_base"] = con.execute(
            "select distinct percentage_base from marts.mart_route_cohort where question_id = 'benefit'").fetchall()[0][0]
        published = frames.publishable_comparison(data.comparison(con, 2023, 2024, ["benefit"]), 10)
        options = data.options(con, ["benefit"])
    content = report.Content(question, question.iloc[0:0], options, published, False)  # unweighted, as the report
    rendered = report.comparison_page(content, 2023, 2024, "nl", 10)
    records = list(csv.reader(io.StringIO(rendered.csvs["benefit.csv"])))
    header = records[0]
    assert header[5:] == ["Ja (ongewogen percentages)",
                          "Nee, maar ik krijg wel studiefinanciering (ongewogen percentages)",
                          "Nee (ongewogen percentages)", "Dat weet ik niet (ongewogen percentages)"]
    rows = {(record[2], record[3]): record[5:] for record in records[1:] if record[1] == "Wi2013-asiel"}
    assert rows[("2023", "percentage")][0] == "66"  # 65.9
    assert rows[("2024", "percentage")][0] == "58"  # 57.8
    assert rows[("2024", "verschil")][0] == "-8.0"  # 57.82 - 65.86, as the report's text gives it
    assert rows[("2024", "oordeel")][0] == "≥8 *"  # meaningful and significant: bold on the page
    line = published[(published["breakdown"] == "group") & (published["breakdown_value"] == "Wi2013-asiel")]
    assert sorted(line["answer_status"]) == ["dont_know", "valid", "valid", "valid"]
    for side in ("previous", "current"):  # the line is the whole base: Ja + Nee + weet ik niet
        assert line[f"pct_{side}"].astype(float).sum() == pytest.approx(100.0, abs=1e-9)
    assert "Percentages van alle antwoorden, &#x27;weet ik niet&#x27; inbegrepen, zoals het rapport (Tabel 2.2)" \
        in rendered.html
    assert labels.text("nl", "note_markers", points="8") in rendered.html
