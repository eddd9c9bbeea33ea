"""The codebook seeds (`seeds/codebook/`) as Python objects, for the generator and the loader.

The same CSV files are dbt seeds, so the warehouse and the Python side read one truth.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from orchestration.config import PROJECT_DIR

FILES = ("questions", "answer_sets", "question_availability", "source_variables", "crosswalk")


CODEBOOK_ENV = "INBURGERING_CODEBOOK_DIR"


def codebook_dir() -> Path:
    """The codebook folder, for the generator and the loader alike (relative: from the project)."""
    configured = os.environ.get(CODEBOOK_ENV)
    path = Path(configured) if configured else PROJECT_DIR / "seeds" / "codebook"
    return path if path.is_absolute() else PROJECT_DIR / path


@dataclass(frozen=True)
class Codebook:
    directory: Path

    @classmethod
    def load(cls, directory: Path | None = None) -> "Codebook":
        directory = directory or codebook_dir()
        missing = [name for name in FILES if not (directory / f"{name}.csv").exists()]
        if missing:
            raise FileNotFoundError(f"codebook in {directory} lacks {', '.join(m + '.csv' for m in missing)}")
        return cls(directory)

    def _read(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.directory / f"{name}.csv", dtype=str, keep_default_na=False)

    @cached_property
    def questions(self) -> pd.DataFrame:
        return self._read("questions").set_index("question_id", drop=False)

    @cached_property
    def answer_sets(self) -> pd.DataFrame:
        frame = self._read("answer_sets")
        frame["code"] = frame["code"].astype(int)
        frame["sort_order"] = frame["sort_order"].astype(int)
        return frame

    @cached_property
    def availability(self) -> pd.DataFrame:
        frame = self._read("question_availability")
        frame["meting"] = frame["meting"].astype(int)
        return frame

    @cached_property
    def source_variables(self) -> pd.DataFrame:
        frame = self._read("source_variables")
        frame["meting"] = frame["meting"].astype(int)
        frame["position"] = frame["position"].astype(int)
        frame["reversed"] = frame["reversed"].str.lower().eq("true")
        return frame

    @cached_property
    def crosswalk(self) -> pd.DataFrame:
        frame = self._read("crosswalk")
        frame["meting"] = frame["meting"].astype(int)
        frame["source_code"] = frame["source_code"].astype(int)
        frame["harmonised_code"] = frame["harmonised_code"].astype(int)
        return frame

    @cached_property
    def answer_set_groups(self) -> pd.DataFrame:
        """The combined categories ("(zeer) eens" = codes 4 + 5), one row per code; read when asked
        for, so a codebook for the generator or the loader needs no such file."""
        if not (self.directory / "answer_set_groups.csv").exists():
            raise FileNotFoundError(f"codebook in {self.directory} lacks answer_set_groups.csv")
        frame = self._read("answer_set_groups")
        frame["code"] = frame["code"].astype(int)
        frame["sort_order"] = frame["sort_order"].astype(int)
        return frame

    def combined_categories(self, answer_set_id: str) -> list[dict]:
        """The answer set's combined categories in their order, each with the codes it holds."""
        groups = self.answer_set_groups[self.answer_set_groups["answer_set_id"] == answer_set_id]
        return [{"combined_id": combined_id, "label_nl": part["label_nl"].iloc[0],
                 "label_en": part["label_en"].iloc[0], "codes": sorted(part["code"].tolist())}
                for (_, combined_id), part in groups.groupby(["sort_order", "combined_id"], sort=True)]

    def exports(self) -> list[tuple[int, str]]:
        """Every meting x questionnaire the codebook describes."""
        pairs = self.source_variables[["meting", "questionnaire"]].drop_duplicates()
        return sorted(map(tuple, pairs.itertuples(index=False)))

    def answers(self, answer_set_id: str) -> pd.DataFrame:
        return self.answer_sets[self.answer_sets["answer_set_id"] == answer_set_id].sort_values("sort_order")

    def layout(self, meting: int, questionnaire: str) -> pd.DataFrame:
        """The export's variables in questionnaire order."""
        rows = self.source_variables[
            (self.source_variables["meting"] == meting) & (self.source_variables["questionnaire"] == questionnaire)
        ]
        return rows.sort_values("position")

    def code_map(self, meting: int, questionnaire: str) -> pd.DataFrame:
        return self.crosswalk[(self.crosswalk["meting"] == meting) & (self.crosswalk["questionnaire"] == questionnaire)]
