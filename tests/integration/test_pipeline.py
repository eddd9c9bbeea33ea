"""The real chain in a temporary folder: generator, loader, dbt, Dagster, statsmodels."""

from __future__ import annotations

import duckdb
import pytest
from dagster import AssetKey, materialize

from orchestration.synthetic import skeleton

pytestmark = pytest.mark.integration


def test_full_chain_materialises_every_asset(workspace):
    skeleton.generate(workspace["landing"], seed=2024)

    from orchestration.assets.analysis import regressions
    from orchestration.assets.dbt import warehouse_dbt_models
    from orchestration.assets.landing import land_raw_exports
    from orchestration.resources import default_resources

    result = materialize(
        [land_raw_exports, warehouse_dbt_models, regressions], resources=default_resources()
    )
    assert result.success

    materialised = {event.asset_key for event in result.get_asset_materialization_events()}
    for key in (["raw", "export_2024_wi2021_asiel"], ["staging", "stg_2024__wi2021_asiel"],
                ["marts", "fct_respondent"], ["analysis", "regression_coefficients"]):
        assert AssetKey(key) in materialised

    checks = result.get_asset_check_evaluations()
    assert checks, "dbt tests should surface as asset checks"
    assert all(check.passed for check in checks), [c.check_name for c in checks if not c.passed]

    with duckdb.connect(str(workspace["duckdb"]), read_only=True) as con:
        raw_rows = con.execute("select count(*) from raw.export_2024_wi2021_asiel").fetchone()[0]
        fact_rows = con.execute("select count(*) from marts.fct_respondent").fetchone()[0]
        terms = [row[0] for row in con.execute(
            "select term from analysis.regression_coefficients order by term").fetchall()]
        columns = [row[0] for row in con.execute("describe analysis.regression_coefficients").fetchall()]
        model_n = con.execute("select n from analysis.regression_models").fetchone()[0]
    assert raw_rows == fact_rows == skeleton.N_RESPONDENTS
    assert terms == sorted(["Constante", "Leeftijd", "Geslacht (vrouw)", "Gezondheid",
                            "Leerroute: B1", "Leerroute: O", "Cohort 1"])
    assert columns[:3] == ["meting", "group_label", "model"]
    assert {"estimate", "std_error", "t_value", "p_value", "stars"} <= set(columns)
    assert 0 < model_n < skeleton.N_RESPONDENTS  # complete cases only
