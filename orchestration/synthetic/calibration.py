"""Does the generated data say what the report says? Reads the export files (not the
warehouse), harmonises them through the crosswalk and compares every printed percentage of
every table the report mapping (orchestration/report_mapping.yaml) links to a question, over
the mapping's percentage base.

Tolerance per cell (orchestration/reference.py): three standard errors of a proportion at the
table's printed column N, plus half a point for the printing's rounding to whole percents.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.codebook import Codebook
from orchestration.landing.reader import read_export
from orchestration.reference import (
    CellCheck,
    Column,
    ReferenceTable,
    compare_table,
    parse_value,
    tables,
    tolerance,
)
from orchestration.synthetic.labels import _normalise, category_codes, subgroup
from orchestration.synthetic.report_mapping import (
    base_codes,
    cohort_rule,
    column_where,
    figures,
    frequency_tables,
    group_by_permit,
    row_codes,
    table_questions,
    value_labels,
)


def _read_file(path: Path) -> tuple[int, str, pd.DataFrame]:
    """An export file as the loader reads it (landing/reader.py): the bytes, not the warehouse."""
    export = read_export(path)
    return export.meting, export.questionnaire, export.data


def harmonise(codebook: Codebook, meting: int, questionnaire: str, data: pd.DataFrame) -> pd.DataFrame:
    """Source variables -> question ids; source codes -> harmonised codes."""
    layout = codebook.layout(meting, questionnaire)
    crosswalk = codebook.code_map(meting, questionnaire)
    columns = {}
    for variable in layout.itertuples(index=False):
        column = data[variable.source_variable]
        if variable.value_type in ("categorical", "multi_response_option"):
            codes = crosswalk[crosswalk["source_variable"] == variable.source_variable]
            columns[variable.question_id] = column.map(dict(zip(codes["source_code"], codes["harmonised_code"])))
        else:
            columns[variable.question_id] = column
    out = pd.DataFrame(columns, index=data.index).assign(questionnaire=questionnaire, meting=meting)
    return derive(out)


def cohorts(dates: pd.Series) -> np.ndarray:
    """The report's cohort of each PIP date (report mapping, subgroup_values); NaN without a date."""
    _, later_from, earlier, later = cohort_rule()
    return np.where(dates.isna(), np.nan, np.where(dates < later_from, float(earlier), float(later)))


def derive(frame: pd.DataFrame) -> pd.DataFrame:
    """Covariates the report derives: age at the meting, cohort from the PIP date."""
    empty = pd.Series(np.nan, index=frame.index)
    birth_year = pd.to_numeric(frame.get("birth_year", empty), errors="coerce")
    dates = pd.to_datetime(frame.get(cohort_rule()[0], empty), errors="coerce")
    return frame.assign(age=frame["meting"] - birth_year, cohort=pd.Series(cohorts(dates), index=frame.index))


def read_exports(directory: Path, codebook: Codebook | None = None) -> dict[int, pd.DataFrame]:
    codebook = codebook or Codebook.load()
    parts: dict[int, list[pd.DataFrame]] = {}
    for path in sorted([*directory.glob("*.sav"), *directory.glob("*.csv")]):
        meting, questionnaire, data = _read_file(path)
        parts.setdefault(meting, []).append(harmonise(codebook, meting, questionnaire, data))
    return {meting: pd.concat(frames, ignore_index=True) for meting, frames in sorted(parts.items())}


def report_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The subgroups as the report forms them (report mapping, subgroup_values): the type of
    inburgeraar by questionnaire, for the Wi2013 by the stated permit."""
    wet = frame["questionnaire"].str.split("-").str[0]
    by_permit, permit_question, migrant_types, unknown = group_by_permit()
    permit = pd.to_numeric(frame[permit_question], errors="coerce").map(migrant_types)
    group = np.where(wet == by_permit, by_permit + "-" + permit.fillna(unknown), frame["questionnaire"])
    date_question = cohort_rule()[0]
    cohort = cohorts(pd.to_datetime(frame[date_question], errors="coerce")) if date_question in frame else None
    return pd.DataFrame({
        "group_label": group,
        "wet": wet,
        "migrant_type": frame["questionnaire"].str.split("-").str[1],
        "leerroute": pd.to_numeric(frame.get("leerroute"), errors="coerce").map(value_labels("leerroute")),
        "cohort": cohort,
        "gender": pd.to_numeric(frame.get("gender"), errors="coerce").map(value_labels("gender")),
    }, index=frame.index)


def _row_target(codebook: Codebook, question_ids: list[str], label: str) -> tuple[str, frozenset[int]] | None:
    """A category the report quotes in prose ("(heel) goed") as a question and its codes."""
    for question_id in question_ids:
        question = codebook.questions.loc[question_id]
        if question["value_type"] == "multi_response_option":
            item = _normalise(question["item_label_nl"])
            if item and (_normalise(label) == item or _normalise(label).startswith(item)):
                return question_id, frozenset({1})
        else:
            codes = category_codes(label, codebook.answers(question["answer_set_id"]))
            if codes:
                return question_id, codes
    return None


def _in_group(cells: pd.DataFrame, where: dict) -> np.ndarray:
    in_group = np.ones(len(cells), dtype=bool)
    for key, wanted in where.items():
        in_group &= cells[key].isin(wanted if isinstance(wanted, list) else [wanted]).to_numpy()
    return in_group


def check_table(codebook: Codebook, table: ReferenceTable, entry: dict, frame: pd.DataFrame,
                cells: pd.DataFrame) -> list[CellCheck]:
    base = entry.get("base", ["valid"])

    def in_group(column: Column) -> np.ndarray | None:
        where = column_where(column.label)
        return None if where is None else _in_group(cells, where)

    def percent(group: np.ndarray, question_id: str, codes: frozenset[int]) -> tuple[int, float | None]:
        answers = pd.to_numeric(frame[question_id], errors="coerce")
        valid = group & answers.isin(base_codes(codebook, question_id, base)).to_numpy()
        n = int(valid.sum())
        return n, 100 * float(answers[valid].isin(codes).mean()) if n and codes else None

    targets = {label: row_codes(codebook, entry, label) for label, _ in table.rows}
    return [check for check, _, _ in compare_table(table, in_group, targets, percent)]


def calibrate(directory: Path, meting: int = 2024, codebook: Codebook | None = None) -> list[CellCheck]:
    codebook = codebook or Codebook.load()
    frame = read_exports(directory, codebook)[meting]
    cells = report_cells(frame)
    reference = tables()
    checks = []
    for key, entry in sorted(frequency_tables().items()):
        table = reference.get(key)
        if table is None or not table.rows:
            raise ValueError(f"report mapping: no printed rows for {key} in report_tables.yaml")
        checks.extend(check_table(codebook, table, entry, frame, cells))
    return checks


def summary(checks: list[CellCheck]) -> pd.DataFrame:
    frame = pd.DataFrame([
        {"table": c.table, "cells": 1, "within": c.within, "deviation": c.deviation} for c in checks
    ])
    grouped = frame.groupby("table", sort=False).agg(
        cells=("cells", "sum"), within=("within", "sum"), max_deviation=("deviation", "max")
    )
    grouped["all_within"] = grouped["cells"] == grouped["within"]
    return grouped.reset_index()


def markdown_report(checks: list[CellCheck], meting: int = 2024) -> str:
    table = summary(checks)
    lines = [
        f"# Calibration of the synthetic exports against the report (meting {meting})",
        "",
        f"{len(table)} reference tables, {len(checks)} printed cells; "
        f"{int(table['within'].sum())} cells ({int(table['all_within'].sum())} tables) within tolerance.",
        "Tolerance per cell: 3 standard errors of a proportion at the printed column N, plus 0.5 point for "
        "the report's rounding.",
        "",
        "| table | cells | within | largest deviation (points) | verdict |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for row in table.itertuples(index=False):
        verdict = "ok" if row.all_within else "OUTSIDE"
        lines.append(f"| {row.table} | {row.cells} | {row.within} | {row.max_deviation:.2f} | {verdict} |")
    outside = [c for c in checks if not c.within]
    if outside:
        lines += ["", "## Cells outside tolerance", "", "| table | column | row | printed | generated | n | tolerance |",
                  "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
        for c in outside:
            generated = "-" if c.generated is None else f"{c.generated:.1f}"
            lines.append(f"| {c.table} | {c.column} | {c.row} | {c.printed:g} | {generated} | {c.n_generated} "
                         f"| {c.tolerance:.1f} |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class FactCheck:
    line: int
    question_id: str
    group: str
    category: str
    printed: float
    generated: float | None
    n_generated: int

    @property
    def within(self) -> bool:
        return self.generated is not None and abs(self.generated - self.printed) <= tolerance(
            self.printed, self.n_generated)


def calibrate_2023(directory: Path, codebook: Codebook | None = None) -> list[FactCheck]:
    """The 2023 figures the report quotes (meting2023.yaml) against the generated 2023 files."""
    from orchestration.reference import meting2023
    from orchestration.synthetic.margins import _related_key

    codebook = codebook or Codebook.load()
    frame = read_exports(directory, codebook)[2023]
    cells = report_cells(frame)
    index = table_questions()
    mapped = {**frequency_tables(), **figures()}
    checks = []
    for fact in meting2023()["facts_2023"]:
        value = parse_value(fact.get("value_2023"))
        key = _related_key(fact.get("related_table"))
        where = subgroup(str(fact.get("group") or "").split("(")[0])
        if value is None or fact.get("unit") != "percent" or key not in index or not where:
            continue
        target = _row_target(codebook, index[key], str(fact.get("category") or ""))
        if target is None or target[0] not in frame:
            continue
        question_id, codes = target
        answers = pd.to_numeric(frame[question_id], errors="coerce")
        valid = _in_group(cells, where) & answers.isin(base_codes(codebook, question_id, mapped[key]["base"])).to_numpy()
        n = int(valid.sum())
        generated = 100 * float(answers[valid].isin(codes).mean()) if n else None
        checks.append(FactCheck(fact["line"], question_id, str(fact["group"]), str(fact["category"]), value,
                                generated, n))
    return checks


def markdown_2023(checks: list[FactCheck]) -> str:
    lines = ["", "## Meting 2023: the figures the report quotes", "",
             f"{sum(c.within for c in checks)} of {len(checks)} quoted 2023 figures within tolerance.", "",
             "| report line | question | group | category | printed | generated | n |",
             "| ---: | --- | --- | --- | ---: | ---: | ---: |"]
    for c in checks:
        generated = "-" if c.generated is None else f"{c.generated:.1f}"
        lines.append(f"| {c.line} | {c.question_id} | {c.group} | {c.category} | {c.printed:g} | {generated} "
                     f"| {c.n_generated} |")
    return "\n".join(lines) + "\n"
