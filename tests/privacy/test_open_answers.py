"""fct_open_answer on the generated data: the contact details the generator plants in ~1 % of
the open answers are scrubbed, and every other answer (Dutch, English, Arabic, Turkish,
Tigrinya in Ge'ez script) reaches the mart byte for byte."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import yaml

from orchestration.synthetic.context import PARAMS_FILE

pytestmark = pytest.mark.integration

PLANTED = {"mail mij: ": "[e-mail]", "bel ": "[telefoon]", "my number is ": "[telefoon]"}


@pytest.fixture(scope="module")
def open_answers(built_warehouse) -> pd.DataFrame:
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        return con.execute("""
            select o.respondent_key, o.meting, o.question_id, o.questionnaire_language, o.answer_text,
                   a.value_text as source_text
            from marts.fct_open_answer as o
            inner join intermediate.int_answers as a using (respondent_key, question_id)
        """).df()


@pytest.fixture(scope="module")
def phrases() -> dict[str, list[str]]:
    params = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))["open_text"]
    return {language: texts for language, texts in params.items()
            if isinstance(texts, list) and language != "contact_examples"}


def _split(text: str) -> tuple[str, str | None]:
    """(phrase, planted snippet or None): the generator appends ' - <snippet>'."""
    phrase, sep, snippet = text.partition(" - ")
    return (phrase, snippet) if sep else (text, None)


def test_every_valid_open_answer_is_in_the_mart(built_warehouse, open_answers):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        expected = con.execute("""
            select count(*) from intermediate.int_answers
            where question_id in ('country_other_text', 'education_other_text') and answer_status = 'valid'
        """).fetchone()[0]
    assert len(open_answers) == expected > 0
    assert set(open_answers["question_id"]) == {"country_other_text", "education_other_text"}


def test_planted_contact_details_are_scrubbed(open_answers):
    planted = open_answers[open_answers["source_text"].str.contains(" - ", regex=False)]
    assert len(planted) > 0
    for source, scrubbed in zip(planted["source_text"], planted["answer_text"], strict=True):
        phrase, snippet = _split(source)
        prefix = next(p for p in PLANTED if snippet.startswith(p))
        assert scrubbed == f"{phrase} - {prefix}{PLANTED[prefix]}"
    # nothing that looks like an address or a number survives anywhere
    assert not open_answers["answer_text"].str.contains(r"@|\d{4}", regex=True).any()
    # about 1 % of the answers carry a snippet (params.yaml contact_share)
    share = len(planted) / len(open_answers)
    assert 0.002 < share < 0.03, share
    counts = planted.groupby("meting").size().to_dict()
    print(f"\nopen answers scrubbed: {counts} of {open_answers.groupby('meting').size().to_dict()}")


def test_other_answers_are_unchanged_byte_for_byte(open_answers, phrases):
    clean = open_answers[~open_answers["source_text"].str.contains(" - ", regex=False)]
    assert len(clean) > 0
    for source, published in zip(clean["source_text"], clean["answer_text"], strict=True):
        assert published.encode("utf-8") == source.encode("utf-8")
    # and the source is the generator's phrase in the respondent's language, scripts intact
    for language, texts in phrases.items():
        written = clean.loc[clean["questionnaire_language"] == language, "answer_text"]
        assert len(written) > 0, language
        assert set(written) <= set(texts), language
    for language in ("ar", "tr", "ti"):
        scrubbed = open_answers[open_answers["questionnaire_language"] == language]
        phrases_seen = {_split(text)[0] for text in scrubbed["answer_text"]}
        assert phrases_seen <= set(phrases[language]), language
