"""The question finder behind `inburgering questions WORDS`: find a question id by words in Dutch or
English, without a built warehouse (it reads the codebook seeds).

A question matches when every word occurs, accent- and case-insensitively, in its id, question
text, item label (nl or en) or topic. The export's technical fields (seed questions.is_technical)
are left out unless asked for. Combined categories come from the codebook's answer_set_groups.csv.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass

import pandas as pd
from rich.console import Console
from rich.text import Text

from orchestration.codebook import Codebook

SEARCHED = ("question_id", "question_text_nl", "question_text_en", "item_label_nl", "item_label_en", "topic")
_REPORT_PREFIX = {"T": "Tabel", "F": "Figuur"}


@dataclass(frozen=True)
class Answer:
    code: int
    label_nl: str
    label_en: str
    missing_type: str | None


@dataclass(frozen=True)
class Question:
    question_id: str
    question_text_nl: str
    question_text_en: str
    item_label_nl: str | None
    item_label_en: str | None
    topic: str
    value_type: str
    is_technical: bool
    metingen: list[int]
    asked_in: dict[int, list[str]]  # meting -> questionnaires
    answer_set_id: str | None
    answers: list[Answer]
    # answers the report compares as one ("(helemaal) eens" = 4 + 5), seeds answer_set_groups.csv:
    # combined_id, label_nl, label_en, codes
    combined_categories: list[dict]
    report_tables: list[str]


def normalise(text: str) -> str:
    """Lower case without accents: 'Financiële' and 'financiele' are the same word."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def find(words: list[str], codebook: Codebook | None = None, include_technical: bool = False) -> list[Question]:
    """Every question whose searched fields hold all `words`, in codebook order."""
    codebook = codebook or Codebook.load()
    questions = codebook.questions
    wanted = [normalise(word) for word in words if word.strip()]
    haystack = questions[list(SEARCHED)].agg(" ".join, axis=1).map(normalise)
    matches = haystack.map(lambda text: all(word in text for word in wanted))
    if not include_technical:
        matches &= ~_technical(questions)
    return [_question(codebook, row) for row in questions[matches].itertuples(index=False)]


def _technical(questions: pd.DataFrame) -> pd.Series:
    if "is_technical" not in questions.columns:
        raise ValueError("the codebook's questions.csv has no is_technical column")
    return questions["is_technical"].str.lower().eq("true")


def _question(codebook: Codebook, row) -> Question:
    availability = codebook.availability[codebook.availability["question_id"] == row.question_id]
    asked_in = {int(meting): sorted(part["questionnaire"]) for meting, part in availability.groupby("meting")}
    answers = codebook.answers(row.answer_set_id) if row.answer_set_id else pd.DataFrame()
    return Question(
        question_id=row.question_id, question_text_nl=row.question_text_nl, question_text_en=row.question_text_en,
        item_label_nl=row.item_label_nl or None, item_label_en=row.item_label_en or None, topic=row.topic,
        value_type=row.value_type, is_technical=row.is_technical.lower() == "true",
        metingen=sorted(asked_in), asked_in=asked_in, answer_set_id=row.answer_set_id or None,
        answers=[Answer(int(a.code), a.label_nl, a.label_en, a.missing_type or None)
                 for a in answers.itertuples(index=False)],
        combined_categories=codebook.combined_categories(row.answer_set_id) if row.answer_set_id else [],
        report_tables=[ref.strip() for ref in row.report_tables.split(";") if ref.strip()],
    )


def report_table_name(reference: str) -> str:
    """'T3.1' -> 'Tabel 3.1', 'FB.2.1a' -> 'Figuur B.2.1a' (the ids of report_tables.yaml)."""
    prefix = _REPORT_PREFIX.get(reference[:1])
    return f"{prefix} {reference[1:]}" if prefix else reference


def to_json(found: list[Question]) -> str:
    return json.dumps([asdict(question) for question in found], ensure_ascii=False, indent=2)


def show(found: list[Question], console: Console) -> None:
    """One block per question; plain Text, so labels with brackets print as they are."""
    for question in found:
        title = Text(question.question_id, style="bold")
        title.append(f"  {question.topic}", style="dim")
        if question.is_technical:
            title.append("  (technical field)", style="yellow")
        console.print(title)
        lines = [("nl", question.question_text_nl), ("en", question.question_text_en)]
        if question.item_label_nl:
            lines.append(("item", f"{question.item_label_nl} / {question.item_label_en or ''}".rstrip(" /")))
        lines.append(("asked", "; ".join(f"{meting} ({', '.join(questionnaires)})"
                                         for meting, questionnaires in question.asked_in.items()) or "never"))
        lines.append(("answers", _answers(question)))
        lines.append(("combined", "; ".join(
            f"{group['combined_id']} {group['label_nl']} = {', '.join(map(str, group['codes']))}"
            for group in question.combined_categories) or "none in the codebook"))
        lines.append(("report", ", ".join(map(report_table_name, question.report_tables)) or "not in a report table"))
        for label, value in lines:
            console.print(Text(f"  {label:<8} ", style="dim") + Text(value))
        console.print()
    console.print(Text(f"{len(found)} question(s)"))


def _answers(question: Question) -> str:
    if not question.answers:
        return f"{question.value_type} (no answer set)"
    return f"{question.answer_set_id}: " + " | ".join(
        f"{answer.code} {answer.label_nl}" + (f" ({answer.missing_type})" if answer.missing_type else "")
        for answer in question.answers)


def command(words: list[str], include_technical: bool, as_json: bool, console: Console) -> int:
    """`inburgering questions`: print the matches; 1 when the codebook cannot be read."""
    try:
        found = find(words, include_technical=include_technical)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        console.print(Text(f"codebook not readable: {exc}", style="red"))
        return 1
    if as_json:
        print(to_json(found))
    else:
        show(found, console)
    return 0
