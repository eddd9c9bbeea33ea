"""What the codebook already knows, arranged for matching a new wave against it.

Every wording a question had before the new meting: the variable labels of earlier exports
(any questionnaire: the 2024 master questionnaire is shared) and the codebook's own
question texts, Dutch and English (an option or battery item as "stem - item"). Every way
an answer was labelled: `label_nl` and the reviewed synonyms of `label_synonyms.csv`.
Only metingen before the new one count, so a draft never learns from the wave it drafts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from orchestration.codebook import Codebook
from orchestration.landing.labels import normalise


@dataclass(frozen=True)
class Wording:
    text: str  # normalised
    original: str
    source: str  # where the codebook has it, for the evidence


@dataclass(frozen=True)
class AnswerLabel:
    code: int
    label: str  # the codebook's label_nl
    missing_type: str
    via: str  # "label_nl" or "synonym of meting <m>"


@dataclass
class Reference:
    codebook: Codebook
    meting: int
    questionnaire: str
    wordings: dict[str, list[Wording]]  # question_id -> its wordings
    answer_labels: dict[str, dict[str, AnswerLabel]]  # answer_set_id -> normalised label -> code
    previous_meting: int | None
    previous_questions: list[str]  # asked in the previous meting of this questionnaire, in layout order
    previous_codes: dict[str, dict[int, int]] = field(default_factory=dict)  # question_id -> source -> harmonised

    def question(self, question_id: str) -> pd.Series:
        return self.codebook.questions.loc[question_id]

    def answer_set(self, question_id: str) -> str:
        return self.codebook.questions.loc[question_id, "answer_set_id"]

    def harmonised_labels(self, answer_set_id: str) -> dict[int, AnswerLabel]:
        return {entry.code: entry for entry in self.answer_labels.get(answer_set_id, {}).values()
                if entry.via == "label_nl"}


def build_reference(codebook: Codebook, meting: int, questionnaire: str) -> Reference:
    layout = codebook.source_variables
    earlier = layout[layout["meting"] < meting]
    wordings: dict[str, list[Wording]] = {}

    def add(question_id: str, text: str, source: str) -> None:
        if text and text.strip():
            known = wordings.setdefault(question_id, [])
            if normalise(text) not in {w.text for w in known}:
                known.append(Wording(normalise(text), text, source))

    # the same questionnaire's own wording first, so the evidence cites it when texts agree
    ordered = earlier.assign(other=earlier["questionnaire"] != questionnaire).sort_values(
        ["other", "meting"], ascending=[True, False])
    for row in ordered.itertuples(index=False):
        add(row.question_id, row.variable_label, f"variable label {row.source_variable}, {row.meting} {row.questionnaire}")
    for row in codebook.questions.itertuples(index=False):
        for language in ("nl", "en"):
            stem, item = getattr(row, f"question_text_{language}"), getattr(row, f"item_label_{language}")
            if item:
                add(row.question_id, f"{stem} - {item}", f"questions.csv question_text_{language} - item_label_{language}")
            else:
                add(row.question_id, stem, f"questions.csv question_text_{language}")
    previous = _previous_meting(codebook, meting, questionnaire)
    previous_layout = codebook.layout(previous, questionnaire) if previous is not None else layout.iloc[0:0]
    return Reference(
        codebook=codebook, meting=meting, questionnaire=questionnaire, wordings=wordings,
        answer_labels=_answer_labels(codebook, meting),
        previous_meting=previous,
        previous_questions=list(dict.fromkeys(previous_layout["question_id"])),
        previous_codes=_previous_codes(codebook, previous, questionnaire),
    )


def _previous_meting(codebook: Codebook, meting: int, questionnaire: str) -> int | None:
    asked = codebook.availability
    earlier = asked[(asked["meting"] < meting) & (asked["questionnaire"] == questionnaire)]["meting"]
    return int(earlier.max()) if len(earlier) else None


def _previous_codes(codebook: Codebook, previous: int | None, questionnaire: str) -> dict[str, dict[int, int]]:
    if previous is None:
        return {}
    codes: dict[str, dict[int, int]] = {}
    for row in codebook.code_map(previous, questionnaire).itertuples(index=False):
        codes.setdefault(row.question_id, {})[int(row.source_code)] = int(row.harmonised_code)
    return codes


def _answer_labels(codebook: Codebook, meting: int) -> dict[str, dict[str, AnswerLabel]]:
    labels: dict[str, dict[str, AnswerLabel]] = {}
    for row in codebook.answer_sets.itertuples(index=False):
        labels.setdefault(row.answer_set_id, {})[normalise(row.label_nl)] = AnswerLabel(
            int(row.code), row.label_nl, row.missing_type, "label_nl")
    for row in codebook.label_synonyms.itertuples(index=False):
        if row.meting >= meting or row.answer_set_id not in labels:
            continue
        own = next((entry for entry in labels[row.answer_set_id].values() if entry.code == row.harmonised_code), None)
        if own is not None:
            labels[row.answer_set_id].setdefault(normalise(row.export_label), AnswerLabel(
                row.harmonised_code, own.label, own.missing_type, f"synonym of meting {row.meting}"))
    return labels
