"""The source codes a wave's exports use for each answer (coding.yaml), from the codebook's
answer sets: the generator's own coding, never the crosswalk that dbt harmonises with."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pandas as pd

from orchestration.yaml_file import read_yaml

CODING_FILE = Path(__file__).with_name("coding.yaml")
SCALE_POINTS = range(1, 6)


@lru_cache(maxsize=1)
def _spec() -> dict:
    return read_yaml(CODING_FILE)


def wave_rules(meting: int) -> dict:
    """The meting's rules; a meting coding.yaml does not know yet (a new wave) is coded as the
    latest one it knows."""
    metingen = _spec()["metingen"]
    return metingen[meting] if meting in metingen else metingen[max(metingen)]


def _kind(answer: Mapping, answer_set_id: str, has_no_answer: bool) -> str:
    spec = _spec()
    missing = answer["missing_type"]
    if missing == "skipped":
        return "skipped"
    if answer_set_id in spec["scales"]:
        if missing == "dont_know":
            return "scale_dont_know"
        return "scale_point" if missing == "" and int(answer["code"]) in SCALE_POINTS else "scale_other"
    if missing == "dont_know":
        return "dont_know_beside_no_answer" if has_no_answer else "dont_know"
    if missing == "no_answer":
        return "no_answer"
    return "other_answer" if answer["label_nl"] in spec["other_answer_labels"] else "nominal"


def source_codes(answer_set_id: str, answers: pd.DataFrame, meting: int) -> dict[int, int]:
    """Position in the answer set (codebook `code`) -> the code the meting's export writes."""
    rules = wave_rules(meting)
    labelled = rules.get("labelled", {}).get(answer_set_id)
    has_no_answer = (answers["missing_type"] == "no_answer").any()
    result = {}
    # the rows as plain records: iterrows builds a Series per answer
    for answer in answers[["code", "missing_type", "label_nl"]].to_dict("records"):
        position = int(answer["code"])
        kind = _kind(answer, answer_set_id, has_no_answer)
        if labelled is not None and kind != "skipped":
            if answer["label_nl"] not in labelled:
                raise ValueError(f"coding.yaml {meting} {answer_set_id}: no code for answer {answer['label_nl']!r}")
            result[position] = int(labelled[answer["label_nl"]])
            continue
        rule = rules[kind]
        if rule == "as_listed":
            result[position] = position
        elif rule == "reversed":
            result[position] = 6 - position
        else:
            result[position] = int(rule)
    if len(set(result.values())) != len(result):
        raise ValueError(f"coding.yaml {meting} {answer_set_id}: two answers share a source code {result}")
    return result
