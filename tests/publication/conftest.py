"""The report written once from the session's real warehouse (tests/conftest.py built_warehouse),
shared by the report and browser tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.publication import write_reports


@pytest.fixture(scope="session")
def publication(built_warehouse, tmp_path_factory) -> dict:
    directory = tmp_path_factory.mktemp("outputs") / "publication"
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        pages = write_reports(con, directory, min_count=10)
    return {"directory": directory, "pages": pages, "database": built_warehouse}


@pytest.fixture
def warehouse_copy():
    return _warehouse_copy


def _warehouse_copy(database: Path, target: Path, weighted: bool) -> Path:
    """A copy of the warehouse with or without the marts' weighted percentages, whichever the
    build of the moment has: the report must work both ways (weights are optional)."""
    copy = target / "inburgering.duckdb"
    shutil.copy2(database, copy)
    columns = {"mart_route_cohort": ["pct_of_base_weighted"],
               "mart_meting_comparison": ["pct_previous_weighted", "pct_current_weighted", "difference_points_weighted"]}
    with duckdb.connect(str(copy)) as con:
        for table, names in columns.items():
            present = {row[0] for row in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? and column_name like '%weighted'", [table]).fetchall()}
            if weighted:
                for name in names:
                    if name not in present:
                        # a stand-in weight: a shifted copy of the unweighted percentage, so the
                        # weighted column differs from the unweighted one on the page
                        source = name.replace("_weighted", "")
                        con.execute(f"alter table marts.{table} add column {name} double")
                        con.execute(f"update marts.{table} set {name} = {source} * 0.9 + 1")
            else:
                for name in sorted(present):
                    con.execute(f"alter table marts.{table} drop column {name}")
    return copy
