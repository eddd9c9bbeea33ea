"""Landing: raw survey exports into the DuckDB `raw` schema, with lineage."""
