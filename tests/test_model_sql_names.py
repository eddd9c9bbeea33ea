"""Model SQL names no meting and no composite scale: those are seed rows (a wave in
seeds/codebook, a scale in questions.csv's composite, a cut-off date in seeds/derived), so that
a new wave or scale needs no SQL. Comments may speak of them; code may not."""

from __future__ import annotations

import csv
import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
MODELS = PROJECT / "models"
# the scales as the report names them (footnotes 10 and 16), typed here, plus any the codebook adds
REPORT_SCALES = {"maatschappelijk_doel", "beleidsdoelen", "course_quality"}
YEAR = re.compile(r"(?<!Wi)(?<![0-9])20[0-9]{2}(?![0-9])")  # a law (Wi2021) is no meting
COMMENT = re.compile(r"--[^\n]*|\{#.*?#\}", re.DOTALL)


def _code(path: Path) -> str:
    return COMMENT.sub("", path.read_text(encoding="utf-8"))


def _codebook_scales() -> set[str]:
    with (PROJECT / "seeds" / "codebook" / "questions.csv").open(encoding="utf-8", newline="") as handle:
        return {row["composite"] for row in csv.DictReader(handle) if row["composite"]}


def _sql_files() -> list[Path]:
    files = sorted(MODELS.rglob("*.sql"))
    assert len(files) >= 20, files  # the staging, intermediate and mart models are all read
    return files


def test_no_model_sql_names_a_year():
    found = {str(path.relative_to(PROJECT)): YEAR.findall(_code(path)) for path in _sql_files()}
    assert {name: years for name, years in found.items() if years} == {}


def test_no_model_sql_names_a_composite_scale():
    scales = REPORT_SCALES | _codebook_scales()
    assert len(scales) == 3
    pattern = re.compile(r"\b(" + "|".join(sorted(scales)) + r")(_score)?\b")
    found = {str(path.relative_to(PROJECT)): sorted({m.group(0) for m in pattern.finditer(_code(path))})
             for path in _sql_files()}
    assert {name: names for name, names in found.items() if names} == {}


def test_the_check_finds_what_it_guards():
    """The patterns catch a year and a scale in code and leave them alone in comments."""
    text = "select date '2024-01-01' as cut -- 2023 in a comment\n{# 2025 #}select maatschappelijk_doel_score"
    code = COMMENT.sub("", text)
    assert YEAR.findall(code) == ["2024"]
    assert "maatschappelijk_doel_score" in code and "2023" not in code and "2025" not in code
