"""The publication report: data (data.py) -> suppressed frames (frames.py) -> figures
(charts.py) -> pages (html.py), one page per meting and per meting pair, in Dutch and English.

    publication/meting-<meting>.<language>.html
    publication/vergelijking-<previous>-<meting>.<language>.html
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.analysis.comparison import MEANINGFUL_POINTS
from orchestration.privacy.disclosure import min_cell_count
from orchestration.publication import charts, data, frames, html, labels


@dataclass(frozen=True)
class Page:
    path: Path
    language: str
    kind: str      # 'meting' or 'comparison'
    tables: int
    charts: int
    seconds: float

    @property
    def bytes(self) -> int:
        return self.path.stat().st_size


@dataclass
class Content:
    """What every language's page of one meting (or pair) is built from: published numbers only."""
    questions: pd.DataFrame
    left_out: pd.DataFrame
    options: pd.DataFrame
    published: pd.DataFrame
    weighted: bool


def meting_file(meting: int, language: str) -> str:
    return f"meting-{meting}.{language}.html"


def comparison_file(previous: int, meting: int, language: str) -> str:
    return f"vergelijking-{previous}-{meting}.{language}.html"


def _answers(content: Content, question, language: str) -> list[str]:
    options = content.options[content.options["answer_set_id"] == question.answer_set_id]
    return [labels.codebook_text(option, "label", language) for option in options.itertuples(index=False)]


def _labels(lines: list[frames.Line], language: str) -> list[str]:
    return [labels.value_label(line.breakdown, line.value, language) + (f" {line.label_suffix}" if line.label_suffix
                                                                         else "") for line in lines]


def _notes(content: Content, language: str, min_count: int, comparison: bool) -> list[str]:
    notes = [labels.text(language, "note_suppressed", min_count=min_count),
             labels.text(language, "note_small_group", min_count=min_count)]
    if content.weighted:
        notes.append(labels.text(language, "note_weighted"))
    if comparison:
        notes.append(labels.text(language, "note_not_asked"))
    return notes


def _capped_note(content: Content, language: str) -> list[str]:
    if content.left_out.empty:
        return []
    names = ", ".join(labels.question_title(q, language) for q in content.left_out.itertuples(index=False))
    return [labels.text(language, "capped", cap=data.MAX_QUESTIONS, questions=names)]


def load_meting(con: duckdb.DuckDBPyConnection, meting: int, min_count: int) -> Content:
    shown, left_out = data.questions(con)
    distribution = data.distribution(con, meting, list(shown["question_id"]))
    # a question this meting did not ask (no line at all) has no section
    shown = shown[shown["question_id"].isin(distribution["question_id"])]
    return Content(shown, left_out, data.options(con, sorted(shown["answer_set_id"].unique())),
                   frames.publishable_distribution(distribution, min_count),
                   "pct_valid_weighted" in distribution and distribution["pct_valid_weighted"].notna().any())


def load_comparison(con: duckdb.DuckDBPyConnection, previous: int, meting: int, min_count: int) -> Content:
    shown, left_out = data.questions(con)
    comparison = data.comparison(con, previous, meting, list(shown["question_id"]))
    shown = shown[shown["question_id"].isin(comparison["question_id"])]
    weighted = {"pct_previous_weighted", "pct_current_weighted"} <= set(comparison.columns) and \
        comparison[["pct_previous_weighted", "pct_current_weighted"]].notna().any().any()
    return Content(shown, left_out, data.options(con, sorted(shown["answer_set_id"].unique())),
                   frames.publishable_comparison(comparison, min_count), bool(weighted))


def _figure_texts(language: str, min_count: int) -> dict:
    return {"suppressed_segment": labels.text(language, "suppressed_segment"),
            "bar_not_drawn": labels.text(language, "bar_not_drawn", min_count=min_count),
            "not_asked": labels.text(language, "not_asked")}


def meting_page(content: Content, meting: int, language: str, min_count: int) -> tuple[str, int, int]:
    """(html, tables, figures) of one meting in one language."""
    sections, contents = [], []
    for question in content.questions.itertuples(index=False):
        answers = _answers(content, question, language)
        groups = []
        for breakdown in labels.BREAKDOWNS:
            lines = frames.distribution_lines(content.published, question.question_id, breakdown)
            groups.append((labels.text(language, f"breakdown.{breakdown}"), lines, _labels(lines, language)))
        section, heading = _section(question, groups, answers, content, language, min_count, str(meting),
                                    "chart_caption")
        sections.append(section)
        contents.append((html.esc(question.question_id), heading))
    title = labels.text(language, "meting_title", meting=meting)
    intro = labels.text(language, "meting_intro", meting=meting, shown=len(content.questions),
                        selected=len(content.questions) + len(content.left_out))
    other = meting_file(meting, "en" if language == "nl" else "nl")
    page = html.page(title, language, intro, sections, contents,
                     _notes(content, language, min_count, False) + _capped_note(content, language), other)
    return page, len(sections), len(sections)


def _section(question, groups, answers, content: Content, language: str, min_count: int, salt: str,
             caption: str) -> tuple[str, str]:
    """One question's figure and table, as (section html, heading): the same on a meting page and
    a comparison page, which differ in the lines they show and the caption."""
    anchor = html.esc(question.question_id)
    svg = charts.stacked_bars(groups, answers, _figure_texts(language, min_count), f"{salt}-{anchor}")
    table_html = html.table(f"{anchor}-table", groups, answers, content.weighted, language, min_count,
                            [labels.text(language, "note_suppressed", min_count=min_count)])
    heading = f"{labels.reference(question.report_tables, language)} · {labels.question_title(question, language)}"
    return html.section(anchor, heading, svg, labels.text(language, caption), table_html), heading


def comparison_page(content: Content, previous: int, meting: int, language: str,
                    min_count: int) -> tuple[str, int, int]:
    sections, contents = [], []
    for question in content.questions.itertuples(index=False):
        answers = _answers(content, question, language)
        lines = frames.comparison_lines(content.published, question.question_id)
        title = labels.text(language, "breakdown.group")
        group = [(title, lines, _labels(lines, language))]
        section, heading = _section(question, group, answers, content, language, min_count,
                                    f"{previous}-{meting}", "comparison_caption")
        sections.append(section)
        contents.append((html.esc(question.question_id), heading))
    title = labels.text(language, "comparison_title", previous=previous, meting=meting)
    intro = labels.text(language, "comparison_intro", previous=previous, meting=meting,
                        points=f"{MEANINGFUL_POINTS:g}")
    other = comparison_file(previous, meting, "en" if language == "nl" else "nl")
    page = html.page(title, language, intro, sections, contents,
                     _notes(content, language, min_count, True) + _capped_note(content, language), other)
    return page, len(sections), len(sections)


def _write(path: Path, text: str) -> Path:
    """Whole pages only: written beside the page, then renamed over it, so a reader (or a web
    server) never gets half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


def write_reports(con: duckdb.DuckDBPyConnection, directory: Path, languages: tuple[str, ...] = labels.LANGUAGES,
                  min_count: int | None = None) -> list[Page]:
    """Every meting page and every comparison page in every language, under `directory`."""
    threshold = min_cell_count(min_count)
    languages = tuple(labels.check_language(language) for language in languages)
    pages = []
    for meting in data.metingen(con):
        content = load_meting(con, meting, threshold)
        for language in languages:
            started = time.perf_counter()
            text, tables, figures = meting_page(content, meting, language, threshold)
            path = _write(directory / meting_file(meting, language), text)
            pages.append(Page(path, language, "meting", tables, figures, time.perf_counter() - started))
    for previous, meting in data.meting_pairs(con):
        content = load_comparison(con, previous, meting, threshold)
        for language in languages:
            started = time.perf_counter()
            text, tables, figures = comparison_page(content, previous, meting, language, threshold)
            path = _write(directory / comparison_file(previous, meting, language), text)
            pages.append(Page(path, language, "comparison", tables, figures, time.perf_counter() - started))
    return pages
