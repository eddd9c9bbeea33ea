"""The report's regression models (orchestration/report_mapping.yaml: tables, outcomes, terms,
scales) and the design matrices they need, built from harmonised codes as models.yaml says.
Which items make a composite scale is the codebook's (seeds/codebook/questions.csv, composite),
as for the warehouse's scale scores; the mapping names the scales and what the report prints."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from orchestration.codebook import Codebook
from orchestration.yaml_file import read_yaml

SPEC_FILE = Path(__file__).with_name("models.yaml")
MAPPING_FILE = Path(__file__).parents[1] / "report_mapping.yaml"
OUTCOME_RANGE = (1, 5)


@dataclass(frozen=True)
class ReportModel:
    report_table: str
    outcome: str
    group: str
    terms: tuple[str, ...]
    items: tuple[str, ...]


@lru_cache(maxsize=1)
def _document() -> dict:
    """The mapping's models, outcomes and scales with this layer's term coding (models.yaml);
    a term of the mapping without a coding here stops the analysis."""
    mapping = read_yaml(MAPPING_FILE)
    coding = read_yaml(SPEC_FILE)["terms"]
    missing = sorted({term for model in mapping["models"] for term in model["terms"]} - set(coding))
    if missing:
        raise ValueError(f"{SPEC_FILE.name} has no coding for the report mapping's terms {missing}")
    composites = codebook_composites()
    unseeded = sorted(set(mapping["scales"]) - set(composites))
    if unseeded:
        raise ValueError(f"the codebook (questions.csv, composite) has no items for the scales {unseeded}")
    return {"models": mapping["models"], "outcomes": {**mapping["outcomes"], **composites},
            "scales": mapping["scales"], "terms": coding}


def codebook_composites() -> dict[str, list[str]]:
    """Each composite scale of the codebook with its items, in codebook order."""
    questions = Codebook.load().questions
    composites: dict[str, list[str]] = {}
    for question_id, composite in zip(questions["question_id"], questions["composite"], strict=True):
        if composite:
            composites.setdefault(composite, []).append(question_id)
    return composites


def report_models() -> list[ReportModel]:
    doc = _document()
    return [
        ReportModel(
            report_table=str(m["report_table"]),
            outcome=m["outcome"],
            group=m["group"],
            terms=tuple(m["terms"]),
            items=tuple(doc["outcomes"][m["outcome"]]),
        )
        for m in doc["models"]
    ]


@dataclass(frozen=True)
class Scale:
    name: str
    label: str
    items: tuple[str, ...]
    published_alpha: float | None
    published_group: str | None
    source: str


def scales() -> list[Scale]:
    """The composite scales (several items) with the alpha the report prints."""
    doc = _document()
    return [
        Scale(name, spec.get("label", name), tuple(doc["outcomes"][name]), spec.get("published_alpha"),
              spec.get("published_group"), spec.get("source", ""))
        for name, spec in doc.get("scales", {}).items()
    ]


def scale_items() -> list[str]:
    """Every item an outcome of the report mapping reads, in declaration order."""
    seen: dict[str, None] = {}
    for items in _document()["outcomes"].values():
        seen.update(dict.fromkeys(items))
    return list(seen)


def spec_text() -> str:
    return SPEC_FILE.read_text(encoding="utf-8")


def term_definitions() -> dict[str, dict]:
    return _document()["terms"]


def term_values(frame: pd.DataFrame, term: str) -> pd.Series:
    """One predictor from harmonised codes, following its coding in models.yaml."""
    rule = term_definitions()[term]
    column = pd.to_numeric(frame[rule["column"]], errors="coerce").astype(float)
    if "equals" in rule:
        valid = column.isin(rule["valid"])
        return (column == rule["equals"]).astype(float).where(valid)
    low, high = rule.get("range") or rule["reverse"]
    inside = column.where(column.between(low, high))
    return (high + low - inside) if "reverse" in rule else inside


def design_matrix(frame: pd.DataFrame, terms: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({term: term_values(frame, term) for term in terms}, index=frame.index)


def outcome_values(frame: pd.DataFrame, items: tuple[str, ...]) -> pd.Series:
    """Mean of the items on their 1-5 scale; a respondent needs every item (complete cases),
    the strictest reading of the report's scale construction."""
    scores = pd.DataFrame(
        {item: pd.to_numeric(frame[item], errors="coerce").astype(float) for item in items}, index=frame.index
    )
    scores = scores.where((scores >= OUTCOME_RANGE[0]) & (scores <= OUTCOME_RANGE[1]))
    return scores.mean(axis=1, skipna=False)


def complete_cases(frame: pd.DataFrame, model: ReportModel) -> tuple[pd.Series, pd.DataFrame]:
    y = outcome_values(frame, model.items)
    x = design_matrix(frame, model.terms)
    keep = y.notna() & x.notna().all(axis=1)
    return y[keep], x[keep]


def cronbach_alpha(items: pd.DataFrame) -> float:
    """k/(k-1) * (1 - sum of item variances / variance of the sum), complete cases."""
    complete = items.dropna()
    k = complete.shape[1]
    if k < 2 or len(complete) < 2:
        return float("nan")
    item_variances = complete.var(axis=0, ddof=1).sum()
    total_variance = complete.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_variances / total_variance)) if total_variance > 0 else float("nan")
