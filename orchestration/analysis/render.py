"""The analysis tables as pages for readers without SQL: HTML (great_tables) and CSV under
Settings.outputs_dir. Pages are rebuilt from the tables; nothing here computes a number."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from orchestration.analysis.comparison import BREAKDOWN_LABELS, BREAKDOWNS, MEANINGFUL_POINTS

if TYPE_CHECKING:
    from great_tables import GT

RED = "#fde0dd"
KINDS = ("prev", "cur", "diff", "wdiff")


def page(title: str, parts: list[str], intro: str = "") -> str:
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{html.escape(title)}</title>\n"
            "<style>body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;margin:2em;}"
            "p.intro{max-width:60em;}</style>\n</head>\n<body>\n"
            f"<h1>{html.escape(title)}</h1>\n<p class=\"intro\">{intro}</p>\n{body}\n</body>\n</html>\n")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _frame(frame: pd.DataFrame):
    """A table as great_tables gets it: a polars frame. great_tables writes every cell into its
    output one at a time, which pandas frames make several times slower. It aligns a column by
    its polars type, numbers right and text left, whatever the values (pandas' text types put a
    column of notes left in one meting and right in another); a text column that belongs with
    the numbers is aligned by its page."""
    import polars as pl  # imported on use: loading the Dagster code location stays fast

    return pl.from_pandas(frame)


def _id(*parts: object) -> str:
    return re.sub(r"[^a-z0-9]+", "-", "-".join(map(str, parts)).lower()).strip("-")


def _true(value) -> bool:
    """True for a set flag; False for False, NULL and NA (DuckDB and pandas spell them differently)."""
    return False if value is None or pd.isna(value) else bool(value)


def _pct(value) -> str:
    return "" if pd.isna(value) else f"{value:.0f}"


def _difference(value, significant) -> str:
    if pd.isna(value):
        return ""
    return f"{value:+.1f}" + (" *" if _true(significant) else "")


def _p(value) -> str:
    if pd.isna(value):
        return ""
    return "p < .001" if value < 0.001 else f"p = {value:.3f}".replace("0.", ".")


def comparison_table(frequencies: pd.DataFrame, tests: pd.DataFrame, breakdown: str) -> GT:
    """One breakdown of one meting pair: per breakdown value the two percentages and the
    difference (single answers, then the combined categories such as "(zeer) eens"); bold = the
    report's 8-point rule, * = the 95 % interval excludes 0 (unweighted; weighted: design-based),
    so a difference with both markers is the one both readings support; a row per question with
    the chi-square test of the whole distribution."""
    from great_tables import GT, loc, style  # imported on use: loading the Dagster code location stays fast

    part = frequencies[frequencies["breakdown"] == breakdown].copy()
    meting, previous = int(part["meting"].iloc[0]), int(part["previous_meting"].iloc[0])
    values = sorted(part["breakdown_value"].unique())
    questions = part.drop_duplicates("question_id").sort_values(["report_tables", "question_id"])
    labels = {}
    for question in questions.itertuples(index=False):
        label = f"{question.report_tables.split(';')[0]} · {question.question_text_nl}"
        if not pd.isna(question.item_label_nl) and question.item_label_nl not in ("", question.question_text_nl):
            label += f" — {question.item_label_nl}"
        labels[question.question_id] = label
    question_order = {question_id: index for index, question_id in enumerate(labels)}
    long = pd.DataFrame({
        "question_id": part["question_id"], "breakdown_value": part["breakdown_value"],
        "antwoord": part["answer_label_nl"],
        # the combined categories after the single answers
        "_order": part["answer_sort_order"].astype(int)
        + 1000 * part.get("category_kind", pd.Series("single", index=part.index)).eq("combined").astype(int),
        "prev": part["pct_previous"].map(_pct), "cur": part["pct_current"].map(_pct),
        "diff": [_difference(d, s) for d, s in zip(part["difference_points"], part["significant"])],
        # the same difference with the raking weights: how much the sample's make-up moves it
        "wdiff": [_difference(d, s) for d, s in zip(
            part.get("difference_points_weighted", pd.Series(index=part.index)),
            part.get("significant_weighted", pd.Series(False, index=part.index)))],
        "_bold": [_true(flag) for flag in part["meaningful_difference"]],
    })
    chi = tests[(tests["breakdown"] == breakdown) & tests["question_id"].isin(labels)]
    long = pd.concat([long, pd.DataFrame({
        "question_id": chi["question_id"], "breakdown_value": chi["breakdown_value"],
        "antwoord": "χ²-toets (hele verdeling)", "_order": 100_000, "prev": "", "cur": "",
        "diff": chi["p_value"].map(_p), "wdiff": "", "_bold": False})], ignore_index=True)
    long["_question"] = long["question_id"].map(question_order)
    long["vraag"] = long["question_id"].map(labels)
    wide = (long.set_index(["_question", "_order", "vraag", "antwoord", "breakdown_value"])
            [["prev", "cur", "diff", "wdiff", "_bold"]].unstack("breakdown_value").sort_index())
    table = pd.DataFrame({"vraag": wide.index.get_level_values("vraag"),
                          "antwoord": wide.index.get_level_values("antwoord")})
    columns, bold = [], {}
    for value in values:
        for kind in KINDS:
            column = f"{value}|{kind}"
            table[column] = wide[(kind, value)].astype(object).where(wide[(kind, value)].notna(), "").to_numpy() \
                if (kind, value) in wide else ""
            columns.append(column)
        flags = wide[("_bold", value)] if ("_bold", value) in wide else []
        bold[value] = [index for index, flag in enumerate(flags) if _true(flag)]
    gt = (GT(_frame(table), rowname_col="antwoord", groupname_col="vraag")
          .with_id(_id("comparison", meting, previous, breakdown))
          .tab_header(f"{BREAKDOWN_LABELS[breakdown]}: meting {meting} tegen {previous}",
                      "Percentages over de basis van de vraag, zoals het rapport (marts.mart_meting_comparison)"))
    for value in values:
        gt = gt.tab_spanner(label=str(value), columns=[f"{value}|{kind}" for kind in KINDS])
    gt = gt.cols_label(**{f"{value}|{kind}": text for value in values
                          for kind, text in (("prev", str(previous)), ("cur", str(meting)), ("diff", "verschil"),
                                             ("wdiff", "gewogen"))})
    gt = gt.cols_align("right", columns=columns)
    for value, row_indices in bold.items():
        if row_indices:
            gt = gt.tab_style(style=[style.text(weight="bold"), style.fill(color="#fff3cd")],
                              locations=loc.body(columns=f"{value}|diff", rows=row_indices))
    return gt.tab_source_note(
        f"Vet: verschil van {MEANINGFUL_POINTS:g} procentpunten of meer (de vuistregel van het rapport). "
        "*: het 95%-betrouwbaarheidsinterval van het verschil sluit 0 uit (ongewogen: standaardfout "
        "sqrt(p(1-p)/n); gewogen: design-based standaardfout door Taylor-linearisering). Vet én *: het "
        "verschil dat beide lezingen steunen. Percentages over de basis van de vraag (codeboek); "
        "samengevoegde categorieën zoals \"(zeer) eens\" na de losse antwoorden. χ²: Pearson-toets van de "
        "hele antwoordverdeling (2 metingen × antwoorden). De metingen zijn als onafhankelijke steekproeven "
        "behandeld. Gewogen: hetzelfde verschil met de wegingsfactoren naar de DUO-populatie (geslacht, "
        "leerroute, leeftijd; marts.mart_weighting_summary).")


def comparison_pages(frequencies: pd.DataFrame, tests: pd.DataFrame, directory: Path) -> list[Path]:
    written = []
    for (meting, previous), pair in frequencies.groupby(["meting", "previous_meting"], sort=True):
        pair_tests = tests[tests["meting"] == meting]
        folder = directory / f"{meting}_vs_{previous}"
        for breakdown in BREAKDOWNS:
            part = pair[pair["breakdown"] == breakdown]
            if part.empty:
                continue
            gt = comparison_table(pair, pair_tests, breakdown)
            intro = (f"Meting {meting} tegen meting {previous}, per {BREAKDOWN_LABELS[breakdown].lower()}. "
                     f"Alle cijfers ook in <code>{breakdown}.csv</code> en in de tabellen "
                     "<code>analysis.comparison_frequencies</code> en <code>analysis.comparison_chi_square</code>.")
            written.append(write(folder / f"{breakdown}.html",
                                 page(f"Vergelijking {meting}–{previous}: {BREAKDOWN_LABELS[breakdown]}",
                                      [gt.as_raw_html()], intro)))
            part.to_csv(folder / f"{breakdown}.csv", index=False)
            written.append(folder / f"{breakdown}.csv")
    return written


def regression_page(coefficients: pd.DataFrame, models: pd.DataFrame, meting: int) -> str:
    from great_tables import GT  # imported on use: loading the Dagster code location stays fast

    part = coefficients[coefficients["meting"] == meting].copy()
    fits = models[models["meting"] == meting].set_index("report_table")
    part["model"] = [
        f"Tabel {t}: {o} ({g}); N = {fits.loc[t, 'n']}, adj. R² = "
        + ("-" if pd.isna(fits.loc[t, "adj_r_squared"]) else f"{fits.loc[t, 'adj_r_squared']:.2f}")
        for t, o, g in zip(part["report_table"], part["outcome"], part["group_label"])]
    shown = part[["model", "term", "estimate", "std_error", "t_value", "stars", "note"]].rename(
        columns={"estimate": "B", "std_error": "SE", "t_value": "t", "stars": "sig."})
    shown["note"] = shown["note"].fillna("")
    shown["sig."] = shown["sig."].fillna("")
    gt = (GT(_frame(shown), rowname_col="term", groupname_col="model").with_id(_id("regression", meting))
          .tab_header(f"Regressies meting {meting}", "OLS, complete cases; *** p ≤ .001, ** p ≤ .01, * p ≤ .05")
          .fmt_number(columns=["B", "SE"], decimals=3).fmt_number(columns="t", decimals=2)
          .sub_missing(columns=["B", "SE", "t"], missing_text="–")
          .cols_align("right", columns="sig.")  # the stars beside the t they mark
          .cols_label(note="opmerking"))
    return page(f"Regressies meting {meting}", [gt.as_raw_html()],
                "De modellen van het rapport (Tabel 4.7, B.2.7–B.2.14, B.4.8–B.4.14) zoals "
                "<code>orchestration/report_mapping.yaml</code> ze vastlegt (termen gecodeerd volgens "
                "<code>orchestration/analysis/models.yaml</code>), geschat op "
                "<code>marts.fct_respondent</code> en <code>marts.fct_answer</code>.")


def reproduction_page(summary: pd.DataFrame, numbers: dict, meting: int) -> str:
    from great_tables import GT, loc, style  # imported on use: loading the Dagster code location stays fast

    tables_part = summary[summary["check_kind"] == "frequency_table"].copy()
    tables_part["oordeel"] = ["binnen marge" if _true(ok) else "BUITEN marge" for ok in tables_part["within"]]
    shown = tables_part[["reference_key", "title", "cells", "cells_within", "deviation", "item", "tolerance",
                         "oordeel"]].rename(columns={"reference_key": "tabel", "title": "titel", "cells": "cellen",
                                                     "cells_within": "binnen", "deviation": "grootste afwijking",
                                                     "item": "cel", "tolerance": "marge"})
    outside_rows = [i for i, ok in enumerate(tables_part["within"]) if not _true(ok)]
    gt_tables = (GT(_frame(shown)).with_id(_id("reproduction-tables", meting))
                 .tab_header("Frequentietabellen",
                             "Grootste afwijking (procentpunten) van de gedrukte percentages; marge per cel: "
                             "3 standaardfouten bij de gedrukte N + 0,5 punt afronding")
                 .fmt_number(columns=["grootste afwijking", "marge"], decimals=1))
    if outside_rows:
        gt_tables = gt_tables.tab_style(style.fill(color=RED), loc.body(rows=outside_rows))

    coefficients = summary[summary["check_kind"] == "coefficient"].copy()
    coefficients["model"] = "Tabel " + coefficients["report_table"].astype(str)
    coefficients["oordeel"] = ["≤ 2 SE" if _true(ok) else "> 2 SE" for ok in coefficients["within"]]
    shown_c = coefficients[["model", "item", "printed", "printed_se", "reproduced", "deviation", "oordeel"]].rename(
        columns={"item": "term", "printed": "B rapport", "printed_se": "SE rapport", "reproduced": "B warehouse",
                 "deviation": "afstand (SE)"})
    outside_c = [i for i, ok in enumerate(coefficients["within"]) if not _true(ok)]
    gt_coefficients = (GT(_frame(shown_c), rowname_col="term", groupname_col="model")
                       .with_id(_id("reproduction-coefficients", meting))
                       .tab_header("Regressiecoëfficiënten",
                                   "Afstand = |B warehouse − B rapport| / SE rapport; binnen bij ≤ 2")
                       .fmt_number(columns=["B rapport", "SE rapport", "B warehouse"], decimals=3)
                       .fmt_number(columns="afstand (SE)", decimals=2))
    if outside_c:
        gt_coefficients = gt_coefficients.tab_style(style.fill(color=RED), loc.body(rows=outside_c))
    share = numbers["share_within_2se"]
    largest_table = numbers["largest_table_deviation"]
    largest_se = numbers["largest_distance_se"]
    intro = (
        f"Meting {meting} in het warehouse tegen het gepubliceerde rapport. "
        f"<b>{numbers['tables_within']} van {numbers['tables']}</b> herbouwbare tabellen liggen geheel binnen de marge "
        f"({numbers['cells_within']} van {numbers['cells']} cellen); grootste afwijking "
        f"{'-' if largest_table is None else f'{largest_table:.1f}'} punt. "
        f"<b>{numbers['coefficients_within_2se']} van {numbers['coefficients']}</b> coëfficiënten liggen binnen twee "
        f"gepubliceerde standaardfouten ({'-' if share is None else f'{100 * share:.1f}'} %), "
        f"{numbers['coefficients_within_3se']} binnen drie; grootste afstand "
        f"{'-' if largest_se is None else f'{largest_se:.2f}'} SE. "
        "Dezelfde cijfers staan in <code>analysis.report_reproduction</code> (per cel: "
        "<code>analysis.report_reproduction_cells</code>) en als asset checks in Dagster.")
    return page(f"Reproductie van het rapport (meting {meting})",
                [gt_tables.as_raw_html(), "<br/>", gt_coefficients.as_raw_html()], intro)


def index_page(links: list[tuple[str, str]]) -> str:
    items = "\n".join(f"<li><a href=\"{html.escape(href)}\">{html.escape(text)}</a></li>" for text, href in links)
    return page("Perspectief inburgeraars: analyses", [f"<ul>\n{items}\n</ul>"],
                "Gegenereerd door de analysis-assets van het warehouse; de tabellen staan in het schema "
                "<code>analysis</code>.")
