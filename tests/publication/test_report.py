"""The publication report on a real built warehouse: which pages, which questions, the labels
in both languages, weights beside the unweighted numbers, and nothing small published."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import duckdb
import pytest
from dagster import materialize

from orchestration.privacy.disclosure import recoverable_cells
from orchestration.publication import data, frames, report

pytestmark = pytest.mark.integration


class Tables(HTMLParser):
    """Per table id: its rows as (data-value, [cell classes], [cell texts]); and the headers."""

    def __init__(self):
        super().__init__()
        self.tables, self.table, self.row, self.cell = {}, None, None, None
        self.headings, self.in_heading = [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr" and self.table is not None:
            self.row = (attrs.get("data-value"), attrs.get("data-meting"), [], [])
            self.table.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.row[2].append(attrs.get("class", ""))
            self.row[3].append("")
            self.cell = True
        elif tag == "h2":
            self.in_heading = True
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
        elif tag == "tr":
            self.row = None
        elif tag in ("td", "th"):
            self.cell = None
        elif tag == "h2":
            self.in_heading = False

    def handle_data(self, text):
        if self.cell and self.row is not None:
            self.row[3][-1] += text
        if self.in_heading:
            self.headings[-1] += text


def parse(path) -> Tables:
    parser = Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_one_page_per_meting_and_per_pair_in_both_languages(publication):
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        metingen = [row[0] for row in con.execute("select distinct meting from marts.fct_respondent").fetchall()]
    names = sorted(page.path.name for page in publication["pages"])
    expected = sorted([f"meting-{m}.{lang}.html" for m in metingen for lang in ("nl", "en")]
                      + [f"vergelijking-{p}-{m}.{lang}.html" for p, m in zip(sorted(metingen), sorted(metingen)[1:])
                         for lang in ("nl", "en")])
    assert names == expected
    for page in publication["pages"]:
        assert page.tables > 0 and page.charts == page.tables
        text = page.path.read_text(encoding="utf-8")
        assert f'<html lang="{page.language}">' in text
        # self-contained: nothing fetched from elsewhere
        assert not re.search(r"""(src|href)=["']https?:""", text)
        assert text.count("<svg") == page.charts


def test_the_questions_are_the_codebooks_figure_questions(publication):
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        shown, left_out = data.questions(con)
        chosen = con.execute(
            "select question_id, report_tables, chapter from marts.dim_question where question_id in "
            "(select unnest(?))", [list(shown["question_id"])]).fetchall()
    assert 0 < len(shown) <= data.MAX_QUESTIONS
    for question_id, report_tables, chapter in chosen:
        assert any(part.startswith("F") for part in report_tables.split(";")), question_id
        assert chapter not in data.BACKGROUND_CHAPTERS, question_id
    page = next(p for p in publication["pages"] if p.kind == "meting" and p.language == "nl")
    tables = parse(page.path).tables
    assert {table_id.removesuffix("-table") for table_id in tables} <= set(shown["question_id"])


def test_the_cap_names_what_it_leaves_out(publication, monkeypatch):
    monkeypatch.setattr(data, "MAX_QUESTIONS", 3)
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        shown, left_out = data.questions(con)
        meting = data.metingen(con)[-1]
        content = report.load_meting(con, meting, 10)
    assert len(shown) == 3 and len(left_out) > 0
    text, tables, figures = report.meting_page(content, meting, "en", 10)
    assert tables == figures <= 3
    assert "at most 3" in text
    first_left_out = left_out.iloc[0]
    assert first_left_out["question_text_en"].split("?")[0] in text


def test_dutch_and_english_labels_come_from_the_codebook(publication):
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        shown, _ = data.questions(con)
        question = shown.iloc[0]
        options = data.options(con, [question["answer_set_id"]])
        meting = data.metingen(con)[-1]
    pages = {p.language: p.path for p in publication["pages"] if p.kind == "meting" and f"-{meting}." in p.path.name}
    for language in ("nl", "en"):
        parsed = parse(pages[language])
        header = next(row for row in parsed.tables[f"{question['question_id']}-table"] if row[0] is None)
        assert header[3][2:] == list(options[f"label_{language}"]), language
        assert any(question[f"question_text_{language}"] in heading for heading in parsed.headings), language
    dutch, english = (pages[lang].read_text(encoding="utf-8") for lang in ("nl", "en"))
    assert "Type inburgeraar" in dutch and "Type of newcomer" not in dutch
    assert "Type of newcomer" in english and "Type inburgeraar" not in english


def test_no_small_cell_is_published_and_none_can_be_recomputed(publication):
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        shown, _ = data.questions(con)
        meting = data.metingen(con)[-1]
        raw = data.distribution(con, meting, list(shown["question_id"]))
    published = frames.publishable_distribution(raw, 10)
    small = (raw["respondents"] > 0) & (raw["respondents"] < 10)
    assert small.any(), "the synthetic warehouse has small cells: the test needs some"
    assert published.loc[small, "pct_valid"].isna().all()
    assert published.loc[published["suppressed"] == "secondary"].shape[0] > 0
    kept = published["suppressed"] != frames.SMALL_GROUP
    assert recoverable_cells(published[kept], raw[kept], "respondents", frames.DISTRIBUTION_LINE) == []
    assert recoverable_cells(published[kept], raw[kept], "respondents", frames.DISTRIBUTION_COLUMN) == []

    # and the page shows "–" exactly where the frame hides a cell (first question, group rows)
    question = shown.iloc[0]["question_id"]
    page = next(p for p in publication["pages"] if p.path.name == f"meting-{meting}.nl.html")
    rows = {row[0]: row for row in parse(page.path).tables[f"{question}-table"] if row[0]}
    for line in frames.distribution_lines(published, question, "group"):
        _, _, classes, texts = rows[line.value]
        unweighted = [text for kind, text in zip(classes[2:], texts[2:]) if kind != "weighted"]
        assert [text == "–" for text in unweighted] == [cell.pct is None for cell in line.cells]


def test_a_group_below_the_minimum_has_no_numbers_and_no_bar(publication):
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        meting = data.metingen(con)[-1]
        content = report.load_meting(con, meting, 10)
        group_sizes = content.published[content.published["breakdown"] == "group"].groupby(
            ["question_id", "breakdown_value"])["valid_n"].max()
        # raise the minimum just above the smallest group of the first question: that group
        # becomes too small while the others stay
        question = content.questions.iloc[0]["question_id"]
        sizes = group_sizes.loc[question].sort_values()
        threshold = int(sizes.iloc[0]) + 1
        assert threshold <= sizes.iloc[1], "the test needs one group smaller than the rest"
        raised = report.load_meting(con, meting, threshold)
    small_group = sizes.index[0]
    text, _, _ = report.meting_page(raised, meting, "nl", threshold)
    start = text.index(f'<section class="question" id="{question}">')
    section = text[start:text.index("</section>", start)]
    row = re.search(rf'<tr class="line" data-breakdown="group" data-value="{small_group}">(.*?)</tr>', section).group(1)
    assert 'class="small-group"' in row and f"N &lt; {threshold}" in row
    assert 'class="n"' not in row and 'class="value"' not in row  # neither its N nor a percentage
    assert f"N &lt; {threshold}: niet getoond" in section  # the figure's note where the bar would be


def test_the_comparison_hides_the_same_cells_as_the_meting_page(publication):
    """The group lines of the later meting appear on both pages; different suppression patterns
    of one line would let a reader combine them."""
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        previous, meting = data.meting_pairs(con)[-1]
        shown, _ = data.questions(con)
        ids = list(shown["question_id"])
        distribution = frames.publishable_distribution(data.distribution(con, meting, ids), 10)
        comparison = frames.publishable_comparison(data.comparison(con, previous, meting, ids), 10)
    groups = distribution[distribution["breakdown"] == "group"].rename(columns={"breakdown_value": "group_label"})
    merged = groups.merge(comparison, on=["question_id", "group_label", "harmonised_code"])
    assert len(merged) > 0
    assert (merged["suppressed"].notna() == merged["suppressed_current"].notna()).all()


@pytest.mark.parametrize("weighted", [True, False])
def test_weighted_beside_unweighted_when_the_marts_have_weights(publication, warehouse_copy, tmp_path, weighted):
    database = warehouse_copy(publication["database"], tmp_path, weighted)
    with duckdb.connect(str(database), read_only=True) as con:
        previous, meting = data.meting_pairs(con)[-1]
        content = report.load_meting(con, meting, 10)
        pair = report.load_comparison(con, previous, meting, 10)
    content.questions, pair.questions = content.questions.head(2), pair.questions.head(2)
    for text in (report.meting_page(content, meting, "nl", 10)[0],
                 report.comparison_page(pair, previous, meting, "nl", 10)[0]):
        assert ('data-weighted="true"' in text) is weighted
        assert ('data-weighted="false"' in text) is not weighted
        assert ("gew. %" in text) is weighted


def test_the_asset_writes_the_pages_and_links_them_from_the_index(built_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("INBURGERING_OUTPUTS_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(built_warehouse))
    monkeypatch.setattr(data, "MAX_QUESTIONS", 2)  # the full pages are the session fixture's
    from orchestration.assets.publication import publication_report
    from orchestration.resources import default_resources

    result = materialize([publication_report], resources=default_resources())
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    pages = sorted((tmp_path / "outputs" / "publication").glob("*.html"))
    assert metadata["page_count"].value == len(pages) > 0
    assert metadata["charts"].value == metadata["tables"].value > 0
    index = (tmp_path / "outputs" / "index.html").read_text(encoding="utf-8")
    for page in pages:
        assert f'href="publication/{page.name}"' in index
