"""The published report's numbers (`../shared/reference/`), parsed once for the generator
and the reproduction checks, and how a table computed from data is held against a printed
one. The YAML is the reference; nothing here edits it."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from orchestration.config import PROJECT_DIR
from orchestration.yaml_file import read_yaml

# "<1" printed: a share the report's whole-percent rounding took below one half of a percent
# (it would have printed 1 otherwise) but not to zero. 0.4 lies inside that interval, as the two
# population shares the report prints so and whose counts it gives do: 79 of 18,660 (0.42) and
# 34 of 64,594 (0.05), Tabellen 2.9 and 2.11. seeds/population_margins.csv stores the same value.
LESS_THAN_ONE = 0.4
ROUNDING = 0.5  # the report prints whole percentages


def reference_dir() -> Path:
    configured = os.environ.get("INBURGERING_REFERENCE_DIR")
    path = Path(configured) if configured else PROJECT_DIR.parent / "shared" / "reference"
    if not (path / "report_tables.yaml").exists():
        raise FileNotFoundError(
            f"reference material not found in {path}: expected report_tables.yaml there "
            "(set INBURGERING_REFERENCE_DIR to the folder holding it)"
        )
    return path


def parse_value(value) -> float | None:
    """A printed cell as a number: '<1' is a share below one percent; 'n.v.t.' is none."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text == "<1":
        return LESS_THAN_ONE
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


@dataclass(frozen=True)
class Column:
    label: str
    n: int | None


@dataclass(frozen=True)
class ReferenceTable:
    key: str  # "T3.1" for Tabel 3.1, "F4.1" for Figuur 4.1
    id: str
    type: str
    kind: str
    title: str
    breakdown: str
    n_total: int | None
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, tuple], ...]
    text_facts: tuple[dict, ...] = field(default_factory=tuple)
    raw: dict = field(default_factory=dict, compare=False, hash=False)

    def value(self, row_label: str, column_label: str) -> float | None:
        index = [c.label for c in self.columns].index(column_label)
        for label, values in self.rows:
            if label == row_label:
                return parse_value(values[index])
        raise KeyError(f"{self.key}: no row {row_label!r}")


def table_key(table_type: str, table_id: str) -> str:
    return ("T" if table_type == "table" else "F") + str(table_id)


@lru_cache(maxsize=4)
def _load_tables(path: Path) -> dict[str, ReferenceTable]:
    document = read_yaml(path / "report_tables.yaml")
    tables = {}
    for item in document["tables"]:
        key = table_key(item["type"], item["id"])
        tables[key] = ReferenceTable(
            key=key,
            id=str(item["id"]),
            type=item["type"],
            kind=item["kind"],
            title=item.get("title") or "",
            breakdown=item.get("breakdown") or "none",
            n_total=item.get("n_total"),
            columns=tuple(Column(c["label"], c.get("n")) for c in item.get("columns") or []),
            rows=tuple((r["label"], tuple(r["values"])) for r in item.get("rows") or []),
            text_facts=tuple(item.get("text_facts") or []),
            raw=item,
        )
    return tables


def tables(path: Path | None = None) -> dict[str, ReferenceTable]:
    return _load_tables(path or reference_dir())


@lru_cache(maxsize=4)
def _load_meting2023(path: Path) -> dict:
    return read_yaml(path / "meting2023.yaml")


def meting2023(path: Path | None = None) -> dict:
    return _load_meting2023(path or reference_dir())


@dataclass(frozen=True)
class CellCheck:
    """One printed percentage against the one computed from data (generated or warehouse)."""

    table: str
    column: str
    row: str
    question_id: str | None
    printed: float
    generated: float | None
    n_printed: int | None
    n_generated: int
    tolerance: float

    @property
    def deviation(self) -> float | None:
        return None if self.generated is None else abs(self.generated - self.printed)

    @property
    def within(self) -> bool:
        return self.deviation is not None and self.deviation <= self.tolerance


def tolerance(printed: float, n: int | None) -> float:
    """Three standard errors of a proportion at n (at least that of 1/(2n)), plus the printing's
    rounding; no n, no bound."""
    if not n:
        return math.inf
    p = min(max(printed / 100, 0.0), 1.0)
    return 300 * math.sqrt(max(p * (1 - p), 0.25 / n) / n) + ROUNDING


def compare_table(table: ReferenceTable, columns: Callable[[Column], object | None],
                  rows: Mapping[str, tuple[str, frozenset[int]] | None],
                  percent: Callable[[object, str, frozenset[int]], tuple[int, float | None]],
                  own_n_without_printed: bool = False) -> list[tuple[CellCheck, object, frozenset[int]]]:
    """Every printed cell of `table` against the data: `columns` says whom a printed column
    counts (None: a column the data cannot form), `rows` which question and codes a printed row
    adds up (None: skip the row), `percent` the base N and the percentage of a (column, question,
    codes) cell. The tolerance is at the printed column N, or where the report prints none and
    `own_n_without_printed` is set, at the data's N. Returns each check with its column and codes."""
    checks = []
    for index, column in enumerate(table.columns):
        selected = columns(column)
        if selected is None:
            continue
        for label, values in table.rows:
            printed = parse_value(values[index]) if index < len(values) else None
            target = rows.get(label)
            if printed is None or target is None:
                continue
            question_id, codes = target
            n, computed = percent(selected, question_id, codes)
            n_tolerance = (column.n or n) if own_n_without_printed else column.n
            checks.append((CellCheck(table.key, column.label, label, question_id, printed, computed, column.n, n,
                                     tolerance(printed, n_tolerance)), selected, codes))
    return checks
