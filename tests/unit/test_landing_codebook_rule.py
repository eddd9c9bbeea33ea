"""No codebook, an incomplete codebook, exports it does not list, and synthetic exports."""

from __future__ import annotations

import os
import time

import pytest
from helpers.landing import (
    MINI_LAYOUT,
    SavSpec,
    Var,
    csv_types,
    land,
    landing_env,
    mini_frame,
    write_codebook,
    write_csv,
    write_sav,
)

from orchestration.codebook import Codebook, code_key, codebook_dir
from orchestration.landing.errors import CodebookError, ValidationError
from orchestration.landing.loader import pending_exports


@pytest.fixture
def env(tmp_path):
    return landing_env(tmp_path, {})


def test_a_missing_codebook_folder_stops_the_load_before_anything_is_touched(env):
    path = write_sav(env["landing"] / "export.sav", mini_frame(5))
    with pytest.raises(CodebookError) as caught:
        land(env, path)
    assert str(caught.value) == (f"{env['codebook']}: codebook folder does not exist; nothing was loaded (expected a "
                                 "folder holding source_variables.csv, crosswalk.csv, questions.csv, answer_sets.csv "
                                 "(--codebook or INBURGERING_CODEBOOK_DIR))")
    assert path.exists() and not (env["landing"] / "quarantine").exists() and not env["db"].exists()


@pytest.mark.parametrize("absent", ["source_variables.csv", "crosswalk.csv", "questions.csv", "answer_sets.csv"])
def test_a_codebook_folder_without_a_required_seed_stops_the_load(env, absent):
    write_codebook(env["codebook"], {(2024, "Wi2021-asiel"): MINI_LAYOUT})
    (env["codebook"] / absent).unlink()
    path = write_sav(env["landing"] / "export.sav", mini_frame(5))
    with pytest.raises(CodebookError, match=f"codebook folder lacks {absent}; nothing was loaded"):
        land(env, path)
    assert path.exists() and not (env["landing"] / "quarantine").exists() and not env["db"].exists()


def test_once_the_codebook_exists_an_export_it_does_not_list_is_refused(env):
    write_codebook(env["codebook"], {(2023, "Wi2013-gezin"): MINI_LAYOUT})
    path = write_sav(env["landing"] / "export.sav", mini_frame(5))
    with pytest.raises(ValidationError, match=r"unknown export: the codebook has no variables for meting 2024 x "
                                              r"questionnaire Wi2021-asiel \(expected an export the codebook "
                                              r"lists \(2023 Wi2013-gezin\)\)"):
        land(env, path)


@pytest.mark.parametrize("synthetic", [False, True])
def test_a_variable_missing_from_the_export_is_refused(env, synthetic):
    layout = {**MINI_LAYOUT, "Q99": Var("not_generated_yet", "categorical", (1, 2))}
    write_codebook(env["codebook"], {(2024, "Wi2021-asiel"): layout})
    path = write_sav(env["landing"] / "export.sav", mini_frame(5), SavSpec(synthetic=synthetic))
    with pytest.raises(ValidationError, match="variable Q99: missing required variable"):
        land(env, path)


def test_synthetic_exports_are_otherwise_held_to_every_rule(env):
    write_codebook(env["codebook"], {(2024, "Wi2021-asiel"): MINI_LAYOUT})
    frame = mini_frame(5).assign(Q99=1.0)
    frame.loc[0, "Q1"] = 7.0
    path = write_csv(env["landing"] / "synthetic.csv", frame, {**csv_types(MINI_LAYOUT), "Q99": "integer"},
                     synthetic=True)
    with pytest.raises(ValidationError) as caught:
        land(env, path)
    assert {p.problem for p in caught.value.problems} == {"unknown variable", "code 7 outside value labels"}


def test_a_broken_codebook_stops_before_any_file(env):
    write_codebook(env["codebook"], {(2024, "Wi2021-asiel"): MINI_LAYOUT})
    (env["codebook"] / "source_variables.csv").write_text("meting,questionnaire\n2024,Wi2021-asiel\n")
    path = write_sav(env["landing"] / "export.sav", mini_frame(5))
    with pytest.raises(CodebookError, match="source_variables.csv: codebook file lacks columns source_variable"):
        land(env, path)
    assert path.exists() and not env["db"].exists()


def test_codebook_folder_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("INBURGERING_CODEBOOK_DIR", str(tmp_path / "cb"))
    assert codebook_dir() == tmp_path / "cb"
    with pytest.raises(CodebookError, match=f"{tmp_path / 'cb'}: codebook folder does not exist"):
        Codebook.load()


def test_codes_are_compared_by_value_not_spelling():
    assert code_key("1") == code_key(1.0) == code_key(" 1 ") == code_key("1.0") == "1"
    assert code_key("-1") == "-1" and code_key("") is None and code_key(float("nan")) is None


def test_pending_exports_are_the_new_sha256s_in_the_landing_folder(env):
    write_codebook(env["codebook"], {(2024, "Wi2021-asiel"): MINI_LAYOUT})
    landed = write_sav(env["landing"] / "landed.sav", mini_frame(5))
    land(env, landed)
    new = write_sav(env["landing"] / "new.sav", mini_frame(5, seed=1))
    write_sav(env["landing"] / "fresh.sav", mini_frame(5, seed=2))
    orphan = write_csv(env["landing"] / "orphan.csv", mini_frame(2), csv_types(MINI_LAYOUT), sidecar=False)
    (env["landing"] / "notes.txt").write_text("not an export")
    old = time.time() - 120
    for path in (landed, new, orphan):
        os.utime(path, (old, old))

    hashes = {}
    pending = pending_exports(env["db"], env["landing"], settle_seconds=30, sidecar_grace_seconds=600, hashes=hashes)
    # landed: known; fresh: still being copied; orphan: waiting for its sidecar; notes.txt: not an export
    assert [p.path.name for p in pending] == ["new.sav"]
    assert set(hashes) == {"landed.sav", "new.sav"}
    assert [p.path.name for p in pending_exports(env["db"], env["landing"])] == ["fresh.sav", "new.sav",
                                                                                  "orphan.csv"]


def test_the_codebook_is_read_again_once_a_file_of_its_folder_changes(env):
    """One reading per process while the folder stays as it is (a run's landing and analyses share
    it); a seed edited, added or removed since is read anew, never answered from the old reading."""
    write_codebook(env["codebook"], {(2024, "Wi2021-asiel"): MINI_LAYOUT})
    first = Codebook.load(env["codebook"])
    assert Codebook.load(env["codebook"]) is first
    assert first.knows(2024, "Wi2021-asiel") and not first.knows(2023, "Wi2013-gezin")

    write_codebook(env["codebook"], {(2023, "Wi2013-gezin"): MINI_LAYOUT})  # same size, new content
    edited = Codebook.load(env["codebook"])
    assert edited.knows(2023, "Wi2013-gezin") and not edited.knows(2024, "Wi2021-asiel")

    (env["codebook"] / "label_synonyms.csv").write_text(
        "meting,answer_set_id,harmonised_code,export_label,note\n", encoding="utf-8")
    assert Codebook.load(env["codebook"]) is not edited
    (env["codebook"] / "crosswalk.csv").unlink()
    with pytest.raises(CodebookError):
        Codebook.load(env["codebook"])
