"""The codebook draft on two waves built by hand (waves.py), against the truth typed there.

Wave A is 2024's Wi2021-asiel export as a 2025 wave: every variable renamed, six 5-point
scales reversed, nine questions re-worded, five dropped, four added, three answer labels
re-worded. Wave B is 2023's export (its own numbering, coding and wording) as a 2025 wave,
drafted against a codebook that has never seen 2023.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from codebook_draft.waves import (
    NEW,
    QUESTIONNAIRE,
    SEEDS,
    add_new_questions,
    build_wave_a,
    build_wave_b,
    codebook_without,
    decide,
    reviewed_copy,
    score,
)
from orchestration.codebook import Codebook
from orchestration.codebook_draft.apply import DraftRefused, apply_review
from orchestration.codebook_draft.matching import _reversed
from orchestration.codebook_draft.review import make_draft, write_review

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wave_a(generated, tmp_path_factory):
    directory, _ = generated
    return build_wave_a(directory, tmp_path_factory.mktemp("wave_a"))


@pytest.fixture(scope="module")
def draft_a(wave_a):
    return make_draft(wave_a.path, NEW, QUESTIONNAIRE, Codebook.load(SEEDS))


def test_wave_a_no_wrong_mapping_and_unchanged_questions_matched(wave_a, draft_a):
    result = score(wave_a, draft_a.matches)
    wrong = {m.variable.name: (m.question_id, wave_a.truth[m.variable.name]) for m in draft_a.matches
             if m.status == "matched" and m.question_id != wave_a.truth[m.variable.name]}
    assert wrong == {}
    assert result.unchanged == 97 and result.unchanged_matched / result.unchanged >= 0.9
    print(f"wave A: precision {result.precision:.3f}, recall {result.recall:.3f} "
          f"({result.correct} of {result.existing}), unchanged {result.unchanged_matched} of {result.unchanged}")


def test_wave_a_every_reversed_scale_detected_and_no_other(wave_a, draft_a):
    reversed_now = {m.variable.name for m in draft_a.matches if m.scale == "reversed"}
    assert reversed_now == wave_a.reversed and len(reversed_now) == 6
    # and each is a change against 2024, where the scales ran as the harmonised codes
    assert all(m.coding_changed for m in draft_a.matches if m.variable.name in wave_a.reversed)
    summary = draft_a.summary()
    assert {s["source_variable"] for s in summary["scales"] if s["scale"] == "reversed"} == wave_a.reversed


def test_wave_a_lists_every_new_and_dropped_question(wave_a, draft_a):
    summary = draft_a.summary()
    assert {entry["source_variable"] for entry in summary["new"]} == wave_a.new
    assert {entry["question_id"] for entry in summary["no_longer_asked"]} == wave_a.dropped
    assert len(wave_a.dropped) == 5


def test_wave_a_reworded_answer_labels(wave_a, draft_a):
    by_name = {m.variable.name: m for m in draft_a.matches}
    health = next(name for name, q in wave_a.truth.items() if q == "health_self_rated")
    # 'Zeer goed' is a synonym reviewed for 2024: taken, and drafted as a 2025 synonym row
    assert {c.label: c.how for c in by_name[health].codes}["Zeer goed"] == "synonym of meting 2024"
    synonyms = draft_a.rows()["label_synonyms"]
    assert {(r["answer_set_id"], r["harmonised_code"], r["export_label"]) for r in synonyms} == {
        ("health_5", "1", "Zeer goed"), ("health_5", "5", "Zeer slecht")}
    # 'Zeer ontevreden' was never reviewed: a person decides, the variable has no draft rows yet
    open_codes = [item for item in draft_a.open_items() if item["source_code"]]
    assert [(item["export_label"], item["issue"]) for item in open_codes] == [("Zeer ontevreden", "unmatched")]
    drafted = {r["source_variable"] for r in draft_a.rows()["source_variables"]}
    assert open_codes[0]["source_variable"] not in drafted


def test_wave_b_from_2023_numbering(generated, tmp_path):
    directory, _ = generated
    wave = build_wave_b(directory, tmp_path)
    codebook = Codebook.load(codebook_without(2023, tmp_path / "codebook"))
    draft = make_draft(wave.path, NEW, QUESTIONNAIRE, codebook)
    result = score(wave, draft.matches)
    assert result.correct == result.automatic  # no wrong mapping
    assert result.unchanged_matched / result.unchanged >= 0.9
    # every code of a drafted variable as 2023's own crosswalk has it, reversed flags too
    seeds = Codebook.load(SEEDS)
    truth = seeds.code_map(2023, QUESTIONNAIRE)
    expected = {(r.source_variable, str(r.source_code), r.question_id, str(r.harmonised_code), r.missing_type)
                for r in truth.itertuples(index=False)}
    drafted = {tuple(row[c] for c in ("source_variable", "source_code", "question_id", "harmonised_code",
                                      "missing_type")) for row in draft.rows()["crosswalk"]}
    assert drafted <= expected and len(drafted) > 300
    layout = seeds.layout(2023, QUESTIONNAIRE).set_index("source_variable")["reversed"]
    assert all((row["reversed"] == "true") == layout[row["source_variable"]]
               for row in draft.rows()["source_variables"])
    # V36r3 ("... hoe ik een studie kan vinden") is as close to the question of V36r2 ("... hoe ik
    # werk kan vinden", same text as 2024) as to its own: listed with both, not taken
    by_name = {m.variable.name: m for m in draft.matches}
    assert by_name["V36r3"].status == "ambiguous"
    assert [c.question_id for c in by_name["V36r3"].candidates] == ["municipality_explained_work",
                                                                   "municipality_explained_study"]
    assert "V36r2's match" in by_name["V36r3"].evidence
    detected = {m.variable.name for m in draft.matches if m.scale == "reversed"}
    assert detected == wave.reversed - {"V36r3"} and len(detected) == 24
    listed = {entry["question_id"] for entry in draft.summary()["no_longer_asked"]}
    assert wave.dropped <= listed
    print(f"wave B: precision {result.precision:.3f}, recall {result.recall:.3f} ({result.correct} of "
          f"{result.existing}), unchanged {result.unchanged_matched} of {result.unchanged}, reversed "
          f"{len(detected)} of {len(wave.reversed)}, code rows {len(drafted)} all right")


@pytest.fixture(scope="module")
def codebook_2024_only(tmp_path_factory):
    return Codebook.load(codebook_without(2023, tmp_path_factory.mktemp("codebook") / "codebook"))


@pytest.mark.parametrize("questionnaire", ["Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin"])
def test_every_2023_export_as_a_new_wave_makes_no_wrong_mapping(generated, codebook_2024_only, questionnaire,
                                                                 tmp_path):
    """2023's exports, as they are, against a codebook that knows only 2024: whatever is matched is right."""
    import pyreadstat

    directory, _ = generated
    data, meta = pyreadstat.read_sav(str(directory / f"perspectief_2023_{questionnaire.lower().replace('-', '_')}.sav"),
                                     user_missing=True)
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(data, str(path), column_labels=dict(zip(meta.column_names, meta.column_labels)),
                         variable_value_labels=meta.variable_value_labels, missing_ranges=meta.missing_ranges or None,
                         note=[f"meting={NEW}", f"questionnaire={questionnaire}"])
    draft = make_draft(path, NEW, questionnaire, codebook_2024_only)
    truth = Codebook.load(SEEDS).layout(2023, questionnaire).set_index("source_variable")["question_id"]
    matched = {m.variable.name: m.question_id for m in draft.matches if m.status == "matched"}
    assert {name: question for name, question in matched.items() if truth[name] != question} == {}
    assert len(matched) >= 0.9 * len(truth)
    # what is not matched is listed for a person
    assert {item["source_variable"] for item in draft.open_items()} == set(truth.index) - set(matched)


def test_csv_form_drafts_the_same(wave_a, draft_a, tmp_path):
    import pyreadstat

    from orchestration.synthetic.exports import write_csv
    from orchestration.synthetic.sav import SavExport

    data, meta = pyreadstat.read_sav(str(wave_a.path), user_missing=True)
    export = SavExport(data, NEW, QUESTIONNAIRE, dict(zip(meta.column_names, meta.column_labels)),
                       {k: {int(c): v for c, v in vl.items()} for k, vl in meta.variable_value_labels.items()})
    path = write_csv(export, tmp_path / "wave_a.csv")
    from_csv = make_draft(path, NEW, QUESTIONNAIRE, Codebook.load(SEEDS))
    assert [(m.variable.name, m.status, m.question_id, m.scale) for m in from_csv.matches] == \
        [(m.variable.name, m.status, m.question_id, m.scale) for m in draft_a.matches]
    # reviewed, applied to a copy of the codebook and landed from the CSV, label check included
    from orchestration.landing.loader import land_files

    codebook, folder = tmp_path / "codebook", tmp_path / "review"
    shutil.copytree(SEEDS, codebook)
    write_review(from_csv, folder)
    add_new_questions(codebook)
    decide(folder, wave_a)
    assert apply_review(folder, codebook)["crosswalk"] > 0
    outcomes = land_files(tmp_path / "warehouse.duckdb", [path], landing_dir=tmp_path / "landing",
                          codebook_dir=codebook)
    assert [(o.status, o.rows) for o in outcomes] == [("loaded", len(data))]


def test_a_wave_the_export_says_is_another_is_refused(wave_a):
    from orchestration.landing.errors import ExportError

    with pytest.raises(ExportError, match="the export says meting '2025'"):
        make_draft(wave_a.path, 2026, QUESTIONNAIRE, Codebook.load(SEEDS))


def test_apply_refuses_until_reviewed_then_appends_and_lands(wave_a, tmp_path, monkeypatch):
    codebook = tmp_path / "codebook"
    shutil.copytree(SEEDS, codebook)
    folder = tmp_path / "review"
    write_review(make_draft(wave_a.path, NEW, QUESTIONNAIRE, Codebook.load(codebook)), folder)
    report = json.loads((folder / "review.json").read_text(encoding="utf-8"))
    assert len(report["unresolved"]) == 5 and "## New in this wave (4)" in (folder / "review.md").read_text()
    before = {p.name: p.read_bytes() for p in codebook.glob("*.csv")}

    with pytest.raises(DraftRefused) as refused:
        apply_review(folder, codebook)
    assert len(refused.value.reasons) == 5 and "W25_N1: new is not decided" in refused.value.reasons[1]
    assert {p.name: p.read_bytes() for p in codebook.glob("*.csv")} == before  # nothing written

    add_new_questions(codebook)
    assert decide(folder, wave_a) == 5
    added = apply_review(folder, codebook)
    assert added["source_variables"] == len(wave_a.truth) == 110
    assert added["question_availability"] == 110 and added["label_synonyms"] == 3
    layout = Codebook.load(codebook).layout(NEW, QUESTIONNAIRE)
    assert dict(zip(layout["source_variable"], layout["question_id"])) == {
        name: question or next(r["question_id"] for v, r in _new_rows().items() if v == name)
        for name, question in wave_a.truth.items()}
    assert set(layout.loc[layout["reversed"], "source_variable"]) == wave_a.reversed

    with pytest.raises(DraftRefused, match="already has rows for meting 2025"):
        apply_review(folder, codebook)

    # the real loader lands the wave; its label check accepts the applied rows
    from orchestration.landing.loader import land_files

    database = tmp_path / "warehouse.duckdb"
    outcomes = land_files(database, [wave_a.path], landing_dir=tmp_path / "landing", codebook_dir=codebook)
    assert [o.status for o in outcomes] == ["loaded"]


def test_the_label_check_refuses_the_applied_wave_with_a_reversed_scale_unmarked(wave_a, tmp_path):
    """The check the landing holds the applied rows to, broken once: the crosswalk of one reversed
    scale put back as 2024's (source = harmonised) is refused."""
    from orchestration.landing.errors import LandingError
    from orchestration.landing.loader import land_files

    codebook, folder = reviewed_copy(wave_a, tmp_path)
    apply_review(folder, codebook)
    crosswalk = pd.read_csv(codebook / "crosswalk.csv", dtype=str, keep_default_na=False)
    health = next(name for name, q in wave_a.truth.items() if q == "health_self_rated")
    rows = (crosswalk["meting"] == str(NEW)) & (crosswalk["source_variable"] == health) & \
        (crosswalk["missing_type"] == "")
    crosswalk.loc[rows, "harmonised_code"] = crosswalk.loc[rows, "source_code"]
    crosswalk.to_csv(codebook / "crosswalk.csv", index=False, lineterminator="\n")
    with pytest.raises(LandingError, match="the export labels code 1 'Zeer slecht'"):
        land_files(tmp_path / "warehouse.duckdb", [wave_a.path], landing_dir=tmp_path / "landing",
                   codebook_dir=codebook)


def test_command_line(wave_a, tmp_path):
    from orchestration.cli import app

    folder = tmp_path / "review"
    seeds_before = {p.name: p.read_bytes() for p in SEEDS.iterdir()}
    runner = CliRunner()
    result = runner.invoke(app, ["codebook", "draft", str(wave_a.path), "--meting", str(NEW), "--questionnaire",
                                 QUESTIONNAIRE, "--out", str(folder), "--codebook", str(SEEDS)])
    assert result.exit_code == 0, result.output
    assert "106 of 110 variables matched (9 re-worded), 6 coded differently from meting 2024 (6 reversed), 4 new, " \
        "5 no longer asked, 5 to decide" in result.output
    assert {p.name: p.read_bytes() for p in SEEDS.iterdir()} == seeds_before  # a draft writes no seed
    assert sorted(p.name for p in folder.iterdir()) == [
        "crosswalk.csv", "decisions.csv", "label_synonyms.csv", "question_availability.csv", "review.json",
        "review.md", "source_variables.csv"]
    codebook = tmp_path / "codebook"
    shutil.copytree(SEEDS, codebook)
    refused = runner.invoke(app, ["codebook", "draft", "--apply", str(folder), "--codebook", str(codebook)])
    assert refused.exit_code == 1 and "not applied" in refused.output


@pytest.mark.parametrize("pairs, expected", [
    ([(1, 5), (2, 4), (3, 3), (4, 2), (5, 1)], True),
    ([(1, 5), (2, 4), (3, 3), (4, 2), (5, 1), (7, 6)], True),  # 'niet van toepassing' after the scale
    ([(1, 3), (2, 2), (3, 1), (4, 5), (5, 4)], False),  # 2023's alphabetical languages: renumbered only
    ([(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)], False),
    ([(1, 2), (2, 1)], False),  # two answers are no scale
])
def test_reversed_scales(pairs, expected):
    assert _reversed(pairs) is expected


def _new_rows():
    from codebook_draft.waves import NEW_QUESTIONS_A

    return NEW_QUESTIONS_A


def test_apply_refuses_a_decision_that_resolves_nothing(wave_a, tmp_path):
    codebook, folder = reviewed_copy(wave_a, tmp_path)
    decisions = pd.read_csv(folder / "decisions.csv", dtype=str, keep_default_na=False)
    decisions.loc[decisions["source_variable"] == "W25_N1", "decision"] = "no_such_question"
    decisions.loc[decisions["export_label"] == "Zeer ontevreden", "decision"] = "eén"
    decisions.to_csv(folder / "decisions.csv", index=False, lineterminator="\n")
    before = {p.name: p.read_bytes() for p in codebook.glob("*.csv")}
    with pytest.raises(DraftRefused) as refused:
        apply_review(folder, codebook)
    assert refused.value.reasons == ["W25_061 code 1: decision 'eén' is not a harmonised code (a whole number)"]
    decisions.loc[decisions["export_label"] == "Zeer ontevreden", "decision"] = "1"
    decisions.to_csv(folder / "decisions.csv", index=False, lineterminator="\n")
    with pytest.raises(DraftRefused) as refused:
        apply_review(folder, codebook)
    assert refused.value.reasons == ["W25_N1: still new after the decisions "
                                     "(decided question 'no_such_question' is not in questions.csv)"]
    assert {p.name: p.read_bytes() for p in codebook.glob("*.csv")} == before


def test_apply_refuses_an_export_changed_since_the_draft(wave_a, tmp_path):
    export, codebook = tmp_path / "wave.sav", tmp_path / "codebook"
    shutil.copy2(wave_a.path, export)
    shutil.copytree(SEEDS, codebook)
    folder = tmp_path / "review"
    write_review(make_draft(export, NEW, QUESTIONNAIRE, Codebook.load(codebook)), folder)
    with export.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(DraftRefused, match="changed since the draft"):
        apply_review(folder, codebook)


def test_drafting_again_keeps_the_decisions_and_lists_what_they_leave_open(wave_a, tmp_path):
    from orchestration.cli import app

    codebook, folder = tmp_path / "codebook", tmp_path / "review"
    shutil.copytree(SEEDS, codebook)
    arguments = ["codebook", "draft", str(wave_a.path), "--meting", str(NEW), "--questionnaire", QUESTIONNAIRE,
                 "--out", str(folder), "--codebook", str(codebook)]
    runner = CliRunner()
    assert runner.invoke(app, arguments).exit_code == 0
    add_new_questions(codebook)
    assert decide(folder, wave_a) == 5
    # the reviewer takes W25_N3 for the question of self-rated Dutch, which another variable asks
    decisions = pd.read_csv(folder / "decisions.csv", dtype=str, keep_default_na=False)
    decisions.loc[decisions["source_variable"] == "W25_N3", "decision"] = "dutch_level_self_rated"
    decisions.to_csv(folder / "decisions.csv", index=False, lineterminator="\n")
    assert runner.invoke(app, arguments).exit_code == 0
    again = pd.read_csv(folder / "decisions.csv", dtype=str, keep_default_na=False)
    assert again.iloc[:5].equals(decisions)  # the decisions are kept as they were
    dutch = next(name for name, question in wave_a.truth.items() if question == "dutch_level_self_rated")
    follow_up = again.iloc[5:]
    assert follow_up[["source_variable", "issue", "decision"]].values.tolist() == [[dutch, "ambiguous", ""]]
    assert f"{dutch}, W25_N3 all match dutch_level_self_rated" in follow_up["evidence"].iloc[0]
    refused = runner.invoke(app, ["codebook", "draft", "--apply", str(folder), "--codebook", str(codebook)])
    assert refused.exit_code == 1 and f"{dutch}: ambiguous is not decided" in refused.output
    # deciding it as well does not make two variables of one question
    again.loc[again["source_variable"] == dutch, "decision"] = "dutch_level_self_rated"
    again.to_csv(folder / "decisions.csv", index=False, lineterminator="\n")
    with pytest.raises(DraftRefused) as conflict:
        apply_review(folder, codebook)
    assert sorted(conflict.value.reasons) == sorted(
        f"{name}: still ambiguous after the decisions ({dutch}, W25_N3 all match dutch_level_self_rated: "
        "decided in the review)" for name in (dutch, "W25_N3"))


@pytest.mark.parametrize("failing", ["writing beside", "moving in"])
def test_apply_changes_every_seed_or_none(wave_a, tmp_path, monkeypatch, failing):
    """The second seed's file cannot be written, or cannot be moved in after the first was: no
    seed changes, nothing is left beside them, and applying again works."""
    import os

    from orchestration.codebook_draft import apply as applying

    codebook, folder = reviewed_copy(wave_a, tmp_path)
    before = {p.name: p.read_bytes() for p in codebook.iterdir()}
    calls = []

    def fail_second(real):
        def wrapped(*args):
            calls.append(os.path.basename(args[-1] if failing == "moving in" else args[0]))
            if len(calls) == 2:
                raise OSError(28, "No space left on device")
            return real(*args)
        return wrapped

    if failing == "moving in":
        monkeypatch.setattr(os, "replace", fail_second(os.replace))
    else:
        monkeypatch.setattr(applying, "_stage", fail_second(applying._stage))
    with pytest.raises(DraftRefused, match=r"writing the seeds failed \(\[Errno 28\] No space left on device\); "
                                           "no seed was changed"):
        apply_review(folder, codebook)
    assert calls[:2] == ["source_variables.csv", "crosswalk.csv"]  # the first had been written (and moved in)
    assert {p.name: p.read_bytes() for p in codebook.iterdir()} == before
    assert not (folder / "applied.json").exists()

    monkeypatch.undo()
    added = apply_review(folder, codebook)
    assert (added["source_variables"], added["question_availability"], added["label_synonyms"]) == (110, 110, 3)
    assert sorted(p.name for p in codebook.iterdir()) == sorted(before)
