"""A question claimed by one variable must not decide another variable's match: with the
similarities typed by hand (the real measure stubbed out), a variable whose best question is
taken by another, or whose best question's claim is refused, is listed with both questions,
never moved silently onto its runner-up."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from orchestration.codebook_draft import matching
from orchestration.codebook_draft.dictionary import ExportVariable
from orchestration.codebook_draft.reference import Reference, Wording

QUESTIONS = ("q1", "q2", "q3")


def _reference() -> Reference:
    questions = pd.DataFrame({"value_type": ["text"] * 3, "answer_set_id": [""] * 3}, index=list(QUESTIONS))
    return Reference(codebook=SimpleNamespace(questions=questions), meting=2025, questionnaire="X",
                     wordings={q: [Wording(f"wording {q}", f"Wording {q}", f"questions.csv {q}")]
                               for q in QUESTIONS},
                     answer_labels={}, previous_meting=None, previous_questions=[])


def _match(monkeypatch, scores: dict[str, dict[str, float]],
           decided: dict[str, str] | None = None) -> dict[str, matching.VariableMatch]:
    """Variables named by `scores`, each with the similarity typed for every question (0 otherwise)."""
    table = {(f"label {name.lower()}", f"wording {q}"): score for name, row in scores.items() for q, score in row.items()}

    class Typed:
        def __init__(self, texts: list[str]) -> None:
            pass

        def __call__(self, a: str, b: str) -> float:
            return table.get((a, b), 0.0)

    monkeypatch.setattr(matching, "Similarity", Typed)
    variables = [ExportVariable(name, position, f"Label {name}", "text") for position, name in enumerate(scores, 1)]
    return {m.variable.name: m for m in matching.match_variables(variables, _reference(), decided)}


def test_a_refused_double_claim_leaves_the_question_to_compete(monkeypatch):
    found = _match(monkeypatch, {"A": {"q1": 0.95}, "B": {"q1": 0.95}, "C": {"q1": 0.90, "q2": 0.84}})
    assert [(name, m.status, m.question_id) for name, m in found.items()] == [
        ("A", "ambiguous", "q1"), ("B", "ambiguous", "q1"), ("C", "ambiguous", None)]
    assert "A, B all match q1" in found["A"].evidence
    # C is q1 or q2: both listed, neither taken
    assert [c.question_id for c in found["C"].candidates] == ["q1", "q2"]


def test_a_refused_decision_leaves_the_question_to_compete(monkeypatch):
    found = _match(monkeypatch, {"A": {}, "B": {}, "C": {"q1": 0.90, "q2": 0.84}}, decided={"A": "q1", "B": "q1"})
    assert [(name, m.status) for name, m in found.items()] == [("A", "ambiguous"), ("B", "ambiguous"),
                                                              ("C", "ambiguous")]
    assert [c.question_id for c in found["C"].candidates] == ["q1", "q2"]


def test_a_question_another_variable_took_still_competes(monkeypatch):
    found = _match(monkeypatch, {"A": {"q1": 0.95}, "C": {"q1": 0.90, "q2": 0.84}})
    assert (found["A"].status, found["A"].question_id) == ("matched", "q1")
    assert (found["C"].status, found["C"].question_id) == ("ambiguous", None)
    assert [c.question_id for c in found["C"].candidates] == ["q1", "q2"]
    evidence = found["C"].evidence
    assert "q1 (0.90)" in evidence and "A" in evidence and "q2 (0.84)" in evidence


@pytest.mark.parametrize("scores, expected", [
    # the question taken by A fits C less than the one C gets, by the margin: C keeps it
    ({"A": {"q1": 0.95}, "C": {"q1": 0.70, "q2": 0.92}}, ("matched", "q2")),
    # and a question nobody took, clearly ahead, is matched as before
    ({"A": {"q1": 0.95}, "C": {"q2": 0.88, "q3": 0.60}}, ("matched", "q2")),
])
def test_a_clear_match_is_still_taken(monkeypatch, scores, expected):
    found = _match(monkeypatch, scores)
    assert (found["C"].status, found["C"].question_id) == expected
    assert (found["A"].status, found["A"].question_id) == ("matched", "q1")
