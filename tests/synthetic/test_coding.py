"""The generator's own source coding (coding.yaml): what each wave's export writes for an
answer, typed here by hand from seeds/codebook/README.md ("Source coding"), and its
independence from the crosswalk dbt harmonises with."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from orchestration.codebook import Codebook
from orchestration.synthetic.coding import source_codes
from orchestration.synthetic.exports import build_export


@pytest.fixture(scope="module")
def codebook():
    return Codebook.load()


def _coding(codebook, answer_set_id, meting):
    return source_codes(answer_set_id, codebook.answers(answer_set_id), meting)


@pytest.mark.parametrize("answer_set_id, meting, expected", [
    # 2024: codes as listed, skipped -1; nominal "wil ik niet zeggen" 9
    ("gender", 2024, {1: 1, 2: 2, 3: 3, 4: 9, -1: -1}),
    # 2024: "weet niet" 8 beside "wil niet zeggen" 9
    ("course_cost", 2024, {1: 1, 2: 2, 3: 3, 4: 4, 5: 8, 6: 9, -1: -1}),
    # 2024 scale: "weet ik niet" keeps its place (6)
    ("agree_helemaal_5", 2024, {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, -1: -1}),
    ("yes_no_selected", 2024, {1: 1, 0: 0, -1: -1}),
    # 2023: five-point scales reversed, "weet ik niet" 9, skipped -99
    ("agree_helemaal_5", 2023, {1: 5, 2: 4, 3: 3, 4: 2, 5: 1, 6: 9, -1: -99}),
    # 2023: extra scale answers: "weet niet" 9, any other extra 6
    ("satisfaction_heel_5", 2023, {1: 5, 2: 4, 3: 3, 4: 2, 5: 1, 6: 9, 7: 6, -1: -99}),
    # 2023 nominal: anders 97, weet niet 98, wil niet zeggen 99
    ("gender", 2023, {1: 1, 2: 2, 3: 97, 4: 99, -1: -99}),
    ("education_level", 2023, {**{c: c for c in range(1, 10)}, 10: 97, -1: -99}),
    ("yes_no_dk", 2023, {1: 1, 2: 2, 3: 98, -1: -99}),
    # 2023: multi-response 1/2, languages alphabetical (Arabisch, Engels, Nederlands, Tigrinya, Turks)
    ("yes_no_selected", 2023, {1: 1, 0: 2, -1: -99}),
    ("questionnaire_language", 2023, {1: 3, 2: 2, 3: 1, 4: 5, 5: 4, -1: -99}),
])
def test_each_wave_codes_answers_as_its_platform_did(codebook, answer_set_id, meting, expected):
    assert _coding(codebook, answer_set_id, meting) == expected


def test_a_new_wave_is_coded_as_the_latest_known(codebook):
    assert _coding(codebook, "agree_helemaal_5", 2025) == _coding(codebook, "agree_helemaal_5", 2024)


def test_the_coding_and_a_right_crosswalk_describe_the_same_exports(codebook):
    """Two statements written apart: every crosswalk row agrees with the generator's coding."""
    disagreeing = []
    crosswalk = codebook.crosswalk
    for (meting, questionnaire, variable), rows in crosswalk.groupby(["meting", "questionnaire", "source_variable"]):
        answer_set = codebook.questions.loc[rows["question_id"].iat[0], "answer_set_id"]
        if _coding(codebook, answer_set, meting) != dict(zip(rows["harmonised_code"], rows["source_code"])):
            disagreeing.append((meting, questionnaire, variable))
    assert len(crosswalk.groupby(["meting", "questionnaire", "source_variable"])) == 643
    assert disagreeing == []


def _health_frame(codebook):
    layout = codebook.layout(2024, "Wi2021-asiel")
    frame = pd.DataFrame({question: None for question in layout["question_id"]}, index=range(6), dtype=object)
    frame["questionnaire"] = "Wi2021-asiel"
    frame["health_self_rated"] = [1, 2, 3, 4, 5, -1]
    return frame


def test_a_swapped_crosswalk_row_does_not_change_the_export(codebook, tmp_path):
    """Harmonised codes 1 and 5 of the 2024 Wi2021-asiel health question swapped in the
    crosswalk: the export still writes 1 = Heel goed, so its labels now contradict the crosswalk."""
    copy = tmp_path / "codebook"
    shutil.copytree(codebook.directory, copy)
    crosswalk = pd.read_csv(copy / "crosswalk.csv", dtype=str, keep_default_na=False)
    health = (crosswalk["meting"] == "2024") & (crosswalk["questionnaire"] == "Wi2021-asiel") & (
        crosswalk["question_id"] == "health_self_rated")
    crosswalk.loc[health, "harmonised_code"] = crosswalk.loc[health, "harmonised_code"].replace({"1": "5", "5": "1"})
    crosswalk.to_csv(copy / "crosswalk.csv", index=False)
    swapped = Codebook.load(copy)
    assert set(swapped.code_map(2024, "Wi2021-asiel").query("source_variable == 'Q8' and source_code == 1")
               ["harmonised_code"]) == {5}

    right = build_export(codebook, _health_frame(codebook), 2024, "Wi2021-asiel", seed=1)
    wrong = build_export(swapped, _health_frame(swapped), 2024, "Wi2021-asiel", seed=1)
    pd.testing.assert_frame_equal(right.data, wrong.data)
    assert right.value_labels == wrong.value_labels and right.user_missing == wrong.user_missing
    assert list(wrong.data["Q8"]) == [1, 2, 3, 4, 5, -1]
    assert wrong.value_labels["Q8"] == {1: "Heel goed", 2: "Goed", 3: "Redelijk (niet goed, niet slecht)",
                                        4: "Niet zo goed", 5: "Slecht", -1: "Geen antwoord (overgeslagen)"}


def test_an_answer_outside_the_answer_set_stops_the_export(codebook):
    frame = _health_frame(codebook)
    frame.loc[0, "health_self_rated"] = 7
    with pytest.raises(ValueError, match="Q8: answers \\[7\\]"):
        build_export(codebook, frame, 2024, "Wi2021-asiel", seed=1)
