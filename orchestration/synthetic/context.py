"""Everything one generation run reads: codebook, reference tables, parameters, randomness."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.codebook import Codebook
from orchestration.reference import ReferenceTable, meting2023, tables
from orchestration.synthetic.report_mapping import value_labels
from orchestration.yaml_file import read_yaml

PARAMS_FILE = Path(__file__).with_name("params.yaml")


@dataclass
class Context:
    codebook: Codebook
    tables: dict[str, ReferenceTable]
    facts_2023: list[dict]
    params: dict
    seed: int
    scale: float = 1.0
    # valid-answer rate per (question, group), measured on 2024 and reused for 2023
    answer_rates: dict[tuple[str, str], float] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)

    @classmethod
    def create(cls, seed: int, scale: float = 1.0, codebook: Codebook | None = None) -> "Context":
        return cls(
            codebook=codebook or Codebook.load(),
            tables=tables(),
            facts_2023=meting2023()["facts_2023"],
            params=read_yaml(PARAMS_FILE),
            seed=seed,
            scale=scale,
        )

    def rng(self, *labels: object) -> np.random.Generator:
        """An independent stream per purpose, so adding a question never shifts another's draws."""
        digest = hashlib.blake2b("|".join(map(str, labels)).encode("utf-8"), digest_size=16).digest()
        return np.random.default_rng(np.random.SeedSequence([self.seed, int.from_bytes(digest, "little")]))

    @cached_property
    def questions(self) -> pd.DataFrame:
        return self.codebook.questions

    def per_meting(self, name: str, meting: int):
        """A meting's own parameter, or for a meting params.yaml does not know yet (a new wave)
        the latest known one; fieldwork moves along by whole years."""
        values = self.params[name]
        if meting in values:
            return values[meting]
        latest = max(values)
        if name == "fieldwork":
            shift = meting - latest
            return {k: f"{int(v[:4]) + shift}{v[4:]}" for k, v in values[latest].items()}
        return values[latest]

    def answers(self, question_id: str) -> pd.DataFrame:
        return self.codebook.answers(self.questions.loc[question_id, "answer_set_id"])

    def cells(self, frame: pd.DataFrame) -> pd.DataFrame:
        """cell_frame(frame), kept while the attributes it reads stay as they were: every question
        of a meting reads the same cells, and a frame of a million respondents takes a while to
        label. Callers take what they need from it and leave it unchanged."""
        sources = frame[[column for column in CELL_SOURCES if column in frame]]
        kept = self.cache.get("cells")
        if kept is not None and kept[0].columns.equals(sources.columns) and kept[0].index.equals(sources.index) \
                and kept[0].equals(sources):
            return kept[1]
        cells = cell_frame(frame)
        self.cache["cells"] = (sources.copy(), cells)
        return cells

    def asked_in(self, question_id: str, meting: int) -> set[str]:
        rows = self.codebook.availability
        rows = rows[(rows["question_id"] == question_id) & (rows["meting"] == meting)]
        return set(rows["questionnaire"])


# the respondent attributes cell_frame reads
CELL_SOURCES = ("questionnaire", "leerroute", "cohort", "gender")


def cell_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The respondent attributes published margins select on, as labels."""
    cells = pd.DataFrame(index=frame.index)
    questionnaire = frame["questionnaire"]
    # four distinct values: split them once, not once per respondent per question
    parts = {value: str(value).split("-") for value in questionnaire.unique()}
    cells["group_label"] = questionnaire
    cells["wet"] = questionnaire.map({value: p[0] for value, p in parts.items()})
    cells["migrant_type"] = questionnaire.map({value: p[1] for value, p in parts.items()})
    if "leerroute" in frame:
        cells["leerroute"] = frame["leerroute"].map(value_labels("leerroute"))
    if "cohort" in frame:
        cells["cohort"] = frame["cohort"]
    if "gender" in frame:
        cells["gender"] = frame["gender"].map(value_labels("gender"))
    return cells
