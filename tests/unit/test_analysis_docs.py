"""The analysis tables' dbt source documents exactly the columns the analysis code writes."""

from __future__ import annotations

from orchestration.analysis import comparison, regression, reliability, reproduction
from orchestration.publish.comments import source_docs

WRITTEN = {
    "regression_coefficients": regression.COEFFICIENT_COLUMNS,
    "regression_models": regression.MODEL_COLUMNS,
    "scale_reliability": reliability.SCALE_COLUMNS,
    "scale_items": reliability.ITEM_COLUMNS,
    "scale_item_correlations": reliability.PAIR_COLUMNS,
    "comparison_frequencies": comparison.FREQUENCY_COLUMNS,
    "comparison_chi_square": comparison.CHI_SQUARE_COLUMNS,
    "report_reproduction": reproduction.REPRODUCTION_COLUMNS,
    "report_reproduction_cells": reproduction.CELL_COLUMNS,
    # orchestration/analysis/incremental.py's bookkeeping table
    "meting_inputs": ["asset", "meting", "input_fingerprint", "computed_at"],
}


def test_every_written_column_is_documented_in_order():
    documented = {doc.name: doc for doc in source_docs()}
    assert set(documented) == set(WRITTEN)
    for table, columns in WRITTEN.items():
        doc = documented[table]
        assert doc.schema == "analysis" and doc.description, table
        assert list(doc.columns) == list(columns), table
        assert all(doc.columns.values()), f"{table}: a column without a description"
