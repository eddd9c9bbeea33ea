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
        """The question's answer set as `Codebook.answers` lists it, split off once: a generation
        asks for answer sets a few thousand times. Callers leave it unchanged."""
        key = ("answers", question_id)
        if key not in self.cache:
            self.cache[key] = self.codebook.answers(self.questions.loc[question_id, "answer_set_id"])
        return self.cache[key]

    def cells(self, frame: pd.DataFrame) -> pd.DataFrame:
        """cell_frame(frame), kept while the attributes it reads stay as they were: every question
        of a meting reads the same cells, and a frame of a million respondents takes a while to
        label. Callers take what they need from it and leave it unchanged."""
        return self.kept_cells(frame).cells

    def cell_memo(self, frame: pd.DataFrame) -> dict:
        """A store for what follows from `frame`'s cells alone: emptied when the cells change."""
        return self.kept_cells(frame).memo

    def kept_cells(self, frame: pd.DataFrame) -> KeptCells:
        # compared column by column: selecting the columns of a frame hundreds wide costs more
        sources = [frame[column] for column in CELL_SOURCES if column in frame]
        kept = self.cache.get("cells")
        if kept is not None and [s.name for s in kept.sources] == [s.name for s in sources] and all(
                old.index.equals(new.index) and old.equals(new) for old, new in zip(kept.sources, sources)):
            return kept
        self.cache["cells"] = KeptCells([source.copy() for source in sources], cell_frame(frame), {})
        return self.cache["cells"]

    def asked_in(self, question_id: str, meting: int) -> set[str]:
        return set(self._availability.get((question_id, meting), ()))

    @cached_property
    def _availability(self) -> dict[tuple[str, int], list[str]]:
        """The questionnaires per (question, meting): the availability seed read once."""
        rows = self.codebook.availability
        kept: dict[tuple[str, int], list[str]] = {}
        for question_id, meting, questionnaire in zip(rows["question_id"], rows["meting"], rows["questionnaire"]):
            kept.setdefault((question_id, int(meting)), []).append(questionnaire)
        return kept


@dataclass
class KeptCells:
    """The cells of a frame (`Context.cells`), the attributes they were made from, and a store
    for what follows from the cells alone."""

    sources: list[pd.Series]
    cells: pd.DataFrame
    memo: dict


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
