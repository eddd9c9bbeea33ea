"""The generator's reading of the reviewed report mapping (orchestration/report_mapping.yaml):
which printed table is which question and base, whom a column counts, and the published
regression models with their terms stated over answer labels. The analysis layer reads the
same file with its own code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from orchestration.codebook import Codebook
from orchestration.yaml_file import read_yaml

MAPPING_FILE = Path(__file__).parents[1] / "report_mapping.yaml"
# the mapping's subgroup keys as the generator's respondent cells name them
_CELL_KEYS = {"group": "group_label", "wet": "wet", "leerroute": "leerroute", "cohort": "cohort", "gender": "gender"}


@lru_cache(maxsize=1)
def mapping() -> dict:
    return read_yaml(MAPPING_FILE)


def frequency_tables() -> dict[str, dict]:
    return mapping()["frequency_tables"]


def figures() -> dict[str, dict]:
    return mapping()["figures"]


def table_questions() -> dict[str, list[str]]:
    """Reference key -> the questions a table or a figure quoted in prose prints."""
    return {key: [entry["question"]] if "question" in entry else list(entry["options"].values())
            for key, entry in {**frequency_tables(), **figures()}.items()}


def column_where(label: str) -> dict[str, object] | None:
    """A printed column as a filter over the respondent cells; None if the mapping names no
    such column."""
    subgroup = mapping()["subgroups"].get(label)
    return None if subgroup is None else {_CELL_KEYS[key]: value for key, value in subgroup.items()}


def value_labels(key: str) -> dict[int, str]:
    """The subgroup value each answer code of a respondent attribute (leerroute, gender, the
    Wi2013 permit) stands for, as the mapping's subgroups name it."""
    return {int(code): str(label) for code, label in mapping()["subgroup_values"][key]["codes"].items()}


def group_by_permit() -> tuple[str, str, dict[int, str], str]:
    """(wet, question, permit code -> migrant type, label when none is stated): the wet whose
    group the report forms from the stated residence permit rather than the questionnaire."""
    rule = mapping()["subgroup_values"]["group"]
    return rule["by_permit"], rule["question"], value_labels("group"), rule["unknown"]


def cohort_rule() -> tuple[str, str, int, int]:
    """(date question, first day of the later cohort, earlier cohort, later cohort)."""
    rule = mapping()["subgroup_values"]["cohort"]
    return rule["question"], str(rule["before"]), int(rule["earlier"]), int(rule["later"])


def row_codes(codebook: Codebook, entry: dict, label: str) -> tuple[str, frozenset[int]]:
    """A printed row as (question, harmonised codes); no codes when no answer carries the label."""
    if "options" in entry:
        return entry["options"][label], frozenset({1})
    question_id = entry["question"]
    answers = codebook.answers(codebook.questions.loc[question_id, "answer_set_id"])
    by_label = {" ".join(text.split()): int(code) for text, code in zip(answers["label_nl"], answers["code"])}
    wanted = [by_label.get(" ".join(text.split())) for text in entry.get("combined", {}).get(label, [label])]
    return question_id, frozenset(wanted) if None not in wanted else frozenset()


def base_codes(codebook: Codebook, question_id: str, base: list[str]) -> set[int]:
    """Codes of the percentage base: substantive answers plus the missing kinds listed."""
    question = codebook.questions.loc[question_id]
    if question["value_type"] == "multi_response_option":
        return {0, 1}
    answers = codebook.answers(question["answer_set_id"])
    kinds = answers["missing_type"].replace("", "valid")
    return set(answers.loc[kinds.isin(base) & (answers["code"] != -1), "code"].astype(int))


@dataclass(frozen=True)
class PublishedModel:
    report_table: str
    outcome: str
    group: str
    terms: tuple[str, ...]
    items: tuple[str, ...]


def published_models() -> list[PublishedModel]:
    doc = mapping()
    return [PublishedModel(str(m["report_table"]), m["outcome"], m["group"], tuple(m["terms"]),
                           tuple(doc["outcomes"][m["outcome"]])) for m in doc["models"]]


def outcome_items(outcome: str) -> tuple[str, ...]:
    return tuple(mapping()["outcomes"][outcome])


def published_alpha(outcome: str) -> float:
    return float(mapping()["scales"][outcome]["published_alpha"])


def term_value(term: str, labels: pd.Series) -> pd.Series:
    """A predictor from the respondents' answer labels (or derived values), as the mapping
    states the term: 1/0 for a dummy's `one`/`zero` labels, the `scores` of a scale, the value
    itself inside `range`; anything else is missing."""
    rule = mapping()["terms"][term]
    if "one" in rule:
        values = {**{label: 0.0 for label in rule["zero"]}, **{label: 1.0 for label in rule["one"]}}
        return labels.map(values).astype(float)
    if "scores" in rule:
        return labels.map({label: float(score) for label, score in rule["scores"].items()}).astype(float)
    low, high = rule["range"]
    numbers = pd.to_numeric(labels, errors="coerce").astype(float)
    return numbers.where(numbers.between(low, high))


def term_source(term: str) -> tuple[str, str]:
    """('question', id) for a term read from an answer, ('derived', name) for age and cohort."""
    rule = mapping()["terms"][term]
    return ("question", rule["question"]) if "question" in rule else ("derived", rule["derived"])
