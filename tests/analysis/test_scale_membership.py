"""The analysis takes which items make a scale from the codebook (questions.csv, composite), the
same seed the warehouse's scale scores use, not from a list of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from orchestration.analysis import specs

CODEBOOK = Path(__file__).resolve().parents[2] / "seeds" / "codebook"


@pytest.fixture
def codebook(tmp_path, monkeypatch):
    directory = tmp_path / "codebook"
    shutil.copytree(CODEBOOK, directory)
    monkeypatch.setenv("INBURGERING_CODEBOOK_DIR", str(directory))
    specs._document.cache_clear()
    yield directory
    specs._document.cache_clear()


def _set_composite(directory: Path, question_id: str, composite: str) -> None:
    path = directory / "questions.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[frame["question_id"] == question_id, "composite"] = composite
    frame.to_csv(path, index=False, lineterminator="\n")


def test_the_scales_have_the_items_the_report_names(codebook):
    items = {scale.name: scale.items for scale in specs.scales()}
    assert items == {
        "maatschappelijk_doel": ("goal_prepared_for_job", "goal_work_own_level"),
        "beleidsdoelen": ("goal_participate_society", "goal_learn_dutch", "goal_learn_about_society",
                          "goal_support_fits_goals"),
        "course_quality": ("course_quality_pace", "course_quality_fellow_students", "course_quality_teachers",
                           "course_quality_lesson_times", "course_quality_cancellations",
                           "course_quality_travel_time", "course_quality_travel_costs"),
    }


def test_an_item_taken_out_of_the_codebook_leaves_the_scale_and_its_models(codebook):
    _set_composite(codebook, "goal_work_own_level", "")
    assert {s.name: s.items for s in specs.scales()}["maatschappelijk_doel"] == ("goal_prepared_for_job",)
    models = [m for m in specs.report_models() if m.outcome == "maatschappelijk_doel"]
    assert len(models) == 4 and all(m.items == ("goal_prepared_for_job",) for m in models)
    assert "goal_work_own_level" not in specs.scale_items()


def test_a_scale_without_items_in_the_codebook_stops_the_analysis(codebook):
    _set_composite(codebook, "goal_prepared_for_job", "")
    _set_composite(codebook, "goal_work_own_level", "")
    with pytest.raises(ValueError, match="maatschappelijk_doel"):
        specs.scales()
