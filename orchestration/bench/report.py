"""The benchmark as a rich table: one row per stage, one column per scale."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

ROWS = [
    ("generate", "generate exports"),
    ("land", "land (all files)"),
    ("dbt_parse_cold", "dbt parse, no partial-parse cache"),
    ("dbt_parse_warm", "dbt parse, partial parsing"),
    ("dbt_build", "dbt build (seeds, models, tests)"),
    ("analysis", "analysis + report pages (Dagster)"),
    ("publish", "publish read-only snapshot"),
    ("plain_sql", "plain SQL floor (models only)"),
    ("query", "analyst query (median of runs)"),
    ("wave_build_first", "dbt build, first wave only"),
    ("wave_land_added", "land the added wave"),
    ("wave_build_added", "dbt build after adding a wave (incremental)"),
    ("wave_full_rebuild", "dbt build --full-refresh, both waves"),
]


def table(report: dict) -> Table:
    scales = report["scales"]
    result = Table(title="make bench: seconds (peak RSS MiB)")
    result.add_column("stage")
    for entry in scales:
        result.add_column(f"scale {entry['scale']:g}\n{entry.get('respondent_waves') or 0:,} resp-waves\n"
                          f"{entry.get('answer_rows') or 0:,} answers", justify="right")
    for key, label in ROWS:
        cells = []
        for entry in scales:
            stage = entry["stages"].get(key)
            if stage is None:
                cells.append("")
            elif key == "query":
                cells.append(f"{stage['details']['median_seconds'] * 1000:.1f} ms")
            else:
                mark = "*" if stage.get("profiled") else ""
                cells.append(f"{stage['seconds']:.1f}{mark} ({stage['peak_rss_mib']:.0f})")
        if any(cells):
            result.add_row(label, *cells)
    result.add_section()
    for key, label, fmt in [
        ("refresh_from_landed_seconds", "refresh from landed (dbt + analysis + snapshot), s", "{:.1f}"),
        ("dbt_over_plain_sql", "dbt build / plain SQL", "{:.2f}x"),
        ("dbt_models_over_plain_sql", "dbt model nodes / plain SQL", "{:.2f}x"),
        ("plain_sql_same_row_counts", "plain SQL = dbt row counts", "{}"),
        ("wave_add_over_full_build", "adding a wave (land + build) / full rebuild", "{:.2f}"),
        ("wave_build_over_full_build", "incremental build / full rebuild", "{:.2f}"),
        ("wave_incremental_models_over_full", "incremental models' node time / full", "{:.2f}"),
        ("wave_metingen_rewritten", "metingen the wave build rewrote", "{}"),
        ("peak_rss_mib", "peak RSS of any stage, MiB", "{:.0f}"),
    ]:
        result.add_row(label, *[fmt.format(entry["summary"][key]) if key in entry["summary"] else ""
                                for entry in scales])
    return result


def show(report: dict, console: Console | None = None) -> None:
    console = console or Console()
    console.print(table(report))
    if any(stage.get("profiled") for entry in report["scales"] for stage in entry["stages"].values()):
        console.print("* profiled with cProfile (time includes the profiler's overhead)")
    for entry in report["scales"]:
        first = entry["stages"].get("wave_build_first", {}).get("details", {})
        if first.get("test_failures"):
            console.print(f"scale {entry['scale']:g}: with the first wave only, dbt tests failed (models all "
                          f"built): {'; '.join(first['test_failures'])}")
