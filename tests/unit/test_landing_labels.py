"""The export's value labels against the codebook (orchestration/landing/labels.py).

The generated exports are written once from the real seeds; the codebook they are landed
against is a copy in which one thing is broken by hand. The check must refuse the file and say
which variable, which code, what the export calls it and what the codebook expected.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from helpers.landing import (
    MINI_LAYOUT,
    SavSpec,
    csv_types,
    land,
    landing_env,
    load_log,
    mini_frame,
    write_codebook,
    write_csv,
    write_sav,
)

from orchestration.config import PROJECT_DIR
from orchestration.landing.errors import CodebookError, ValidationError
from orchestration.landing.labels import normalise
from orchestration.landing.loader import land_files

SEEDS = PROJECT_DIR / "seeds" / "codebook"
EXPORT_2024_WI2021_ASIEL = "perspectief_2024_wi2021_asiel"
EIGHT = {f"perspectief_{meting}_{group}" for meting in (2023, 2024)
         for group in ("wi2021_asiel", "wi2021_gezin", "wi2013_asiel", "wi2013_gezin")}


def _codebook_copy(tmp_path: Path) -> Path:
    target = tmp_path / "codebook"
    shutil.copytree(SEEDS, target)
    return target


def _edit_csv(path: Path, edit) -> int:
    """Apply `edit(row) -> bool (changed)` to every row of a seed CSV; returns the rows changed."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    changed = sum(bool(edit(row)) for row in rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return changed


def _copy_in(paths: list[Path], landing: Path, stem: str) -> Path:
    """One generated export (and its sidecar) copied into a landing folder."""
    landing.mkdir(parents=True, exist_ok=True)
    [source] = [path for path in paths if path.stem == stem]
    for companion in source.parent.glob(f"{stem}.*"):
        shutil.copy2(companion, landing / companion.name)
    return landing / source.name


def test_normalised_comparison_ignores_case_spacing_punctuation_quotes_and_diacritics():
    assert normalise("Redelijk (niet goed, niet slecht)") == normalise("redelijk niet goed  niet slecht")
    assert normalise("  Syrië ") == normalise("SYRIE")
    assert normalise("Dat weet ik niet") == normalise("dat weet ik niet.")
    assert normalise("Ik heb een andere opleiding gevolgd, namelijk…") == normalise("ik heb een andere opleiding "
                                                                                    "gevolgd namelijk")
    assert normalise("‘Anders’, namelijk") == normalise("'anders' namelijk")
    # words and numbers still count
    assert normalise("Heel goed") != normalise("Goed")
    assert normalise("1000 euro of minder") != normalise("10000 euro of minder")
    assert normalise("< 1 jaar") != normalise("> 1 jaar")
    # a sign or a range is not punctuation: a -2..+2 scale with two codes swapped must not pass
    assert normalise("-1") != normalise("1") and normalise("\u22121") == normalise("-1")
    assert normalise("1-2 jaar") != normalise("1 2 jaar") and normalise("niet-westers") == normalise("niet westers")


def test_all_eight_generated_exports_are_accepted_as_sav_and_as_csv(generated, generated_csv, tmp_path):
    for form, (directory, paths) in {"sav": generated, "csv": generated_csv}.items():
        assert {path.stem for path in paths} == EIGHT
        outcomes = land_files(tmp_path / f"{form}.duckdb", paths, landing_dir=tmp_path / f"landing_{form}",
                              codebook_dir=SEEDS)
        assert [outcome.status for outcome in outcomes] == ["loaded"] * 8, form
        with duckdb.connect(str(tmp_path / f"{form}.duckdb"), read_only=True) as con:
            assert con.execute("select count(*), bool_and(validated) from raw.load_registry").fetchone() == (8, True)


@pytest.mark.parametrize("form", ["sav", "csv"])
def test_swapped_health_codes_in_the_crosswalk_refuse_the_2024_wi2021_asiel_export(generated, generated_csv,
                                                                                    tmp_path, form):
    codebook = _codebook_copy(tmp_path)

    def swap(row):
        if (row["meting"], row["questionnaire"], row["question_id"]) == ("2024", "Wi2021-asiel", "health_self_rated") \
                and row["harmonised_code"] in ("1", "5"):
            row["harmonised_code"] = {"1": "5", "5": "1"}[row["harmonised_code"]]
            return True
        return False

    assert _edit_csv(codebook / "crosswalk.csv", swap) == 2
    _, paths = generated if form == "sav" else generated_csv
    path = _copy_in(paths, tmp_path / "landing", EXPORT_2024_WI2021_ASIEL)
    db = tmp_path / "w.duckdb"

    with pytest.raises(ValidationError) as caught:
        land_files(db, [path], landing_dir=tmp_path / "landing", codebook_dir=codebook)

    file = f"{EXPORT_2024_WI2021_ASIEL}.{form}"
    assert [str(problem) for problem in caught.value.problems] == [
        f"{file}: variable Q8, code 1: the export labels code 1 'Heel goed' (expected 'Slecht': the label of "
        f"harmonised code 5 (health_5) the crosswalk maps code 1 to, or a reviewed synonym ('Zeer slecht'))",
        f"{file}: variable Q8, code 5: the export labels code 5 'Slecht' (expected 'Heel goed': the label of "
        f"harmonised code 1 (health_5) the crosswalk maps code 5 to, or a reviewed synonym ('Zeer goed'))",
    ]
    [outcome] = caught.value.outcomes
    assert outcome.status == "quarantined"
    assert (tmp_path / "landing" / "quarantine" / f"{file}.reason.txt").exists()
    log = load_log(db)
    assert log["status"].tolist() == ["quarantined"]
    assert "variable Q8, code 1: the export labels code 1 'Heel goed' (expected 'Slecht'" in log["message"][0]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                           "and table_name like 'export_%'").fetchone()[0] == 0


def test_a_changed_answer_label_in_the_codebook_is_caught(generated, tmp_path):
    codebook = _codebook_copy(tmp_path)

    def relabel(row):
        if (row["answer_set_id"], row["code"]) == ("leerroute", "3"):
            row["label_nl"] = "Onderwijsroute"
            return True
        return False

    assert _edit_csv(codebook / "answer_sets.csv", relabel) == 1
    _, paths = generated
    path = _copy_in(paths, tmp_path / "landing", EXPORT_2024_WI2021_ASIEL)
    with pytest.raises(ValidationError) as caught:
        land_files(tmp_path / "w.duckdb", [path], landing_dir=tmp_path / "landing", codebook_dir=codebook)
    assert [str(problem) for problem in caught.value.problems] == [
        f"{EXPORT_2024_WI2021_ASIEL}.sav: variable Q5, code 3: the export labels code 3 'Z-route' (expected "
        f"'Onderwijsroute': the label of harmonised code 3 (leerroute) the crosswalk maps code 3 to)"]


# The rules on a miniature export, with codebooks written by hand.

@pytest.fixture
def mini(tmp_path):
    return landing_env(tmp_path)


def _labels(**q1: str) -> SavSpec:
    spec = SavSpec()
    spec.value_labels["Q1"].update({int(code.lstrip("c")): label for code, label in q1.items()})
    return spec


def test_labels_differing_only_in_spelling_details_are_accepted(mini):
    path = write_sav(mini["landing"] / "x.sav", mini_frame(6), _labels(c1="  MAN ", c2="vrouw.", c9="Wil ik niet "
                                                                                                  "zeggen!"))
    assert [outcome.status for outcome in land(mini, path)] == ["loaded"]


def test_a_reworded_label_needs_a_reviewed_synonym(mini):
    path = write_sav(mini["landing"] / "x.sav", mini_frame(6), _labels(c2="Vrouwelijk"))
    with pytest.raises(ValidationError) as caught:
        land(mini, path)
    assert [str(p) for p in caught.value.problems] == [
        "x.sav: variable Q1, code 2: the export labels code 2 'Vrouwelijk' (expected 'Vrouw': the label of "
        "harmonised code 2 (gender) the crosswalk maps code 2 to)"]

    (mini["codebook"] / "label_synonyms.csv").write_text(
        "meting,answer_set_id,harmonised_code,export_label,note\n"
        "2024,gender,2,Vrouwelijk,reviewed: the 2024 platform's wording of the same answer\n", encoding="utf-8")
    again = write_sav(mini["landing"] / "x.sav", mini_frame(6), _labels(c2="Vrouwelijk"))
    assert [outcome.status for outcome in land(mini, again)] == ["loaded"]


def test_a_synonym_holds_for_its_meting_only(mini):
    write_codebook(mini["codebook"], {(2024, "Wi2021-asiel"): MINI_LAYOUT, (2023, "Wi2021-asiel"): MINI_LAYOUT})
    (mini["codebook"] / "label_synonyms.csv").write_text(
        "meting,answer_set_id,harmonised_code,export_label,note\n2023,gender,2,Vrouwelijk,reviewed\n",
        encoding="utf-8")
    path = write_sav(mini["landing"] / "x.sav", mini_frame(6), _labels(c2="Vrouwelijk"))
    with pytest.raises(ValidationError, match=r"variable Q1, code 2: the export labels code 2 'Vrouwelijk'"):
        land(mini, path)


def test_missing_codes_are_checked_where_labelled_and_may_go_unlabelled(mini):
    frame = mini_frame(6)
    frame.loc[0, "Q1"] = -1.0  # skipped: a missing code of the crosswalk
    unlabelled = write_sav(mini["landing"] / "a.sav", frame)  # the default labels have none for -1
    assert [outcome.status for outcome in land(mini, unlabelled)] == ["loaded"]

    wrong = write_sav(mini["landing"] / "b.sav", mini_frame(6, seed=1), _labels(**{"c-1": "Weet ik niet"}))
    with pytest.raises(ValidationError) as caught:
        land(mini, wrong, replace=True)
    assert [str(p) for p in caught.value.problems] == [
        "b.sav: variable Q1, code -1: the export labels code -1 'Weet ik niet' (expected 'Geen antwoord "
        "(overgeslagen)': the label of harmonised code -1 (gender) the crosswalk maps code -1 to)"]


def test_a_substantive_code_without_a_label_and_a_label_the_crosswalk_lacks_are_refused(mini):
    spec = SavSpec()
    del spec.value_labels["Q1"][2]
    spec.value_labels["Q1"][3] = "Anders"
    path = write_sav(mini["landing"] / "x.sav", mini_frame(6), spec)
    with pytest.raises(ValidationError) as caught:
        land(mini, path)
    assert [str(p) for p in caught.value.problems] == [
        "x.sav: variable Q1, code 3: value label 'Anders' for code 3, which the crosswalk does not map (expected "
        "only the codes of the crosswalk (-1, 1, 2, 9))",
        "x.sav: variable Q1, code 2: code 2 is used but the export gives it no value label, so what it means "
        "cannot be checked (expected a value label ('Vrouw' per the codebook))",
    ]


def test_a_crosswalk_question_without_an_answer_set_stops_the_load(mini):
    questions = mini["codebook"] / "questions.csv"
    questions.write_text("\n".join(line for line in questions.read_text(encoding="utf-8").splitlines()
                                   if not line.startswith("gender,")) + "\n", encoding="utf-8")
    path = write_sav(mini["landing"] / "x.sav", mini_frame(6))
    with pytest.raises(CodebookError, match="crosswalk.csv: source variable Q1: question gender is not in "
                                            "questions.csv"):
        land(mini, path)
    assert path.exists() and not mini["db"].exists()


def test_the_csv_sidecar_labels_are_checked_too(mini):
    path = write_csv(mini["landing"] / "x.csv", mini_frame(6), csv_types(MINI_LAYOUT))
    sidecar = path.with_name("x.labels.json")
    sidecar.write_text(sidecar.read_text(encoding="utf-8").replace('"Arabisch"', '"Turks"'), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        land(mini, path)
    assert [str(p) for p in caught.value.problems] == [
        "x.csv: variable taal, code 3: the export labels code 3 'Turks' (expected 'Arabisch': the label of "
        "harmonised code 3 (questionnaire_language) the crosswalk maps code 3 to)"]


def test_reviewed_synonyms_are_wellformed_and_name_a_real_answer():
    synonyms = pd.read_csv(SEEDS / "label_synonyms.csv", dtype=str, keep_default_na=False)
    answers = pd.read_csv(SEEDS / "answer_sets.csv", dtype=str, keep_default_na=False)
    metingen = set(pd.read_csv(SEEDS / "source_variables.csv", dtype=str)["meting"])
    assert list(synonyms.columns) == ["meting", "answer_set_id", "harmonised_code", "export_label", "note"]
    assert len(synonyms) == 2
    labels = answers.set_index(["answer_set_id", "code"])["label_nl"]
    for row in synonyms.itertuples(index=False):
        assert row.meting in metingen and row.note.strip()
        assert (row.answer_set_id, row.harmonised_code) in labels.index
        # a synonym says something the answer set's label does not already say
        assert normalise(row.export_label) != normalise(labels[(row.answer_set_id, row.harmonised_code)])
