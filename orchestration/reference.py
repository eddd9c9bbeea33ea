"""The published report's numbers (`../shared/reference/`), parsed once for the generator
and the reproduction checks. The YAML is the reference; nothing here edits it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from orchestration.config import PROJECT_DIR

LESS_THAN_ONE = 0.4  # "<1" printed: a share below one percent; 0.4 is its expected value


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
    document = yaml.safe_load((path / "report_tables.yaml").read_text(encoding="utf-8"))
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
    return yaml.safe_load((path / "meting2023.yaml").read_text(encoding="utf-8"))


def meting2023(path: Path | None = None) -> dict:
    return _load_meting2023(path or reference_dir())
