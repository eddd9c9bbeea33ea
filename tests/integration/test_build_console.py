"""`inburgering build`: builds the whole chain, waits its turn for the warehouse, shows stages,
keeps dbt's lines in a log file, and fails naming every failed step and ERROR check."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    Definitions,
    asset,
    asset_check,
    define_asset_job,
)
from rich.console import Console

from orchestration.build import print_outcome, run_build

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.first]


# what Dagster's execution plan logs for a blocking check without a result (a dbt test of a model
# the refresh did not rebuild)
UNGATED = "Blocking asset check 'marts/tiny:kept' emitted no result in step 'marts__tiny'"


@asset(key=AssetKey(["marts", "tiny"]))
def tiny():
    print("1 of 1 OK created sql table model marts.tiny")  # as dagster-dbt writes dbt's lines
    logging.getLogger("dagster._core.execution.plan.active").warning(UNGATED)
    return 2


@asset_check(asset=tiny, description="The tiny table holds two rows.")
def holds_three_rows():
    return AssetCheckResult(passed=False)


@asset_check(asset=tiny, description="Only a warning.")
def soft_rule():
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN)


@asset(key=AssetKey(["analysis", "broken"]), deps=[tiny])
def broken():
    raise ValueError("the analysis cannot run")


def test_a_failed_error_check_and_a_failed_step_fail_the_build_naming_each(tmp_path, monkeypatch, capfd):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    defs = Definitions(assets=[tiny, broken], asset_checks=[holds_three_rows, soft_rule],
                       jobs=[define_asset_job("refresh_warehouse")])
    screen = io.StringIO()
    console = Console(file=screen, width=200)
    outcome = run_build(defs, "refresh_warehouse", tmp_path / "w.duckdb", "CRITICAL", console)
    print_outcome(outcome, console)
    text = screen.getvalue()

    assert not outcome.success
    assert [check.name for check in outcome.errors] == ["marts/tiny:holds_three_rows"]
    assert [step for step, _ in outcome.failed_steps] == ["analysis__broken"]
    assert "failed check marts/tiny:holds_three_rows: The tiny table holds two rows." in text
    assert "warning marts/tiny:soft_rule: Only a warning." in text
    assert "failed analysis__broken: ValueError: the analysis cannot run" in text
    assert "0 of 2 asset checks passed; 1 of ERROR severity failed" in text
    assert outcome.log_path.parent == tmp_path / "logs"
    assert f"log: {outcome.log_path}" in text
    log = outcome.log_path.read_text(encoding="utf-8")
    assert "1 of 1 OK created sql table model marts.tiny" in log and "1 of 1 OK created" not in text
    assert "STEP_FAILURE" in log
    # Dagster's line per ungated check goes to the log, not to the terminal
    assert UNGATED in log and UNGATED not in text and UNGATED not in "".join(capfd.readouterr())


def test_a_build_waits_for_another_writer_then_succeeds(full_build, harmonised):
    """The real command in its own process, the real build, while another process holds the
    warehouse; the holder ends once the build has said it waits for it (the session's whole
    chain, tests/conftest.py: the loader, dbt, the analyses, the report and the snapshot,
    materialised by Dagster with the project's own definitions and resources): every asset of
    the project is materialised, and the marts hold what the exports hold."""
    waited, output = " ".join(full_build["before_waiting"].split()), full_build["output"]

    assert f"PID {full_build['holder_pid']} (holder-of-the-warehouse: dbt build, since " in waited, waited
    assert full_build["returncode"] == 0, output[-5000:]
    from orchestration.definitions import defs

    checks = len(defs.resolve_asset_graph().asset_check_keys)  # every check of the refresh job ran and passed
    assert f"{checks} of {checks} asset checks passed" in output
    assert len(output.splitlines()) < 60, "a stage summary, not dbt's per-node lines"
    database = Path(full_build["duckdb"])
    [log_path] = (database.parent / "logs").glob("build-*.log")
    assert f"log: {log_path}" in " ".join(output.split())
    assert "OK created sql table model marts.fct_respondent" in log_path.read_text(encoding="utf-8")
    assert full_build["jobs"] == ["refresh_warehouse"]
    materialised = {AssetKey(key.split("/")) for key in full_build["materialised"]}
    assert materialised == set(defs.resolve_asset_graph().get_all_asset_keys())
    for key in (["raw", "export_2024_wi2021_asiel"], ["raw", "export_2023_wi2013_gezin"],
                ["staging", "stg_2024__wi2021_asiel"], ["intermediate", "int_answers"],
                ["marts", "fct_respondent"], ["marts", "mart_route_cohort"],
                ["analysis", "regression_coefficients"], ["published", "snapshot"]):
        assert AssetKey(key) in materialised, key

    with duckdb.connect(str(database), read_only=True) as con:
        raw_rows = con.execute("select count(*) from raw.export_2024_wi2021_asiel").fetchone()[0]
        facts = dict(con.execute("select meting, count(*) from marts.fct_respondent group by 1").fetchall())
        columns = [row[0] for row in con.execute("describe analysis.regression_coefficients").fetchall()]
        tables = {row[0] for row in con.execute(
            "select distinct report_table from analysis.regression_coefficients where meting = 2024").fetchall()}
    assert raw_rows == 2651
    assert facts == {meting: len(frame) for meting, frame in harmonised.items()}
    assert {"meting", "report_table", "term", "estimate", "std_error", "t_value", "p_value", "stars"} <= set(columns)
    assert {"4.7", "B.2.7", "B.2.14", "B.4.14"} <= tables
