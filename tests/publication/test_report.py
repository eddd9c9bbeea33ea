"""The publication report on a real built warehouse: which pages, which questions, the labels
in both languages, weights beside the unweighted numbers, and nothing small published."""

from __future__ import annotations

import csv
import re
from html.parser import HTMLParser

import duckdb
import pytest
from dagster import materialize

from orchestration.privacy.disclosure import recoverable_cells
from orchestration.publication import data, frames, labels, report

pytestmark = pytest.mark.integration


class Tables(HTMLParser):
    """Per table id: its rows as (data-value, [cell classes], [cell texts]); and the headers."""

    def __init__(self):
        super().__init__()
        self.tables, self.table, self.row, self.cell = {}, None, None, None
        self.headings, self.in_heading = [], False
        self.breakdowns = {}  # id(row) -> its data-breakdown: 'onbekend' is a value of several

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = self.tables.setdefault(attrs.get("id"), [])
        elif tag == "tr" and self.table is not None:
            self.row = (attrs.get("data-value"), attrs.get("data-meting"), [], [])
            self.table.append(self.row)
            self.breakdowns[id(self.row)] = attrs.get("data-breakdown")
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
        assert text.count('<svg xmlns="http://www.w3.org/2000/svg"') == page.charts  # a figure's outer element


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
    rendered = report.meting_page(content, meting, "en", 10)
    text = rendered.html
    assert rendered.tables == rendered.figures == len(rendered.csvs) <= 3
    assert "at most 3" in text
    first_left_out = left_out.iloc[0]
    assert first_left_out["question_text_en"].split("?")[0] in text


def test_dutch_and_english_labels_come_from_the_codebook(publication):
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        shown, _ = data.questions(con)
        question = shown.iloc[0]
        options = data.options(con, [question["answer_set_id"]])
        meting = data.metingen(con)[-1]
    # the columns: the valid answers, and the missing ones the question's base counts
    in_base = {"valid": {"valid"}, "valid_and_dont_know": {"valid", "dont_know"},
               "answered": {"valid", "dont_know", "no_answer"}}[question["percentage_base"]]
    options = options[options["answer_status"].isin(in_base)]
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
    assert published.loc[small, "pct_of_base"].isna().all()
    assert published.loc[published["suppressed"] == "secondary"].shape[0] > 0
    kept = published["suppressed"] != frames.SMALL_GROUP
    assert recoverable_cells(published[kept], raw[kept], "respondents", frames.DISTRIBUTION_LINE) == []
    # columns: protected where the subgroups add up to the question's total (within 10), i.e.
    # where a column total minus the printed subgroups would leave the hidden cells alone
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        left_out = con.execute(
            "select b.question_id, b.breakdown, any_value(t.base_n) - sum(b.base_n) as left_out "
            "from (select distinct question_id, breakdown, breakdown_value, base_n from marts.mart_route_cohort "
            "      where meting = ? and breakdown in ('group', 'leerroute', 'cohort') and base_n > 0) as b "
            "join (select question_id, max(base_n) as base_n from marts.mart_route_cohort "
            "      where meting = ? and breakdown = 'total' group by all) as t on t.question_id = b.question_id "
            "group by all", [meting, meting]).df()
    summed = raw.merge(left_out, on=["question_id", "breakdown"])
    assert len(summed) == len(raw)
    column_total = (summed["left_out"] < 10).to_numpy()
    assert column_total[(raw["breakdown"] == "group").to_numpy()].all()  # every respondent has a group
    assert not column_total[(raw["breakdown"] != "group").to_numpy()].all()  # unknown routes, cohorts
    both = kept.to_numpy() & column_total
    assert recoverable_cells(published[both], raw[both], "respondents", frames.DISTRIBUTION_COLUMN) == []

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
            ["question_id", "breakdown_value"])["base_n"].max()
        # raise the minimum just above the smallest group of the first question: that group
        # becomes too small while the others stay
        question = content.questions.iloc[0]["question_id"]
        sizes = group_sizes.loc[question].sort_values()
        threshold = int(sizes.iloc[0]) + 1
        assert threshold <= sizes.iloc[1], "the test needs one group smaller than the rest"
        raised = report.load_meting(con, meting, threshold)
    small_group = sizes.index[0]
    text = report.meting_page(raised, meting, "nl", threshold).html
    start = text.index(f'<section class="question" id="{question}">')
    section = text[start:text.index("</section>", start)]
    row = re.search(rf'<tr class="line" data-breakdown="group" data-value="{small_group}">(.*?)</tr>', section).group(1)
    assert 'class="small-group"' in row and f"N &lt; {threshold}" in row
    assert 'class="n"' not in row and 'class="value"' not in row  # neither its N nor a percentage
    assert f"N &lt; {threshold}: niet getoond" in section  # the figure's note where the bar would be


def test_the_comparison_hides_the_same_cells_as_the_meting_pages(publication):
    """The lines of both metingen appear on their meting page and on the comparison page, for
    every breakdown; different suppression patterns of one line could be combined."""
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        previous, meting = data.meting_pairs(con)[-1]
        shown, _ = data.questions(con)
        ids = list(shown["question_id"])
        pages = {m: frames.publishable_distribution(data.distribution(con, m, ids), 10) for m in (previous, meting)}
        raw = data.comparison(con, previous, meting, ids, 8)
        comparison = frames.publishable_comparison(raw, 10)
    keys = ["question_id", "breakdown", "breakdown_value", "harmonised_code"]
    for side, m in (("current", meting), ("previous", previous)):
        merged = pages[m].merge(comparison[raw[f"respondents_{side}"].notna()], on=keys)
        assert len(merged) == len(pages[m]), side  # every line of the meting page is compared
        assert (merged["suppressed"].notna() == merged[f"suppressed_{side}"].notna()).all(), side
    assert set(comparison["breakdown"]) == {"group", "leerroute", "cohort"}


def test_comparisons_by_leerroute_and_cohort_too(publication):
    """The comparison page compares every breakdown; the differences it prints are the current
    minus the previous weighted percentage, recomputed here from mart_route_cohort."""
    with duckdb.connect(str(publication["database"]), read_only=True) as con:
        previous, meting = data.meting_pairs(con)[-1]
        expected = con.execute(
            "select c.question_id, c.breakdown, c.breakdown_value, c.harmonised_code, "
            "c.pct_of_base_weighted - p.pct_of_base_weighted as difference "
            "from marts.mart_route_cohort c join marts.mart_route_cohort p using (question_id, breakdown, "
            "breakdown_value, harmonised_code, answer_status) "
            "where c.meting = ? and p.meting = ? and c.breakdown in ('leerroute', 'cohort') "
            "and answer_status = 'valid'", [meting, previous]).df().dropna()
        codes = {q: list(data.options(con, [a])["harmonised_code"])
                 for q, a in con.execute("select question_id, answer_set_id from marts.dim_question").fetchall()}
    page = next(p for p in publication["pages"] if p.kind == "comparison" and p.language == "en")
    text = page.path.read_text(encoding="utf-8")
    assert 'data-breakdown="leerroute"' in text and 'data-breakdown="cohort"' in text
    assert 'data-estimate="weighted"' in text  # the demo warehouse has weights
    parsed = parse(page.path)
    tables = parsed.tables
    checked = {"leerroute": 0, "cohort": 0}
    for row in expected.itertuples(index=False):
        rows = tables.get(f"{row.question_id}-table", [])
        difference = next((r for r in rows if r[0] == row.breakdown_value and "difference" in r[2]
                           and parsed.breakdowns[id(r)] == row.breakdown), None)
        if difference is None:
            continue
        printed = difference[3][2:][codes[row.question_id].index(row.harmonised_code)]
        if printed in ("", "–"):
            continue
        assert printed == labels.points(row.difference, "en"), (row.question_id, row.breakdown_value)
        checked[row.breakdown] += 1
    assert checked["leerroute"] > 0 and checked["cohort"] > 0, checked


def test_one_estimate_per_page_named_on_it(publication, warehouse_copy, tmp_path):
    for weighted in (True, False):
        (tmp_path / str(weighted)).mkdir()
        database = warehouse_copy(publication["database"], tmp_path / str(weighted), weighted)
        with duckdb.connect(str(database), read_only=True) as con:
            previous, meting = data.meting_pairs(con)[-1]
            content = report.load_meting(con, meting, 10)
            pair = report.load_comparison(con, previous, meting, 10)
        content.questions, pair.questions = content.questions.head(2), pair.questions.head(2)
        estimate = "weighted" if weighted else "unweighted"
        for text in (report.meting_page(content, meting, "nl", 10).html,
                     report.comparison_page(pair, previous, meting, "nl", 10).html):
            # the figure and the table of every section print the same estimate, and say which
            assert text.count(f'data-estimate="{estimate}"') == 2 * text.count('<section class="question"') > 0
            assert ("Gewogen percentages" in text) is weighted
            assert ("Ongewogen percentages" in text) is not weighted


def test_the_asset_writes_the_pages_and_links_them_from_the_index(built_warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("INBURGERING_OUTPUTS_DIR", str(tmp_path / "outputs"))
    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(built_warehouse))
    monkeypatch.setattr(data, "MAX_QUESTIONS", 2)  # the full pages are the session fixture's
    from orchestration.assets.publication import publication_report
    from orchestration.resources import default_resources

    result = materialize([publication_report], resources=default_resources())
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    directory = tmp_path / "outputs" / "publication"
    pages = sorted(directory.glob("*.*.html"))
    assert metadata["page_count"].value == len(pages) > 0
    assert metadata["charts"].value == metadata["tables"].value > 0
    index = (tmp_path / "outputs" / "index.html").read_text(encoding="utf-8")
    for page in pages:
        assert f'href="publication/{page.name}"' in index
    # the publication's own index links every page, under its title in both languages
    own = (directory / "index.html").read_text(encoding="utf-8")
    for page in pages:
        assert f'href="{page.name}"' in own
    assert "Perspectief inburgeraars: meting" in own and "Perspectives of civic integration newcomers: wave" in own
    assert metadata["csv_files"].value == len(list(directory.glob("*/*.csv"))) == metadata["tables"].value


def test_every_table_has_its_csv_with_the_same_published_numbers(publication):
    """The CSV linked under a table holds its rows and numbers; a cell the page does not print
    (suppressed, or a group too small) is empty in the CSV too."""
    checked = hidden = 0
    for page in publication["pages"]:
        text = page.path.read_text(encoding="utf-8")
        links = re.findall(r'<p class="download"><a href="([^"]+)">', text)
        tables = parse(page.path).tables
        assert len(links) == len(tables) == page.tables == page.csvs, page.path.name
        for table_id, rows in tables.items():
            link = f"{page.path.name.removesuffix('.html')}/{table_id.removesuffix('-table')}.csv"
            assert link in links
            with (page.path.parent / link).open(encoding="utf-8", newline="") as handle:
                records = list(csv.reader(handle))
            # a subgroup's row: its N, or the note that takes the row's place
            lines = [row for row in rows if row[0] is not None and row[2][1] in ("n", "small-group", "not-asked")]
            comparison_rows = {labels.text(page.language, key)
                               for key in ("difference", "interval_lower", "interval_upper", "verdict")}
            kept = [record for record in records[1:]
                    if record[3 if page.kind == "comparison" else 2] not in comparison_rows]
            assert len(kept) == len(lines), (page.path.name, table_id)
            for (value, _, classes, texts), record in zip(lines, kept):
                answers = record[(5 if page.kind == "comparison" else 4):]
                if "small-group" in classes or "not-asked" in classes:
                    assert answers == [""] * len(answers) and record[4 if page.kind == "comparison" else 3] == ""
                    hidden += len(answers)
                    continue
                printed = texts[2:]
                assert len(printed) == len(answers)
                for shown, written in zip(printed, answers):
                    if shown == "–":
                        assert written == "", (page.path.name, table_id, value)
                        hidden += 1
                    else:
                        assert written == shown, (page.path.name, table_id, value)
                        checked += 1
    assert checked > 0 and hidden > 0


def test_no_number_prints_as_a_negative_zero(publication):
    negative_zero = re.compile(r"(?<![\d.,])-0(?:[.,]0+)?(?![\d.,])")
    directory = publication["directory"]
    files = list(directory.glob("*.html")) + list(directory.glob("*/*.csv"))
    assert len(files) > len(publication["pages"])
    for path in files:
        text = path.read_text(encoding="utf-8")
        # a figure's markup holds names and coordinates, not printed numbers: its text alone
        text = re.sub(r"<svg xmlns=.*?</svg>(?=<figcaption>)", lambda figure: re.sub(r"<[^>]*>", " ", figure.group()),
                      text, flags=re.S)
        found = negative_zero.search(text)
        assert found is None, (path.name, text[max(0, found.start() - 80):found.end() + 20])


def test_the_index_names_every_page_in_both_languages(publication):
    index = (publication["directory"] / "index.html").read_text(encoding="utf-8")
    for page in publication["pages"]:
        assert f'href="{page.path.name}"' in index
        text = page.path.read_text(encoding="utf-8")
        title = re.search(r"<title>(.*?)</title>", text).group(1)
        assert f">{title}</a>" in index, title
        assert '<a href="index.html">' in text  # and every page links back to it
    assert '<td lang="nl">' in index and '<td lang="en">' in index


def test_the_print_stylesheet_keeps_tables_figures_and_headings_together(publication):
    text = next(p for p in publication["pages"] if p.kind == "meting").path.read_text(encoding="utf-8")
    media = re.search(r"@media print\{(.*?)\n\}", text, flags=re.S)
    assert media is not None
    rules = dict(re.findall(r"([^{}]+)\{([^{}]*)\}", media.group(1)))
    avoid_inside = next(body for selector, body in rules.items() if "table.report" in selector)
    assert "break-inside:avoid" in avoid_inside
    assert "figure.chart" in next(selector for selector in rules if "break-inside" in rules[selector])
    headings = next(selector for selector, body in rules.items() if "break-after:avoid" in body)
    assert {"h1", "h2"} <= {part.strip() for part in headings.split(",")}
