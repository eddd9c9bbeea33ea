"""The command line says what is wrong in one message, never a traceback, and shows data as it is."""

from __future__ import annotations

import pytest
from helpers.landing import MINI_LAYOUT, csv_types, mini_frame, write_csv, write_sav
from typer.testing import CliRunner

from orchestration.cli import app

pytestmark = pytest.mark.integration

def _run(*args):
    return CliRunner().invoke(app, list(map(str, args)))


def _no_traceback(result):
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)


def test_generate_names_the_metingen_it_knows(cli_env):
    result = _run("generate", "--meting", 2031, "--out", cli_env["landing"])
    assert result.exit_code == 2
    assert "2031: the generator knows metingen 2023, 2024" in " ".join(result.output.split())
    _no_traceback(result)
    assert not cli_env["landing"].exists(), "nothing was written"


def test_build_refuses_a_log_level_it_does_not_know_before_doing_anything(cli_env):
    result = _run("build", "--log-level", "LOUD")
    assert result.exit_code == 2
    assert "LOUD: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL" in " ".join(result.output.split())
    _no_traceback(result)
    assert not cli_env["duckdb"].exists()


def test_a_bad_wait_in_the_environment_is_named(cli_env, monkeypatch):
    monkeypatch.setenv("INBURGERING_WAIT_SECONDS", "a while")
    result = _run("history")
    assert result.exit_code == 1
    assert "INBURGERING_WAIT_SECONDS='a while': expected a number of seconds" in result.output
    _no_traceback(result)


@pytest.mark.parametrize(("command", "flag", "help_starts"), [
    ("load", "--replace", "Replace"), ("generate", "--report", "Also"), ("docs", "--no-serve", "Serve")])
def test_flags_show_as_flags_in_the_help(cli_env, command, flag, help_starts):
    result = _run(command, "--help")
    assert result.exit_code == 0
    [line] = [line for line in result.output.splitlines() if f"{flag} " in line]
    assert "<bool>" not in line
    assert line.split(flag)[1].split()[0] == help_starts


@pytest.mark.parametrize("command", ["history", "log"])
def test_reading_a_busy_warehouse_says_who_holds_it(cli_env, hold_warehouse, command):
    write_sav(cli_env["landing"] / "v1.sav", mini_frame(5))
    assert _run("load", cli_env["landing"] / "v1.sav").exit_code == 0
    holder = hold_warehouse(cli_env["duckdb"], 60, "dbt build")
    result = _run(command, "--wait", 1)
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "warehouse busy:" in text
    assert f"PID {holder.pid} (holder-of-the-warehouse: dbt build, since " in text
    assert "not released within 1s" in text
    _no_traceback(result)


def test_markup_in_file_names_tokens_and_headers_is_shown_as_it_is(cli_env):
    good_name = "v[bold red]1.sav"  # a file name cannot hold the '/' of a closing tag; tokens can
    frame = mini_frame(3)
    frame["token"] = [f"[/]{token}" for token in frame["token"]]
    write_sav(cli_env["landing"] / good_name, frame)
    loaded = _run("load", cli_env["landing"] / good_name)
    assert loaded.exit_code == 0, loaded.output
    assert good_name in loaded.output

    history = _run("history")
    assert history.exit_code == 0 and good_name in history.output

    bad_name = "bad[red].csv"
    bad = mini_frame(3, seed=1).rename(columns={"Q2": "Q[bold]9"})
    bad.loc[1, "token"] = bad.loc[0, "token"] = "[bold red]T1[/]"
    types = {**csv_types(MINI_LAYOUT), "Q[bold]9": "integer"}
    write_csv(cli_env["landing"] / bad_name, bad, types)
    refused = _run("load", cli_env["landing"] / bad_name)
    assert refused.exit_code == 1
    assert bad_name in refused.output and "Q[bold]9" in refused.output and "[bold red]T1[/]" in refused.output
    _no_traceback(refused)

    log = _run("log")
    assert log.exit_code == 0, log.output
    assert good_name in log.output and bad_name in log.output and "Q[bold]9" in log.output
