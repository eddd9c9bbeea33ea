"""The real chain in a temporary folder: generated exports, the loader, dbt and the analyses,
materialised by Dagster with the project's own definitions and resources."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from dagster import AssetKey, materialize

pytestmark = pytest.mark.integration


def test_full_chain_materialises_every_asset(workspace, generated, harmonised):
    directory, paths = generated
    workspace["landing"].mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copy2(path, workspace["landing"] / path.name)

    from orchestration.definitions import defs
    from orchestration.resources import default_resources

    assets = list(defs.assets)
    result = materialize(assets, resources=default_resources())
    assert result.success

    materialised = {event.asset_key for event in result.get_asset_materialization_events()}
    for key in (["raw", "export_2024_wi2021_asiel"], ["raw", "export_2023_wi2013_gezin"],
                ["staging", "stg_2024__wi2021_asiel"], ["intermediate", "int_answers"],
                ["marts", "fct_respondent"], ["marts", "mart_route_cohort"],
                ["analysis", "regression_coefficients"]):
        assert AssetKey(key) in materialised, key

    checks = result.get_asset_check_evaluations()
    dbt_checks = [check for check in checks if check.asset_key.path[0] in ("staging", "intermediate", "marts")]
    assert dbt_checks, "dbt tests should surface as asset checks"
    assert all(check.passed for check in dbt_checks), [c.check_name for c in dbt_checks if not c.passed]

    with duckdb.connect(str(workspace["duckdb"]), read_only=True) as con:
        raw_rows = con.execute("select count(*) from raw.export_2024_wi2021_asiel").fetchone()[0]
        facts = dict(con.execute("select meting, count(*) from marts.fct_respondent group by 1").fetchall())
        columns = [row[0] for row in con.execute("describe analysis.regression_coefficients").fetchall()]
        tables = {row[0] for row in con.execute(
            "select distinct report_table from analysis.regression_coefficients where meting = 2024").fetchall()}
    assert raw_rows == 2651
    assert facts == {meting: len(frame) for meting, frame in harmonised.items()}
    assert {"meting", "report_table", "term", "estimate", "std_error", "t_value", "p_value", "stars"} <= set(columns)
    assert {"4.7", "B.2.7", "B.2.14", "B.4.14"} <= tables
