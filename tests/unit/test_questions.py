"""`inburgering questions`: finding a question id by words, from the codebook seeds alone."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from orchestration.cli import app

QUESTION_LINE = re.compile(r"^([a-z0-9_]+)  ", re.MULTILINE)


def _run(*args: str):
    result = CliRunner().invoke(app, ["questions", *args])
    assert result.exit_code == 0, result.output
    return result


def _ids(*args: str) -> list[str]:
    return QUESTION_LINE.findall(_run(*args).output)


def _json(*args: str) -> dict[str, dict]:
    return {question["question_id"]: question for question in json.loads(_run(*args, "--json").stdout)}


def test_werk_finds_the_work_questions():
    found = _ids("werk")
    # typed from the report's chapters on work: Tabel 4.3 (taal en werk), werkstatus, begeleiding
    # naar werk, the maatschappelijk doel's "werk op mijn eigen niveau" and Tabel 4.2's options
    for question_id in ("work_status", "work_language_combination", "municipality_work_guidance",
                        "work_guidance_satisfaction", "goal_work_own_level", "practice_dutch__at_work",
                        "azc_step__paid_work", "difficulty_reason__work"):
        assert question_id in found, question_id
    assert len(found) == len(set(found)) == 27
    assert "health_self_rated" not in found and "respondent_token" not in found


def test_every_word_must_match():
    assert _ids("werk", "taal") == ["azc_step__paid_work", "practice_dutch__at_work",
                                   "practice_dutch__volunteer_work", "work_language_combination"]
    assert _ids("werk", "taal", "combineren") == ["work_language_combination"]


def test_english_words_and_ids_match_too():
    assert "azc_step__volunteer_work" in _ids("volunteer", "work")
    assert _ids("WORK_LANGUAGE_COMBINATION") == ["work_language_combination"]


def test_accents_and_case_do_not_matter():
    expected = ["fixed_costs_paid", "fixed_costs_satisfaction"]
    assert _ids("financiële") == _ids("FINANCIELE") == _ids("Financiele") == expected


def test_technical_fields_only_with_all():
    assert _ids("token") == []
    assert _ids("token", "--all") == ["respondent_token"]
    assert "(technical field)" in _run("starttijd", "--all").output
    assert _ids("starttijd") == []


def test_json_gives_metingen_answers_and_report_table():
    question = _json("werk", "taal", "combineren")["work_language_combination"]
    assert question["metingen"] == [2023, 2024]
    assert question["asked_in"]["2024"] == ["Wi2013-asiel", "Wi2013-gezin", "Wi2021-asiel", "Wi2021-gezin"]
    # the labels of Tabel 4.3, in the printed order
    labels = [answer["label_nl"] for answer in question["answers"] if answer["missing_type"] is None]
    assert labels == ["Zeer eens", "Eens", "Neutraal", "Oneens", "Zeer oneens"]
    assert question["report_tables"] == ["T4.3"]
    assert question["is_technical"] is False
    # Tabel 4.3 prints "(zeer) eens" and "(zeer) oneens" beside the single answers
    assert question["combined_categories"] == [
        {"combined_id": "agree", "label_nl": "(Zeer) eens", "label_en": "(Strongly) agree", "codes": [4, 5]},
        {"combined_id": "disagree", "label_nl": "(Zeer) oneens", "label_en": "(Strongly) disagree", "codes": [1, 2]},
    ]
    output = _run("werk", "taal", "combineren").output
    assert "Tabel 4.3" in output
    assert "agree (Zeer) eens = 4, 5; disagree (Zeer) oneens = 1, 2" in output


def test_a_question_without_combined_categories_says_so():
    # work_status (werkstatus) has a nominal answer set: nothing the report adds up
    question = _json("work_status")["work_status"]
    assert question["combined_categories"] == []
    assert "none in the codebook" in _run("work_status").output


def test_a_missing_codebook_fails_with_its_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INBURGERING_CODEBOOK_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["questions", "werk"])
    assert result.exit_code == 1
    assert str(tmp_path) in result.output and "questions.csv" in result.output
