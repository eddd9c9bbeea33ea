"""`make bench`: time every stage of the refresh (generate, land, dbt build, analysis + publish)
at several scales, with the peak memory of each stage, the same transformations as one plain
DuckDB SQL script (the floor dbt is measured against), the refresh job again with nothing new
landed, and an analyst's query; then each goal with the figure this run measured.

Each stage runs in a child process of its own (orchestration.bench.stage), so its peak RSS
(its own, or that of dbt's subprocess) is not hidden by an earlier stage's. Results are printed
as a table and written to warehouse/bench/bench-<timestamp>.json and latest.json.
"""
