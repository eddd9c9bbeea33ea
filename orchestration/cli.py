"""`inburgering`: the command line of the warehouse (generate, load, build, where)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from orchestration.config import Settings

app = typer.Typer(help="Perspectief inburgeraars survey warehouse.", no_args_is_help=True)
console = Console(soft_wrap=True)


@app.command()
def generate(
    out: Path = typer.Option(None, help="Folder to write exports to (default: the landing folder)."),
    seed: int = typer.Option(2024, help="Random seed; the same seed gives byte-identical files."),
) -> None:
    """Write synthetic raw exports calibrated to the published report."""
    from orchestration.synthetic import skeleton

    target = out or Settings.from_env().landing_dir
    for path in skeleton.generate(target, seed=seed):
        console.print(f"wrote [bold]{path}[/bold]")


@app.command()
def load(paths: list[Path] = typer.Argument(..., help="Export files (.sav) to land.")) -> None:
    """Land raw exports into the warehouse's `raw` schema."""
    from orchestration.landing.loader import land_files

    settings = Settings.from_env()
    results = land_files(settings.duckdb_path, list(paths))
    table = Table("file", "table", "rows", "sha256")
    for result in results:
        table.add_row(result.file, result.table, str(result.rows), result.sha256[:12])
    console.print(table)


@app.command()
def build(log_level: str = typer.Option("INFO", help="Dagster console log level.")) -> None:
    """Materialise every asset: landing, dbt models and tests, analyses."""
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    job = defs.resolve_implicit_global_asset_job_def()
    # INFO keeps the console readable; the full DEBUG event log is in the Dagster UI.
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False)
    failed = [event for event in result.all_events if event.is_step_failure]
    for event in failed:
        console.print(f"[red]failed[/red] {event.step_key}: {event.event_specific_data.error.message.strip()}")
    if not result.success:
        raise typer.Exit(code=1)
    where()


@app.command()
def where() -> None:
    """Say where the warehouse and its outputs are, and how to query them."""
    settings = Settings.from_env()
    console.print(f"warehouse: [bold]{settings.duckdb_path}[/bold]")
    console.print(f"landing:   {settings.landing_dir}")
    console.print(f"outputs:   {settings.outputs_dir}")
    console.print("query:     .venv/bin/python -c \"import duckdb; "
                  f"print(duckdb.connect('{settings.duckdb_path}', read_only=True)"
                  ".sql('select * from analysis.regression_coefficients'))\"")
    console.print("UI:        .venv/bin/dagster dev   (then open http://localhost:3000)")


if __name__ == "__main__":
    app()
