"""`inburgering load`, `history` and `log` as an engineer uses them."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest
from helpers.landing import (
    fingerprint,
    load_log,
    mini_frame,
    write_manifest,
    write_sav,
)
from typer.testing import CliRunner

from orchestration.cli import app

pytestmark = pytest.mark.integration


def _run(*args):
    return CliRunner().invoke(app, list(map(str, args)))


def test_load_then_load_again_then_replace_then_history(cli_env):
    v1 = write_sav(cli_env["landing"] / "v1.sav", mini_frame(5))
    v2 = write_sav(cli_env["landing"] / "v2.sav", mini_frame(6, seed=1))

    first = _run("load", cli_env["landing"])  # a folder: every export in it
    assert first.exit_code == 1, "v1 lands; v2 is a different version of the same export"
    assert "loaded" in first.output and "quarantined" in first.output
    assert "v2.sav" in first.output and "--replace" in first.output
    v2 = cli_env["landing"] / "quarantine" / "v2.sav"  # set aside at once: no later run trips over it

    again = _run("load", v1)
    assert again.exit_code == 0 and "unchanged" in again.output and "nothing to do" in again.output

    replaced = _run("load", "--replace", v2)
    assert replaced.exit_code == 0 and "replaced" in replaced.output

    history = _run("history")
    assert history.exit_code == 0
    assert "replaced by load 2" in history.output
    assert "raw_history.export_2024_wi2021_asiel__load_1" in history.output

    out = cli_env["outputs"] / "v1.csv"
    cli_env["outputs"].mkdir(parents=True)
    exported = _run("history", "--load-id", 1, "--out", out)
    assert exported.exit_code == 0 and len(out.read_text(encoding="utf-8").splitlines()) == 1 + 5

    log = _run("log")
    assert log.exit_code == 0
    for status in ("loaded", "quarantined", "unchanged", "replaced"):
        assert status in log.output


def test_a_bad_export_prints_every_problem_and_exits_non_zero(cli_env):
    frame = mini_frame(5).drop(columns=["Q2"]).assign(Q99=1.0)
    frame.loc[0, "Q1"] = 7.0
    bad = write_sav(cli_env["landing"] / "bad.sav", frame)
    result = _run("load", bad)
    assert result.exit_code == 1
    assert "3 problem(s): not landed" in result.output
    for text in ("unknown variable", "missing required variable", "code 7 outside value labels", "row 1"):
        assert text in result.output
    assert (cli_env["landing"] / "quarantine" / "bad.sav.reason.txt").exists()


def test_history_and_log_on_an_empty_warehouse(cli_env):
    assert "nothing landed yet" in _run("history").output
    assert "no landing attempts yet" in _run("log").output


def _iris(path, meting, questionnaire):
    """A third-party SPSS file (no provenance of its own) with a manifest that claims an export."""
    frame = pd.DataFrame({"sepal_length": [5.1, 4.9, 6.3], "species": [1.0, 1.0, 3.0]})
    path.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"species": {1: "setosa", 3: "virginica"}})
    write_manifest(path, meting=meting, questionnaire=questionnaire)
    return path


def test_a_mistyped_codebook_folder_refuses_the_load_and_replaces_nothing(cli_env, tmp_path):
    real = write_sav(cli_env["landing"] / "real.sav", mini_frame(5))
    assert _run("load", real).exit_code == 0
    before = fingerprint(cli_env["duckdb"])
    iris = _iris(cli_env["landing"] / "iris.sav", 2024, "Wi2021-asiel")

    nowhere = tmp_path / "nowhere"
    result = _run("load", "--codebook", nowhere, "--replace", iris)
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert f"{nowhere}" in said and "codebook folder does not exist; nothing was loaded" in said
    assert fingerprint(cli_env["duckdb"]) == before
    assert iris.exists() and not (cli_env["landing"] / "quarantine").exists()
    assert load_log(cli_env["duckdb"])["status"].tolist() == ["loaded"], "nothing was even attempted"

    # with the right codebook the same file is refused for what it is: not this export
    refused = _run("load", "--replace", iris)
    assert refused.exit_code == 1
    assert "unknown variable" in refused.output and "missing required variable" in refused.output
    assert fingerprint(cli_env["duckdb"]) == before


def test_a_foreign_export_of_a_meting_the_codebook_does_not_know_is_refused(cli_env):
    iris = _iris(cli_env["landing"] / "iris.sav", 2031, "Wi2021-asiel")
    result = _run("load", iris)
    assert result.exit_code == 1
    assert "unknown export: the codebook has no variables for meting 2031 x questionnaire Wi2021-asiel" in \
        " ".join(result.output.split())
    assert load_log(cli_env["duckdb"])["status"].tolist() == ["quarantined"]


def test_build_without_a_pseudonym_key_stops_before_anything_runs(cli_env, monkeypatch):
    monkeypatch.delenv("INBURGERING_DEMO", raising=False)
    monkeypatch.delenv("INBURGERING_PSEUDONYM_KEY", raising=False)
    result = _run("build")
    assert result.exit_code == 1
    assert "not built: INBURGERING_PSEUDONYM_KEY is not set: no build without the pseudonym key" in \
        " ".join(result.output.split())
    assert not cli_env["duckdb"].exists()
