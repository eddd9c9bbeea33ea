"""Landing: raw survey exports into the DuckDB `raw` schema, exactly once, validated, with
lineage and history. See README.md beside this file; the entry point is loader.land_files."""
