"""The publication report: data (data.py) -> suppressed frames (frames.py) -> figures
(charts.py) -> pages (html.py), one page per meting and per meting pair, in Dutch and English.

    publication/meting-<meting>.<language>.html
    publication/meting-<meting>.<language>/<question_id>.csv      (one per table)
    publication/vergelijking-<previous>-<meting>.<language>.html
    publication/vergelijking-<previous>-<meting>.<language>/<question_id>.csv
    publication/index.html                                         (every page, titles in both languages)
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from orchestration.analysis.comparison import MEANINGFUL_POINTS
from orchestration.privacy.disclosure import min_cell_count
from orchestration.publication import data, downloads, fingerprint, frames, html, labels


@dataclass(frozen=True)
class Page:
    path: Path
    language: str
    kind: str      # 'meting' or 'comparison'
    tables: int
    charts: int
    seconds: float
    csvs: int = 0  # one per table, in the folder beside the page
    drawn: bool = True  # False: its inputs had not changed since it was drawn, the page was left as it was

    @property
    def bytes(self) -> int:
        return self.path.stat().st_size


@dataclass
class Rendered:
    """One page in one language: its HTML and, per table, the CSV beside it (file name -> text)."""
    html: str
    tables: int
    figures: int
    csvs: dict[str, str]


@dataclass
class Content:
    """What every language's page of one meting (or pair) is built from: published numbers only."""
    questions: pd.DataFrame
    left_out: pd.DataFrame
    options: pd.DataFrame
    published: pd.DataFrame
    weighted: bool  # the one estimate of the page's figures and tables: weighted, else unweighted
    cap: int | None = None  # the questions cap the content was read with (data.MAX_QUESTIONS then)
    _lines: dict = field(default_factory=dict, repr=False, compare=False)

    def lines(self, kind: str, question_id: str, breakdown: str) -> list[frames.Line]:
        """A breakdown's lines of a question ('distribution' or 'comparison'), cut from the
        published frame once and shared by the page's languages (they differ only in words)."""
        if "rows" not in self._lines:
            self._lines["rows"] = frames.LineRows(self.published)
        key = (kind, question_id, breakdown)
        if key not in self._lines:
            cut = frames.distribution_lines if kind == "distribution" else frames.comparison_lines
            self._lines[key] = cut(self._lines["rows"], question_id, breakdown)
        return self._lines[key]


INDEX_FILE = "index.html"


def meting_file(meting: int, language: str) -> str:
    return f"meting-{meting}.{language}.html"


def comparison_file(previous: int, meting: int, language: str) -> str:
    return f"vergelijking-{previous}-{meting}.{language}.html"


def _options(content: Content, question) -> pd.DataFrame:
    """The question's columns: the answers of its set that its lines hold (the valid ones, and
    "weet ik niet" / "wil ik niet zeggen" where the mart counts them in the base), in order."""
    codes = set(content.published.loc[content.published["question_id"] == question.question_id, "harmonised_code"])
    options = content.options[(content.options["answer_set_id"] == question.answer_set_id)
                              & content.options["harmonised_code"].isin(codes)]
    return options.sort_values(["sort_order", "harmonised_code"])


def _answers(content: Content, question, language: str) -> list[str]:
    options = _options(content, question).itertuples(index=False)
    return [labels.codebook_text(option, "label", language) for option in options]


def _statuses(content: Content, question) -> list[str]:
    return list(_options(content, question)["answer_status"])


def _base_note(question, language: str) -> list[str]:
    """Under a table whose base is not the valid answers alone: what the percentages are of."""
    base = getattr(question, "percentage_base", None)
    if not isinstance(base, str) or base == "valid":
        return []
    return [labels.text(language, f"base.{base}", reference=labels.reference(question.report_tables, language))]


def _labels(lines: list[frames.Line], language: str) -> list[str]:
    return [labels.value_label(line.breakdown, line.value, language) + (f" {line.label_suffix}" if line.label_suffix
                                                                         else "") for line in lines]


def _notes(content: Content, language: str, min_count: int, comparison: bool) -> list[str]:
    notes = [labels.text(language, "note_base"),
             labels.text(language, "note_weighted" if content.weighted else "note_unweighted"),
             labels.text(language, "note_suppressed", min_count=min_count),
             labels.text(language, "note_small_group", min_count=min_count)]
    if comparison:
        notes.append(labels.text(language, "note_not_asked"))
        notes.append(labels.text(language, "note_markers", points=f"{MEANINGFUL_POINTS:g}"))
    return notes


def _capped_note(content: Content, language: str) -> list[str]:
    if content.left_out.empty:
        return []
    names = ", ".join(labels.question_title(q, language) for q in content.left_out.itertuples(index=False))
    cap = data.MAX_QUESTIONS if content.cap is None else content.cap
    return [labels.text(language, "capped", cap=cap, questions=names)]


def _all_weighted(published: pd.DataFrame, pairs: list[tuple[str, str]]) -> bool:
    """Weighted when every printed percentage has its weighted twin (a mart without weights, or
    a meting without them, makes the whole page unweighted: one estimate per page)."""
    if not all(weighted in published for _, weighted in pairs):
        return False
    return all(published.loc[published[pct].notna(), weighted].notna().all() and published[pct].notna().any()
               for pct, weighted in pairs)


@dataclass
class Source:
    """What one meting's (or pair's) pages are read from, before disclosure control: enough to
    tell whether the pages changed without suppressing anything (fingerprint.py)."""
    metingen: tuple[int, ...]  # (meting,) or (previous, meting)
    questions: pd.DataFrame
    left_out: pd.DataFrame
    options: pd.DataFrame
    lines: pd.DataFrame        # data.distribution or data.comparison
    cap: int

    def digest(self, *parameters) -> str:
        return fingerprint.fingerprint(self.questions, self.left_out, self.options, self.lines, self.cap,
                                       MEANINGFUL_POINTS, self.metingen, *parameters)


def read_meting(con: duckdb.DuckDBPyConnection, meting: int) -> Source:
    shown, left_out = data.questions(con)
    distribution = data.distribution(con, meting, list(shown["question_id"]))
    # a question this meting did not ask (no line at all) has no section
    shown = shown[shown["question_id"].isin(distribution["question_id"])]
    return Source((meting,), shown, left_out, data.options(con, sorted(shown["answer_set_id"].unique())),
                  distribution, data.MAX_QUESTIONS)


def read_comparison(con: duckdb.DuckDBPyConnection, previous: int, meting: int) -> Source:
    shown, left_out = data.questions(con)
    comparison = data.comparison(con, previous, meting, list(shown["question_id"]), MEANINGFUL_POINTS)
    shown = shown[shown["question_id"].isin(comparison["question_id"])]
    return Source((previous, meting), shown, left_out, data.options(con, sorted(shown["answer_set_id"].unique())),
                  comparison, data.MAX_QUESTIONS)


def meting_content(source: Source, min_count: int) -> Content:
    published = frames.publishable_distribution(source.lines, min_count)
    return Content(source.questions, source.left_out, source.options, published,
                   _all_weighted(published, [("pct_of_base", "pct_of_base_weighted")]), source.cap)


def comparison_content(source: Source, min_count: int) -> Content:
    published = frames.publishable_comparison(source.lines, min_count)
    weighted = _all_weighted(published, [("pct_previous", "pct_previous_weighted"),
                                         ("pct_current", "pct_current_weighted")])
    return Content(source.questions, source.left_out, source.options, published, weighted, source.cap)


def load_meting(con: duckdb.DuckDBPyConnection, meting: int, min_count: int) -> Content:
    return meting_content(read_meting(con, meting), min_count)


def load_comparison(con: duckdb.DuckDBPyConnection, previous: int, meting: int, min_count: int) -> Content:
    return comparison_content(read_comparison(con, previous, meting), min_count)


def _figure_texts(language: str, min_count: int) -> dict:
    return {"suppressed_segment": labels.text(language, "suppressed_segment"),
            "bar_not_drawn": labels.text(language, "bar_not_drawn", min_count=min_count),
            "not_asked": labels.text(language, "not_asked")}


def _csv_folder(page_file: str) -> str:
    """The folder beside a page that holds its tables' CSVs: 'meting-2024.nl.html' -> 'meting-2024.nl'."""
    return page_file.removesuffix(".html")


def meting_page(content: Content, meting: int, language: str, min_count: int) -> Rendered:
    """One meting in one language: per question a figure and its table."""
    folder = _csv_folder(meting_file(meting, language))
    sections, contents, csvs = [], [], {}
    for question in content.questions.itertuples(index=False):
        answers = _answers(content, question, language)
        groups = []
        for breakdown in labels.BREAKDOWNS:
            lines = content.lines("distribution", question.question_id, breakdown)
            groups.append((labels.text(language, f"breakdown.{breakdown}"), lines, _labels(lines, language)))
        section, heading, csv_text = _section(question, groups, answers, content, language, min_count,
                                              str(meting), "chart_caption", folder)
        sections.append(section)
        contents.append((html.esc(question.question_id), heading))
        csvs[f"{question.question_id}.csv"] = csv_text
    title = labels.text(language, "meting_title", meting=meting)
    intro = labels.text(language, "meting_intro", meting=meting, shown=len(content.questions),
                        selected=len(content.questions) + len(content.left_out))
    other = meting_file(meting, "en" if language == "nl" else "nl")
    page = html.page(title, language, intro, sections, contents,
                     _notes(content, language, min_count, False) + _capped_note(content, language), other)
    return Rendered(page, len(sections), len(sections), csvs)


def _section(question, groups, answers, content: Content, language: str, min_count: int, salt: str,
             caption: str, folder: str) -> tuple[str, str, str]:
    """One question's figure, table and CSV, as (section html, heading, csv text): the same on a
    meting page and a comparison page, which differ in the lines they show and the caption.
    Figure, table and CSV print one estimate: the page's (weighted or not)."""
    from orchestration.publication import charts  # imported on use: loading the Dagster code location stays fast

    anchor = html.esc(question.question_id)
    svg = charts.stacked_bars(groups, answers, _figure_texts(language, min_count), f"{salt}-{anchor}",
                              content.weighted, _statuses(content, question))
    estimate = labels.text(language, "estimate_weighted" if content.weighted else "estimate_unweighted")
    table_html = html.table(f"{anchor}-table", groups, answers, content.weighted, language, min_count,
                            _base_note(question, language)
                            + [labels.text(language, "note_suppressed", min_count=min_count)], estimate,
                            f"{folder}/{question.question_id}.csv", MEANINGFUL_POINTS)
    heading = f"{labels.reference(question.report_tables, language)} · {labels.question_title(question, language)}"
    csv_text = downloads.table_csv(groups, answers, content.weighted, language, estimate, MEANINGFUL_POINTS)
    base = " ".join(_base_note(question, language))
    caption_text = f"{labels.text(language, caption)} {estimate}." + (f" {base}" if base else "")
    return (html.section(anchor, heading, svg, caption_text, table_html,
                         content.weighted), heading, csv_text)


def comparison_page(content: Content, previous: int, meting: int, language: str, min_count: int) -> Rendered:
    """One meting pair in one language: per question and subgroup a bar for each meting, the
    table with both and the difference."""
    folder = _csv_folder(comparison_file(previous, meting, language))
    sections, contents, csvs = [], [], {}
    for question in content.questions.itertuples(index=False):
        answers = _answers(content, question, language)
        groups = []
        for breakdown in labels.BREAKDOWNS:
            lines = content.lines("comparison", question.question_id, breakdown)
            groups.append((labels.text(language, f"breakdown.{breakdown}"), lines, _labels(lines, language)))
        section, heading, csv_text = _section(question, groups, answers, content, language, min_count,
                                              f"{previous}-{meting}", "comparison_caption", folder)
        sections.append(section)
        contents.append((html.esc(question.question_id), heading))
        csvs[f"{question.question_id}.csv"] = csv_text
    title = labels.text(language, "comparison_title", previous=previous, meting=meting)
    intro = labels.text(language, "comparison_intro", previous=previous, meting=meting,
                        points=f"{MEANINGFUL_POINTS:g}")
    other = comparison_file(previous, meting, "en" if language == "nl" else "nl")
    page = html.page(title, language, intro, sections, contents,
                     _notes(content, language, min_count, True) + _capped_note(content, language), other)
    return Rendered(page, len(sections), len(sections), csvs)


def _write(path: Path, text: str) -> Path:
    """Whole pages only: written beside the page, then renamed over it, so a reader (or a web
    server) never gets half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


def _write_page(directory: Path, name: str, rendered: Rendered) -> dict[str, str]:
    """The page's CSVs first, then the page (which links them); a CSV of a table no longer on
    the page is removed, so the folder holds exactly the page's tables. Returns the sha256 of
    every file written, by path relative to `directory`."""
    folder = directory / _csv_folder(name)
    written = {}
    for file_name, text in rendered.csvs.items():
        written[f"{folder.name}/{file_name}"] = _sha256(_write(folder / file_name, text))
    if folder.exists():
        for stale in folder.glob("*.csv"):
            if stale.name not in rendered.csvs:
                stale.unlink()
    written[name] = _sha256(_write(directory / name, rendered.html))
    return written


def _sha256(path: Path) -> str:
    return fingerprint.file_sha256(path)


@dataclass
class _Job:
    """One page to write: what it is drawn from and its place among the pages."""
    order: int
    name: str
    kind: str      # 'meting' or 'comparison'
    language: str
    source: Source
    min_count: int
    fingerprint: str
    content: Content | None = None  # read from the source (disclosure control) only when the page is drawn

    @property
    def metingen(self) -> tuple[int, ...]:
        return self.source.metingen


def render_page(job: _Job) -> tuple[Rendered, float]:
    """A page's HTML and CSVs, and the seconds it took."""
    started = time.perf_counter()
    if job.kind == "meting":
        rendered = meting_page(job.content, job.metingen[0], job.language, job.min_count)
    else:
        rendered = comparison_page(job.content, *job.metingen, job.language, job.min_count)
    return rendered, time.perf_counter() - started


def _sources(con: duckdb.DuckDBPyConnection, languages: tuple[str, ...], threshold: int):
    """Every page to be written, with what it is read from, and the index entries of the pages."""
    jobs, entries = [], []
    for meting in data.metingen(con):
        source = read_meting(con, meting)
        for language in languages:
            jobs.append(_Job(len(jobs), meting_file(meting, language), "meting", language, source, threshold,
                             source.digest("meting", language, threshold)))
        entries.append(({lang: labels.text(lang, "meting_title", meting=meting) for lang in labels.LANGUAGES},
                        {lang: meting_file(meting, lang) for lang in languages}))
    for previous, meting in data.meting_pairs(con):
        source = read_comparison(con, previous, meting)
        for language in languages:
            jobs.append(_Job(len(jobs), comparison_file(previous, meting, language), "comparison", language,
                             source, threshold, source.digest("comparison", language, threshold)))
        entries.append(({lang: labels.text(lang, "comparison_title", previous=previous, meting=meting)
                         for lang in labels.LANGUAGES},
                        {lang: comparison_file(previous, meting, lang) for lang in languages}))
    return jobs, entries


def _with_contents(jobs: list[_Job]) -> list[_Job]:
    """The jobs with their content: disclosure control once per source, shared by its languages."""
    contents: dict[int, Content] = {}
    for job in jobs:
        if id(job.source) not in contents:
            build = meting_content if job.kind == "meting" else comparison_content
            contents[id(job.source)] = build(job.source, job.min_count)
        job.content = contents[id(job.source)]
    return jobs


def write_reports(con: duckdb.DuckDBPyConnection, directory: Path, languages: tuple[str, ...] = labels.LANGUAGES,
                  min_count: int | None = None, progress: Callable[[Page], None] | None = None) -> list[Page]:
    """Every meting page and every comparison page in every language, with their CSVs, and the
    index of them, under `directory`. A page whose inputs (fingerprint.py) have not changed since
    it was written is left as it is (`Page.drawn` False). `progress` gets each page when it is
    written or found unchanged."""
    threshold = min_cell_count(min_count)
    languages = tuple(labels.check_language(language) for language in languages)
    jobs, entries = _sources(con, languages, threshold)
    manifest = fingerprint.read_manifest(directory)
    pages: dict[int, Page] = {}
    to_draw = []
    for job in jobs:
        entry = manifest.get(job.name)
        if fingerprint.unchanged(directory, entry, job.fingerprint):
            pages[job.order] = Page(directory / job.name, job.language, job.kind, entry["tables"],
                                    entry["figures"], 0.0, len(entry["files"]) - 1, drawn=False)
            if progress:
                progress(pages[job.order])
        else:
            to_draw.append(job)
    for job in _with_contents(to_draw):
        rendered, seconds = render_page(job)
        files = _write_page(directory, job.name, rendered)
        manifest[job.name] = {"fingerprint": job.fingerprint, "files": files, "tables": rendered.tables,
                              "figures": rendered.figures}
        pages[job.order] = Page(directory / job.name, job.language, job.kind, rendered.tables, rendered.figures,
                                seconds, len(rendered.csvs))
        if progress:
            progress(pages[job.order])
    current = {job.name for job in jobs}
    fingerprint.write_manifest(directory, {name: entry for name, entry in manifest.items() if name in current})
    index = html.index(entries)
    if fingerprint.file_sha256(directory / INDEX_FILE) != fingerprint.fingerprint_text(index):
        _write(directory / INDEX_FILE, index)
    return [pages[order] for order in sorted(pages)]
