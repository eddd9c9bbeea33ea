"""An analysis asset skips when nothing it reads changed (orchestration.analysis.incremental)."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration import dbt_state
from orchestration.analysis import incremental


def _record_build(con, tmp_path, models_ran: bool) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"nodes": {}}')
    dbt_state.record(con, {"exports": "e"}, manifest, models_ran=models_ran)


def test_up_to_date_until_a_build_runs_a_model_or_the_outputs_move(tmp_path):
    with duckdb.connect() as con:
        assert incremental.inputs_version(con, tmp_path) is None  # no build recorded: always compute
        _record_build(con, tmp_path, models_ran=True)
        version = incremental.inputs_version(con, tmp_path / "outputs")
        work = incremental.plan(con, "demo", {2024: "x"}, ["t"], inputs_version=version)
        assert not incremental.up_to_date(con, "demo", version, ["t"])
        incremental.write(con, work, {"t": pd.DataFrame({"meting": [2024]})})
        assert incremental.up_to_date(con, "demo", version, ["t"])
        assert not incremental.up_to_date(con, "other", version, ["t"])
        # elsewhere for the pages: another version
        assert incremental.inputs_version(con, tmp_path / "elsewhere") != version
        # a build that ran no model leaves the version as it is; one that did changes it
        _record_build(con, tmp_path, models_ran=False)
        assert incremental.inputs_version(con, tmp_path / "outputs") == version
        _record_build(con, tmp_path, models_ran=True)
        assert incremental.inputs_version(con, tmp_path / "outputs") != version
        # a table gone: compute
        con.execute("drop table analysis.t")
        assert not incremental.up_to_date(con, "demo", version, ["t"])
