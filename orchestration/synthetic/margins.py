"""The published distributions a question's answers must reproduce, per meting.

Sources, strongest first: the printed table rows of the question's report tables; for figures
(images, no numbers in the text) the numbers the prose states; for meting 2023 the 2023
figures of `meting2023.yaml`, applied as a shift of the 2024 distribution; and, for routing
questions the report only describes in prose, the margins in params.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from orchestration.reference import ReferenceTable, parse_value
from orchestration.synthetic.allocation import Margin
from orchestration.synthetic.labels import _normalise, category_codes, subgroup


@dataclass
class QuestionTargets:
    margins: list[Margin] = field(default_factory=list)
    group_n: dict[str, int] = field(default_factory=dict)  # printed valid N per group (meting 2024)
    named_codes: set[int] = field(default_factory=set)     # codes some margin names


def _option_matches(row_label: str, item_label: str) -> bool:
    row, item = _normalise(row_label), _normalise(item_label)
    return bool(item) and (row == item or row.startswith(item) or item.startswith(row))


def _row_codes(row_label: str, question: pd.Series, answers: pd.DataFrame) -> frozenset[int]:
    if question["value_type"] == "multi_response_option":
        return frozenset({1}) if _option_matches(row_label, question["item_label_nl"]) else frozenset()
    return category_codes(row_label, answers)


def _table_margins(table: ReferenceTable, question: pd.Series, answers: pd.DataFrame, targets: QuestionTargets) -> None:
    for index, column in enumerate(table.columns):
        where = subgroup(column.label)
        if where is None:
            continue
        shares = []
        for label, values in table.rows:
            codes = _row_codes(label, question, answers)
            value = parse_value(values[index]) if index < len(values) else None
            if codes and value is not None:
                shares.append((codes, value))
        if not shares:
            continue
        targets.margins.append(Margin(where, tuple(shares), column.n, f"{table.key} {column.label}"))
        if set(where) == {"group_label"} and isinstance(where["group_label"], str) and column.n:
            targets.group_n.setdefault(where["group_label"], int(column.n))


def _fact_margins(table: ReferenceTable, question: pd.Series, answers: pd.DataFrame, targets: QuestionTargets) -> None:
    taken = [m.where for m in targets.margins]
    for fact in table.text_facts:
        if fact.get("unit") != "percent" or parse_value(fact.get("value")) is None:
            continue
        where = subgroup(fact.get("group") or "")
        codes = _row_codes(str(fact.get("category") or ""), question, answers)
        if where is None or not codes or where in taken:
            continue
        targets.margins.append(
            Margin(where, ((codes, parse_value(fact["value"])),), None, f"{table.key} prose line {fact.get('line')}")
        )


def _shift_to(margin: Margin, codes: frozenset[int], percent: float, source: str) -> Margin:
    """Rescale a distribution so that `codes` together hold `percent`, keeping the shape."""
    inside = sum(v for c, v in margin.shares if c <= codes)
    outside = sum(v for c, v in margin.shares if not c <= codes)
    if inside <= 0:
        return margin
    shares = tuple(
        (c, v * percent / inside if c <= codes else (v * (100 - percent) / outside if outside else v))
        for c, v in margin.shares
    )
    return Margin(margin.where, shares, margin.n, f"{margin.source}; 2023: {source}")


def _related_key(related: str | None) -> str | None:
    if not related:
        return None
    figure = re.match(r"Figuur\s+(\S+)", related)
    return f"F{figure.group(1)}" if figure else f"T{related}"


def apply_2023(targets: QuestionTargets, question: pd.Series, answers: pd.DataFrame, facts: list[dict]) -> QuestionTargets:
    keys = set(question["report_tables"].split(";")) - {""}
    margins = list(targets.margins)
    for fact in facts:
        if _related_key(fact.get("related_table")) not in keys or fact.get("unit") != "percent":
            continue
        value = parse_value(fact.get("value_2023"))
        where = subgroup(re.sub(r"\(2024:[^)]*\)", "", str(fact.get("group") or "")))
        codes = _row_codes(str(fact.get("category") or ""), question, answers)
        if value is None or where is None or not codes:
            continue
        where.pop("cohort", None)  # 2024 qualifiers such as "cohort 2" do not exist in 2023
        source = f"meting2023.yaml line {fact.get('line')}"
        matched = [i for i, m in enumerate(margins) if m.where == where]
        for i in matched:
            margins[i] = _shift_to(margins[i], codes, value, source)
        if not matched:
            margins.append(Margin(where, ((codes, value),), None, source))
    return QuestionTargets(margins, dict(targets.group_n), set(targets.named_codes))


def question_targets(
    question: pd.Series,
    answers: pd.DataFrame,
    tables: dict[str, ReferenceTable],
    prose: list[dict] | None = None,
) -> QuestionTargets:
    targets = QuestionTargets()
    keys = [k for k in question["report_tables"].split(";") if k in tables]
    for key in keys:
        if tables[key].rows:
            _table_margins(tables[key], question, answers, targets)
    for key in keys:
        _fact_margins(tables[key], question, answers, targets)
    for item in prose or []:
        shares = tuple(
            (category_codes(label, answers), float(value)) for label, value in item["shares"].items()
        )
        targets.margins.append(Margin(dict(item["where"]), shares, None, "params.yaml prose_margins"))
    targets.named_codes = {code for m in targets.margins for codes, _ in m.shares for code in codes}
    return targets
