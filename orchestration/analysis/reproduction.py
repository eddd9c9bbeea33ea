"""The warehouse against the published report (../shared/reference/report_tables.yaml).

- Frequency tables: every printed table the report mapping (orchestration/report_mapping.yaml)
  links to a question. Rows are the question's answer labels (or the options of a multi-response
  question), columns the mapping's subgroups, the denominator the mapping's percentage base; the
  numbers come from marts.mart_route_cohort's counts. Per cell the tolerance
  (orchestration/reference.py) is 3 standard errors of a proportion at the printed column N (the
  warehouse's N where the report prints none), plus half a point for the printing's rounding.
  Per table: the largest deviation and whether every cell is within its tolerance. A row whose
  label no answer carries any more is a cell outside tolerance, not a silent gap.
- Coefficients: every published B of the regression tables against analysis.regression_coefficients
  of the report's meting; within = |estimate - B| <= 2 published SE. The adjusted R2 is listed
  beside them for information.

This module reads the mapping with its own code; the synthetic generator reads the same file
with its own, and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.analysis.table_types import typed
from orchestration.codebook import Codebook
from orchestration.reference import CellCheck, Column, ReferenceTable, compare_table, tables
from orchestration.yaml_file import read_yaml

MAPPING_FILE = Path(__file__).parents[1] / "report_mapping.yaml"
REPORT_METING = 2024  # the wave report_tables.yaml describes
WITHIN_SE = 2.0       # a coefficient is reproduced when within two published standard errors
MAX_SE = 3.0          # ... and none may be further than three
MIN_SHARE_WITHIN = 0.95
BASE_KINDS = {"valid", "dont_know", "no_answer"}

REPRODUCTION_COLUMNS = ["meting", "check_kind", "reference_key", "report_table", "title", "item", "printed",
                        "printed_se", "reproduced", "deviation", "deviation_unit", "tolerance", "within",
                        "cells", "cells_within", "note"]
CELL_COLUMNS = ["meting", "reference_key", "report_table", "column_label", "row_label", "question_id", "codes",
                "breakdown", "breakdown_values", "printed", "reproduced", "n_printed", "n", "tolerance",
                "tolerance_basis", "deviation", "within"]


@lru_cache(maxsize=1)
def report_mapping() -> dict:
    return read_yaml(MAPPING_FILE)


@dataclass(frozen=True)
class RowTarget:
    """A printed row as a question and the harmonised codes it adds up (none if no answer of
    the codebook carries the printed label)."""

    question_id: str
    codes: frozenset[int]


@dataclass(frozen=True)
class MartCell:
    """Where a printed column lives in mart_route_cohort: a breakdown and the value(s) whose
    counts add up to the column (several for 'Wi2021')."""

    breakdown: str
    values: tuple[str, ...]


def mart_cell(where: dict | None, groups_present: list[str]) -> MartCell | None:
    """A mapping subgroup ({group, wet, leerroute, cohort, gender}) as a mart_route_cohort cell;
    None if the mart has none."""
    if where is None:
        return None
    keys = set(where)
    if not keys:
        return MartCell("total", ("Totaal",))
    if keys == {"group"}:
        return MartCell("group", (where["group"],))
    if keys == {"wet", "leerroute"}:
        return MartCell("leerroute", (where["leerroute"],))
    if keys == {"wet", "cohort"}:
        return MartCell("cohort", (str(where["cohort"]),))
    if keys == {"gender"}:
        return MartCell("gender", (where["gender"],))
    for other in ("cohort", "gender", "leerroute"):
        if keys == {"group", other}:
            return MartCell(f"group_x_{other}", (f"{where['group']} | {where[other]}",))
    if keys == {"wet"}:
        return MartCell("group", tuple(g for g in groups_present if g.startswith(where["wet"] + "-")))
    return None


def column_subgroup(label: str) -> dict | None:
    """Whom a printed column counts, as the mapping states it; None for a column it does not name."""
    return report_mapping()["subgroups"].get(label)


def _answer_codes(codebook: Codebook, question_id: str, labels: list[str]) -> frozenset[int]:
    answers = codebook.answers(codebook.questions.loc[question_id, "answer_set_id"])
    by_label = {" ".join(str(label).split()): int(code) for label, code in zip(answers["label_nl"], answers["code"])}
    codes = [by_label.get(" ".join(label.split())) for label in labels]
    return frozenset(codes) if None not in codes else frozenset()


def row_targets(codebook: Codebook, entry: dict, table: ReferenceTable) -> dict[str, RowTarget]:
    """Every printed row of a mapped table as a question and codes."""
    if "options" in entry:
        return {label: RowTarget(question_id, frozenset({1})) for label, question_id in entry["options"].items()}
    question_id = entry["question"]
    combined = entry.get("combined", {})
    return {label: RowTarget(question_id, _answer_codes(codebook, question_id, combined.get(label, [label])))
            for label, _ in table.rows}


def base_codes(codebook: Codebook, question_id: str, base: list[str]) -> set[int]:
    """The denominator's codes: the substantive answers, plus "weet niet" / "wil niet zeggen"
    where the mapping's base counts them; never the skip code."""
    question = codebook.questions.loc[question_id]
    if question["value_type"] == "multi_response_option":
        return {0, 1}
    unknown = set(base) - BASE_KINDS
    if unknown:
        raise ValueError(f"{MAPPING_FILE.name}: unknown percentage base {sorted(unknown)} for {question_id}")
    answers = codebook.answers(question["answer_set_id"])
    kinds = answers["missing_type"].replace("", "valid")
    return set(answers.loc[kinds.isin(base) & (answers["code"] != -1), "code"].astype(int))


def _counts(con: duckdb.DuckDBPyConnection, meting: int, question_ids: list[str]) -> pd.DataFrame:
    return con.execute(
        """
        select question_id, breakdown, breakdown_value, harmonised_code, respondents
        from marts.mart_route_cohort
        where meting = $meting and list_contains($ids, question_id)
        """,
        {"meting": meting, "ids": question_ids},
    ).df()


def respondents_by_cell(counts: pd.DataFrame) -> dict[tuple, int]:
    """Respondents per (question, breakdown, breakdown value, harmonised code) of the mart's
    counts, so that a printed cell adds up a few lookups instead of filtering the counts."""
    coded = counts[counts["harmonised_code"].notna()]
    sums = coded.groupby(["question_id", "breakdown", "breakdown_value", "harmonised_code"])["respondents"].sum()
    return {(question, breakdown, value, int(code)): int(total)
            for (question, breakdown, value, code), total in sums.items()}


def check_table(codebook: Codebook, table: ReferenceTable, entry: dict, respondents: dict[tuple, int],
                groups_present: list[str]) -> list[tuple[CellCheck, MartCell, frozenset]]:
    """`respondents`: respondents_by_cell of the mart's counts."""
    base = entry.get("base", ["valid"])
    bases: dict[str, set[int]] = {}

    def mart_column(column: Column) -> MartCell | None:
        cell = mart_cell(column_subgroup(column.label), groups_present)
        return cell if cell is not None and cell.values else None

    def added(cell: MartCell, question_id: str, codes) -> int:
        return sum(respondents.get((question_id, cell.breakdown, value, code), 0)
                   for value in cell.values for code in codes)

    def percent(cell: MartCell, question_id: str, codes: frozenset[int]) -> tuple[int, float | None]:
        if question_id not in bases:
            bases[question_id] = base_codes(codebook, question_id, base)
        n = added(cell, question_id, bases[question_id])
        hits = added(cell, question_id, codes)
        return n, 100.0 * hits / n if n and codes else None

    targets = {label: (target.question_id, target.codes)
               for label, target in row_targets(codebook, entry, table).items()}
    # no printed N (the multi-response tables): the warehouse's own N sets the tolerance
    return compare_table(table, mart_column, targets, percent, own_n_without_printed=True)


def frequency_checks(con: duckdb.DuckDBPyConnection, meting: int = REPORT_METING,
                     codebook: Codebook | None = None) -> pd.DataFrame:
    """Every printed cell the warehouse can rebuild, against the mart (one row per cell)."""
    codebook = codebook or Codebook.load()
    reference = tables()
    mapped = report_mapping()["frequency_tables"]
    missing = sorted(key for key in mapped if key not in reference or not reference[key].rows)
    if missing:
        raise ValueError(f"{MAPPING_FILE.name} maps tables the reference has no rows for: {missing}")
    question_ids = sorted({q for entry in mapped.values()
                           for q in ([entry["question"]] if "question" in entry else entry["options"].values())})
    counts = _counts(con, meting, question_ids)
    groups_present = sorted(counts.loc[counts["breakdown"] == "group", "breakdown_value"].unique())
    respondents = respondents_by_cell(counts)
    rows = []
    for key in sorted(mapped):
        table = reference[key]
        for check, cell, codes in check_table(codebook, table, mapped[key], respondents, groups_present):
            rows.append({
                "meting": meting, "reference_key": key, "report_table": table.id, "column_label": check.column,
                "row_label": check.row, "question_id": check.question_id,
                "codes": ",".join(str(c) for c in sorted(codes)), "breakdown": cell.breakdown,
                "breakdown_values": ",".join(cell.values), "printed": check.printed, "reproduced": check.generated,
                "n_printed": check.n_printed, "n": check.n_generated, "tolerance": check.tolerance,
                "tolerance_basis": "printed N" if check.n_printed else "warehouse N (none printed)",
                "deviation": check.deviation, "within": check.within,
            })
    return _typed(pd.DataFrame(rows, columns=CELL_COLUMNS))


def table_summary(cells: pd.DataFrame) -> pd.DataFrame:
    """Per reference table: the largest deviation and whether every cell is within tolerance."""
    reference = tables()
    rows = []
    for key, part in cells.groupby("reference_key", sort=True):
        deviations = part["deviation"].astype("float64")
        worst = part.loc[deviations.idxmax()] if deviations.notna().any() else part.iloc[0]
        outside = part[~part["within"].astype(bool)]
        rows.append({
            "meting": int(part["meting"].iloc[0]), "check_kind": "frequency_table", "reference_key": key,
            "report_table": reference[key].id, "title": reference[key].title,
            "item": f"{worst['column_label']} | {worst['row_label']}", "printed": worst["printed"],
            "printed_se": None, "reproduced": worst["reproduced"], "deviation": worst["deviation"],
            "deviation_unit": "points", "tolerance": worst["tolerance"], "within": outside.empty,
            "cells": len(part), "cells_within": int(part["within"].astype(bool).sum()),
            "note": None if outside.empty else "outside tolerance: " + "; ".join(
                f"{r.column_label} | {r.row_label}: printed {r.printed:g}, warehouse "
                f"{'-' if pd.isna(r.reproduced) else f'{r.reproduced:.1f}'} (tolerance {r.tolerance:.1f})"
                for r in outside.itertuples()),
        })
    return pd.DataFrame(rows, columns=REPRODUCTION_COLUMNS)


def coefficient_checks(coefficients: pd.DataFrame, models: pd.DataFrame,
                       meting: int = REPORT_METING) -> pd.DataFrame:
    """Every published coefficient (and adjusted R2) against the fitted ones of `meting`."""
    reference = tables()
    fitted = coefficients[coefficients["meting"] == meting].set_index(["report_table", "term"])
    fits = models[models["meting"] == meting].set_index("report_table")
    rows = []
    for report_table in fits.index:
        key = f"T{report_table}"
        published = reference[key].raw
        for term in published["terms"]:
            estimate = fitted["estimate"].get((report_table, term["term"]))
            estimate = None if estimate is None or pd.isna(estimate) else float(estimate)
            distance = None if estimate is None else abs(estimate - float(term["B"])) / float(term["SE"])
            rows.append({
                "meting": meting, "check_kind": "coefficient", "reference_key": key, "report_table": report_table,
                "title": published["title"], "item": term["term"], "printed": float(term["B"]),
                "printed_se": float(term["SE"]), "reproduced": estimate, "deviation": distance,
                "deviation_unit": "published SE", "tolerance": WITHIN_SE,
                "within": distance is not None and distance <= WITHIN_SE, "cells": 1,
                "cells_within": int(distance is not None and distance <= WITHIN_SE),
                "note": "not estimated in the warehouse" if estimate is None else None,
            })
        adj_r2 = fits.loc[report_table, "adj_r_squared"]
        rows.append({
            "meting": meting, "check_kind": "adj_r2", "reference_key": key, "report_table": report_table,
            "title": published["title"], "item": "adjusted R2", "printed": published.get("adj_r2"),
            "printed_se": None, "reproduced": None if pd.isna(adj_r2) else float(adj_r2),
            "deviation": None if pd.isna(adj_r2) or published.get("adj_r2") is None
            else abs(float(adj_r2) - float(published["adj_r2"])),
            "deviation_unit": "R2", "tolerance": None, "within": None, "cells": None, "cells_within": None,
            "note": "for information: no tolerance is derived for R2",
        })
    return pd.DataFrame(rows, columns=REPRODUCTION_COLUMNS)


def reproduction(con: duckdb.DuckDBPyConnection, meting: int = REPORT_METING,
                 codebook: Codebook | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(analysis.report_reproduction, analysis.report_reproduction_cells)."""
    cells = frequency_checks(con, meting, codebook)
    coefficients = con.execute("select * from analysis.regression_coefficients where meting = ?", [meting]).df()
    models = con.execute("select * from analysis.regression_models where meting = ?", [meting]).df()
    summary = pd.concat([frame for frame in (table_summary(cells), coefficient_checks(coefficients, models, meting))
                         if not frame.empty], ignore_index=True)
    return _typed(summary if not summary.empty else pd.DataFrame(columns=REPRODUCTION_COLUMNS)), cells


def verdict(summary: pd.DataFrame) -> dict:
    """The numbers the asset checks and the page report."""
    tables_part = summary[summary["check_kind"] == "frequency_table"]
    coefficients = summary[summary["check_kind"] == "coefficient"]
    distances = coefficients["deviation"].astype("float64")
    within_two = int(coefficients["within"].astype(bool).sum())
    return {
        "tables": len(tables_part),
        "tables_within": int(tables_part["within"].astype(bool).sum()),
        "cells": int(tables_part["cells"].sum()) if len(tables_part) else 0,
        "cells_within": int(tables_part["cells_within"].sum()) if len(tables_part) else 0,
        "largest_table_deviation": float(tables_part["deviation"].max()) if len(tables_part) else None,
        "coefficients": len(coefficients),
        "coefficients_within_2se": within_two,
        "coefficients_within_3se": int((distances <= MAX_SE).sum()),
        "share_within_2se": within_two / len(coefficients) if len(coefficients) else None,
        "largest_distance_se": float(distances.max()) if distances.notna().any() else None,
        "coefficients_not_estimated": int(distances.isna().sum()),
    }


def coefficients_pass(numbers: dict) -> bool:
    return (numbers["coefficients"] > 0 and numbers["coefficients_not_estimated"] == 0
            and numbers["share_within_2se"] >= MIN_SHARE_WITHIN and numbers["largest_distance_se"] <= MAX_SE)


def tables_pass(numbers: dict) -> bool:
    return numbers["tables"] > 0 and numbers["tables_within"] == numbers["tables"]


_INTEGER = {"meting", "cells", "cells_within", "n_printed", "n"}
_FLOAT = {"printed", "printed_se", "reproduced", "deviation", "tolerance"}
_BOOLEAN = {"within"}


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return typed(frame, _INTEGER, _FLOAT, _BOOLEAN)
