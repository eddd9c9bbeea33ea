"""What the survey platform's exports must look like: layout, dictionary, routing, mess."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from orchestration.codebook import Codebook

pytestmark = pytest.mark.slow

QUESTIONNAIRES = ("Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin")


def test_one_spss_file_per_meting_and_questionnaire(generated):
    _, paths = generated
    names = sorted(p.name for p in paths)
    assert names == sorted(
        f"perspectief_{m}_{q.lower().replace('-', '_')}.sav" for m in (2023, 2024) for q in QUESTIONNAIRES
    )


def test_files_carry_the_spss_dictionary_and_say_they_are_synthetic(generated):
    directory, _ = generated
    data, meta = pyreadstat.read_sav(directory / "perspectief_2023_wi2021_gezin.sav", user_missing=True,
                                     metadataonly=True)
    assert {"meting=2023", "questionnaire=Wi2021-gezin", "synthetic=true"} <= set(meta.notes)
    assert "SYNTHETIC" in meta.file_label
    layout = Codebook.load().layout(2023, "Wi2021-gezin")
    assert meta.column_names == list(layout["source_variable"])
    labels = dict(zip(layout["source_variable"], layout["variable_label"]))
    assert all(meta.column_names_to_labels[name] == label for name, label in labels.items())
    coded = layout[layout["value_type"] == "categorical"]["source_variable"]
    assert all(name in meta.variable_value_labels for name in coded)
    assert any(name in meta.missing_ranges for name in coded)


def test_group_sizes_follow_tabel_2_9_and_footnote_4(harmonised):
    frame = harmonised[2024]
    sizes = frame["questionnaire"].value_counts()
    assert sizes["Wi2021-asiel"] == 2651 and sizes["Wi2021-gezin"] == 1768
    permit = pd.to_numeric(frame["residence_permit_type"])
    wi2013 = frame["questionnaire"].str.startswith("Wi2013")
    assert ((permit == 1) & (frame["questionnaire"] == "Wi2013-asiel")).sum() == 416
    assert ((permit == 2) & (frame["questionnaire"] == "Wi2013-gezin")).sum() == 271
    assert (wi2013 & ~permit.isin([1, 2])).sum() == 67
    assert len(frame) == 5173
    # 2023: no counts printed; 9 % response of an assumed 56,000 invited
    assert len(harmonised[2023]) == 5040


def test_permit_control_question_mismatches(harmonised):
    frame = harmonised[2024]
    permit = pd.to_numeric(frame["residence_permit_type"])
    assert ((frame["questionnaire"] == "Wi2021-asiel") & (permit == 2)).sum() == 229
    assert ((frame["questionnaire"] == "Wi2021-gezin") & (permit == 1)).sum() == 13


def test_not_asked_is_system_missing_and_skipped_is_coded(harmonised):
    frame = harmonised[2024]
    started = pd.to_numeric(frame["started_course"]) == 1
    goal = pd.to_numeric(frame["goal_prepared_for_job"])
    assert goal[~started].isna().all()              # routed past: system-missing
    assert (goal[started] == -1).any()               # asked, left open: -1
    assert goal[started].notna().all()
    unanswered = (goal[started] == -1).mean()
    assert 0.2 < unanswered < 0.4                    # line 1890: 27-31 % of those asked


def test_questions_added_in_2024_are_absent_from_2023(harmonised):
    assert "health_self_rated" in harmonised[2024] and "health_self_rated" not in harmonised[2023]
    assert "map_followed" not in harmonised[2023]
    assert "work_since_permit_2023" in harmonised[2023] and "work_since_permit_2023" not in harmonised[2024]


def test_variable_names_differ_between_waves_and_2023_scales_run_reversed(generated):
    directory, _ = generated
    codebook = Codebook.load()
    layout_2023 = codebook.layout(2023, "Wi2021-asiel").set_index("question_id")
    layout_2024 = codebook.layout(2024, "Wi2021-asiel").set_index("question_id")
    name_2023 = layout_2023.loc["goal_prepared_for_job", "source_variable"]
    name_2024 = layout_2024.loc["goal_prepared_for_job", "source_variable"]
    assert name_2023 != name_2024 and layout_2023.loc["goal_prepared_for_job", "reversed"]
    raw_2023, _ = pyreadstat.read_sav(directory / "perspectief_2023_wi2021_asiel.sav", usecols=[name_2023],
                                      user_missing=True)
    crosswalk = codebook.code_map(2023, "Wi2021-asiel")
    mapping = crosswalk[crosswalk["source_variable"] == name_2023]
    assert dict(zip(mapping["source_code"], mapping["harmonised_code"]))[1] == 5
    assert set(raw_2023[name_2023].dropna().astype(int)) <= set(mapping["source_code"])


def test_panel_respondents_share_their_token_and_background(harmonised):
    earlier, later = harmonised[2023], harmonised[2024]
    shared = set(earlier["respondent_token"]) & set(later["respondent_token"])
    assert 300 < len(shared) < 700
    both = earlier.set_index("respondent_token").loc[sorted(shared)]
    again = later.set_index("respondent_token").loc[sorted(shared)]
    assert (both["questionnaire"] == again["questionnaire"]).all()
    assert both["questionnaire"].str.startswith("Wi2021").all()
    assert (pd.to_numeric(both["birth_year"]) == pd.to_numeric(again["birth_year"])).all()
    assert later["respondent_token"].is_unique and earlier["respondent_token"].is_unique


def test_open_text_is_written_in_the_respondents_script(harmonised):
    frame = harmonised[2024]
    language = pd.to_numeric(frame["questionnaire_language"])
    texts = frame["education_other_text"].fillna("")
    arabic = texts[(language == 3) & (texts != "")]
    tigrinya = texts[(language == 5) & (texts != "")]
    assert len(arabic) and arabic.map(lambda t: bool(re.search(r"[\u0600-\u06FF]", t))).all()
    assert len(tigrinya) and tigrinya.map(lambda t: bool(re.search(r"[\u1200-\u137F]", t))).all()


def test_fieldwork_timestamps(harmonised):
    frame = harmonised[2024]
    start = pd.to_datetime(frame["start_time"])
    end = pd.to_datetime(frame["end_time"])
    assert (start >= "2024-10-01").all() and (end <= "2024-12-01").all() and (end > start).all()
    assert set(pd.to_numeric(frame["recruitment_route"]).unique()) == {1, 2}


def test_item_nonresponse_rises_towards_the_end(harmonised):
    frame = harmonised[2024]
    codebook = Codebook.load()
    layout = codebook.layout(2024, "Wi2021-gezin")
    part = frame[frame["questionnaire"] == "Wi2021-gezin"]
    coded = layout[layout["value_type"] == "categorical"]
    skipped = [(row.position, (pd.to_numeric(part[row.question_id]) == -1).sum()
                / max(1, pd.to_numeric(part[row.question_id]).notna().sum())) for row in coded.itertuples()]
    positions, shares = np.array(skipped).T
    assert np.corrcoef(positions, shares)[0, 1] > 0


def test_same_seed_gives_byte_identical_files_in_both_forms(tmp_path):
    """Each form twice from the same seed, written in opposite orders (one generation writes its
    forms one after the other, and neither may change what the other writes), then another seed."""
    from orchestration.synthetic.generator import generate_forms

    def run(name: str, seed: int, forms: tuple[str, ...] = ("sav", "csv")) -> dict[str, list]:
        return generate_forms({fmt: tmp_path / name / fmt for fmt in forms}, seed=seed, scale=0.1, metingen=(2024,))

    first, second, other = run("a", 7), run("b", 7, ("csv", "sav")), run("c", 8)
    for fmt in ("sav", "csv"):
        assert len(first[fmt]) == len(second[fmt]) == 4, fmt
        for a, b in zip(first[fmt], second[fmt]):
            assert a.name == b.name and a.suffix == f".{fmt}"
            assert a.read_bytes() == b.read_bytes(), a.name
            if fmt == "csv":
                assert a.with_suffix(".labels.json").read_bytes() == b.with_suffix(".labels.json").read_bytes()
        assert first[fmt][0].read_bytes() != other[fmt][0].read_bytes(), fmt


def test_scale_multiplies_respondents(tmp_path):
    from orchestration.synthetic.generator import generate_waves

    frames = generate_waves(seed=1, scale=0.2, metingen=(2024,))
    assert len(frames[2024]) == round(2651 * 0.2) + round(1768 * 0.2) + round(456 * 0.2) + round(298 * 0.2)
