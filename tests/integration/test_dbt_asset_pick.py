"""A run of some dbt assets only (picked in the Dagster UI) builds those with dbt, whatever the
refresh's record says: the user asked for them, so they are built even when nothing changed."""

from __future__ import annotations

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize

pytestmark = pytest.mark.integration

PICKED = AssetKey(["marts", "mart_weighting_summary"])


def test_a_picked_dbt_asset_is_built_even_when_nothing_changed(warehouse, monkeypatch):
    from orchestration import dbt_state
    from orchestration.assets.dbt import warehouse_dbt_models
    from orchestration.resources import MANIFEST_PATH, default_resources

    monkeypatch.setenv("INBURGERING_DUCKDB_PATH", str(warehouse))
    with duckdb.connect(str(warehouse)) as con:
        # the build recorded as a refresh records it: a refresh now has nothing to do
        dbt_state.record(con, dbt_state.current_inputs(con), MANIFEST_PATH, models_ran=True)
        rows = con.execute("select count(*) from marts.mart_weighting_summary").fetchall()[0][0]
        # a row dbt did not write: only a rebuild of the table removes it
        con.execute("insert into marts.mart_weighting_summary (meting, group_label) values (1900, 'planted')")

    result = materialize([warehouse_dbt_models], selection=[PICKED], resources=default_resources(),
                         instance=DagsterInstance.ephemeral(), raise_on_error=False)

    assert result.success
    assert [event.asset_key for event in result.get_asset_materialization_events()] == [PICKED]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.mart_weighting_summary").fetchall()[0][0] == rows > 0
        assert con.execute("select count(*) from marts.mart_weighting_summary "
                           "where group_label = 'planted'").fetchall() == [(0,)]
    # dbt ran the picked model's tests too, as asset checks of it
    checks = result.get_asset_check_evaluations()
    assert checks and {check.asset_key for check in checks} == {PICKED}
    assert all(check.passed for check in checks)
