"""The benchmark as a rich table: one row per stage, one column per scale."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

ROWS = [
    ("generate", "generate exports"),
    ("land", "land (all files)"),
    ("dbt_parse_cold", "dbt parse, no partial-parse cache"),
    ("dbt_parse_warm", "dbt parse, partial parsing"),
    ("dbt_build", "dbt build (seeds, models, data tests)"),
    ("analysis", "analysis + report pages (Dagster)"),
    ("publish", "publish read-only snapshot"),
    ("plain_sql", "plain SQL floor (models only)"),
    ("query", "analyst query (median of runs)"),
    ("refresh_noop", "refresh job, nothing new landed (median run)"),
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
        ("refresh_over_plain_sql", "refresh from landed / plain SQL", "{:.2f}x"),
        ("refresh_noop_work", "nothing new: dbt nodes rebuilt + analysis tables recomputed", "{}"),
        ("refresh_noop_slowest_seconds", "nothing new: the slowest run, s", "{:.1f}"),
        ("refresh_noop_definitions_load_seconds", "nothing new: loading the Dagster definitions, s", "{:.1f}"),
        ("refresh_noop_run_seconds", "nothing new: the run, definitions loaded, s", "{:.1f}"),
        ("peak_rss_mib", "peak RSS of any stage, MiB", "{:.0f}"),
    ]:
        result.add_row(label, *[fmt.format(entry["summary"][key]) if key in entry["summary"] else ""
                                for entry in scales])
    return result


def goals(lines: list[dict]) -> Table:
    """One line per goal and scale: the figure this run measured beside the goal."""
    result = Table(title="goals")
    for column in ("goal", "scale", "figure", "at most", "met"):
        result.add_column(column, justify="left" if column == "goal" else "right")
    for line in lines:
        value = "not measured" if line["value"] is None else f"{line['value']:.2f}"
        met = {True: "yes", False: "NO", None: ""}[line["met"]]
        result.add_row(line["label"], f"{line['scale']:g}", value, f"{line['at_most']:g}", met)
    return result


def show(report: dict, console: Console | None = None) -> None:
    console = console or Console()
    console.print(table(report))
    if any(stage.get("profiled") for entry in report["scales"] for stage in entry["stages"].values()):
        console.print("* profiled with cProfile (time includes the profiler's overhead)")
    console.print(goals(report.get("goal_lines", [])))
