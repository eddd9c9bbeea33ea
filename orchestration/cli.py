"""`inburgering`: the command line of the warehouse (generate, load, history, log, build, publish, docs,
questions, where)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from orchestration.codebook_draft.command import codebook_app
from orchestration.config import Settings

app = typer.Typer(help="Perspectief inburgeraars survey warehouse.", no_args_is_help=True)
console = Console(soft_wrap=True)
app.add_typer(codebook_app, name="codebook")


@app.command()
def generate(
    out: Path = typer.Option(None, help="Folder to write exports to (default: the landing folder)."),
    seed: int = typer.Option(2024, help="Random seed; the same seed gives byte-identical files."),
    scale: float = typer.Option(1.0, help="Multiply the respondents (benchmarks: 10, 100)."),
    fmt: str = typer.Option("sav", "--format", help="sav (SPSS, default) or csv (codes + labels sidecar)."),
    meting: list[int] = typer.Option([2023, 2024], help="Metingen to generate (repeat the option)."),
    report: bool = typer.Option(False, help="Also check the files against the report; write calibration.md."),
) -> None:
    """Write synthetic raw exports (one per meting x questionnaire) calibrated to the report."""
    from orchestration.synthetic.generator import generate as generate_exports

    target = out or Settings.from_env().landing_dir
    with console.status(f"generating metingen {', '.join(map(str, meting))} at scale {scale:g}"):
        paths = generate_exports(target, seed=seed, scale=scale, fmt=fmt, metingen=tuple(meting))
    for path in paths:
        console.print(f"wrote [bold]{path}[/bold]")
    if report:
        from orchestration.synthetic.calibration import calibrate, calibrate_2023, markdown_2023, markdown_report

        checks = calibrate(target, meting=2024 if 2024 in meting else max(meting))
        text = markdown_report(checks) + (markdown_2023(calibrate_2023(target)) if 2023 in meting else "")
        report_path = target / "calibration.md"
        report_path.write_text(text, encoding="utf-8")
        outside = sum(not check.within for check in checks)
        console.print(f"calibration: {len(checks) - outside} of {len(checks)} printed cells within tolerance "
                      f"-> [bold]{report_path}[/bold]")


@app.command()
def load(
    paths: list[Path] = typer.Argument(..., help="Export files (.sav, .zsav, .csv) or folders holding them."),
    replace: bool = typer.Option(
        False, "--replace",
        help="Replace a different current version of the same meting x questionnaire; "
             "the earlier version is kept in raw_history (see `history`)."),
    wait: float = typer.Option(60.0, help="Seconds to wait for a warehouse another process holds."),
    codebook: Path = typer.Option(
        None, help="Codebook folder to validate against (default: $INBURGERING_CODEBOOK_DIR or seeds/codebook)."),
) -> None:
    """Land raw exports into the warehouse's `raw` schema: validated, exactly once, one
    transaction per file. Refused files go to <landing>/quarantine with a reason file."""
    from orchestration.landing.errors import LandingError
    from orchestration.landing.loader import discover_exports, land_files
    from orchestration.warehouse import WarehouseBusy

    _show_landing_logs()
    settings = Settings.from_env()
    files = [found for path in paths for found in (discover_exports(path) if path.is_dir() else [path])]
    error = None
    try:
        outcomes = land_files(settings.duckdb_path, files, replace=replace, landing_dir=settings.landing_dir,
                              codebook_dir=codebook, wait_seconds=wait)
    except WarehouseBusy as exc:
        console.print(f"[red]warehouse busy:[/red] {exc}")
        raise typer.Exit(code=1)
    except LandingError as exc:
        outcomes, error = exc.outcomes, exc
    if outcomes:
        console.print(_outcome_table(outcomes))
    elif not error:
        console.print("no export files given or found")
    if error:
        console.print(_problem_table(error.problems))
        raise typer.Exit(code=1)


@app.command()
def history(
    meting: int = typer.Option(None, help="Only this meting."),
    questionnaire: str = typer.Option(None, help="Only this questionnaire, e.g. Wi2021-asiel."),
    load_id: int = typer.Option(None, "--load-id", help="One version: with --out, write its rows to a file."),
    out: Path = typer.Option(None, help="With --load-id: write that version's rows to this .csv or .parquet."),
) -> None:
    """Every landed version of every export, current and replaced, and the table holding its rows."""
    from orchestration.landing import registry

    db = Settings.from_env().duckdb_path
    if out is not None:
        if load_id is None:
            raise typer.BadParameter("--out needs --load-id")
        rows = registry.version_rows(db, load_id)
        rows.to_parquet(out) if out.suffix.lower() == ".parquet" else rows.to_csv(out, index=False)
        console.print(f"wrote {len(rows)} rows of load {load_id} to [bold]{out}[/bold]")
        return
    conditions, params = [], []
    for column, value in (("meting", meting), ("questionnaire", questionnaire), ("load_id", load_id)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    where = f"where {' and '.join(conditions)}" if conditions else ""
    frame = registry.read_frame(db, f"select * from {registry.REGISTRY} {where} "
                                    "order by meting, questionnaire, loaded_at", params)
    if frame is None or frame.empty:
        console.print("nothing landed yet" if not conditions else "no landed version matches")
        return
    table = Table("load", "meting", "questionnaire", "status", "rows", "file", "sha256", "landed (UTC)",
                  "rows are in", title="landed versions (raw.load_registry)")
    for version in frame.itertuples(index=False):
        status = "current" if version.status == "current" else f"replaced by load {_cell(version.superseded_by)}"
        table.add_row(str(version.load_id), str(version.meting), version.questionnaire, status, str(version.rows),
                      version.source_file, version.sha256[:12], f"{version.loaded_at:%Y-%m-%d %H:%M}",
                      version.stored_in)
    console.print(table)


@app.command("log")
def load_log(
    limit: int = typer.Option(20, help="How many of the latest attempts to show."),
    file: str = typer.Option(None, help="Only attempts for this file name."),
) -> None:
    """The latest landing attempts and what became of them (raw.load_log)."""
    from orchestration.landing import registry

    where, params = ("where file = ?", [file]) if file else ("", [])
    frame = registry.read_frame(Settings.from_env().duckdb_path,
                                f"select * from {registry.LOAD_LOG} {where} order by attempt_id desc limit ?",
                                params + [limit])
    if frame is None or frame.empty:
        console.print("no landing attempts yet")
        return
    table = Table("#", "finished (UTC)", "file", "status", "table", "rows", "sha256", "message",
                  title="landing attempts (raw.load_log)")
    for attempt in frame.itertuples(index=False):
        table.add_row(str(attempt.attempt_id), f"{attempt.finished_at:%Y-%m-%d %H:%M:%S}", attempt.file,
                      _status_text(attempt.status), _cell(attempt.export_table), _cell(attempt.rows),
                      _cell(attempt.sha256)[:12], _cell(attempt.message))
    console.print(table)


def _cell(value: object) -> str:
    """Text for a table cell: '' for NULL (which pandas hands back as None, NaN or NA)."""
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


_STATUS_STYLE = {"loaded": "green", "replaced": "green", "unchanged": "cyan",
                 "refused": "yellow", "quarantined": "red", "failed": "red"}


def _status_text(status: str) -> str:
    return f"[{_STATUS_STYLE.get(status, 'white')}]{status}[/]"


def _outcome_table(outcomes) -> Table:
    table = Table("file", "status", "table", "rows", "load", "sha256", "message")
    for outcome in outcomes:
        table.add_row(outcome.file, _status_text(outcome.status), outcome.table or "",
                      "" if outcome.rows is None else str(outcome.rows),
                      "" if outcome.load_id is None else str(outcome.load_id),
                      (outcome.sha256 or "")[:12], outcome.message)
    return table


def _problem_table(problems) -> Table:
    table = Table("file", "variable", "row / token", "problem", "expected",
                  title=f"[red]{len(problems)} problem(s): not landed[/red]")
    for problem in problems:
        table.add_row(problem.file, problem.variable or "", problem.where or "", problem.problem,
                      problem.expected or "")
    return table


def _show_landing_logs() -> None:
    """Warnings of the loader (waiting for a lock, no codebook) on stderr, readable."""
    import logging

    from rich.logging import RichHandler

    handler = RichHandler(console=Console(stderr=True), show_path=False, show_time=False)
    for name in ("orchestration.landing", "orchestration.warehouse"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING)
        if not logger.handlers:
            logger.addHandler(handler)


@app.command()
def build(log_level: str = typer.Option("INFO", help="Dagster console log level.")) -> None:
    """Materialise every asset: landing, dbt models and tests, analyses, the analysts' snapshot."""
    _require_pseudonym_key()
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
    checks = result.get_asset_check_evaluations()
    for check in (c for c in checks if not c.passed):
        severity = getattr(check.severity, "value", check.severity)
        console.print(f"[yellow]check not passed[/yellow] ({severity}) {check.asset_key.to_user_string()} "
                      f"{check.check_name}")
    console.print(f"{sum(c.passed for c in checks)} of {len(checks)} asset checks passed")
    where()


def _require_pseudonym_key() -> None:
    """No key, no build: stop before anything runs, and say when the demo key is in use."""
    from orchestration.privacy.pseudonym_key import DEMO_WARNING, PseudonymKeyMissing, key, uses_demo_key

    try:
        key()
    except PseudonymKeyMissing as exc:
        console.print(f"[red]not built:[/red] {exc}")
        raise typer.Exit(code=1)
    if uses_demo_key():
        console.print(f"[yellow]{DEMO_WARNING}[/yellow]")


@app.command("dbt-docs")
def dbt_docs() -> None:
    """Regenerate the raw sources and staging YAML from the codebook seeds."""
    from orchestration import dbt_docs as docs

    for path in docs.write():
        console.print(f"wrote [bold]{path}[/bold]")


@app.command()
def publish(wait: float = typer.Option(60.0, help="Seconds to wait for a warehouse another process writes.")) -> None:
    """Publish the analysts' read-only snapshot (marts and analysis) from the current warehouse."""
    from orchestration.publish.snapshot import SnapshotError
    from orchestration.publish.snapshot import publish as publish_snapshot
    from orchestration.warehouse import WarehouseBusy

    settings = Settings.from_env()
    try:
        snapshot = publish_snapshot(settings.duckdb_path, settings.snapshot_path, wait_seconds=wait)
    except (SnapshotError, WarehouseBusy) as exc:
        console.print(f"[red]not published:[/red] {exc}")
        raise typer.Exit(code=1)
    console.print(f"published {len(snapshot.tables)} tables, {snapshot.total_rows} rows, "
                  f"{snapshot.bytes / 1e6:.1f} MB in {snapshot.seconds:.2f}s -> [bold]{snapshot.path}[/bold]")
    console.print(f"privacy: {snapshot.privacy.summary()}")


@app.command()
def docs(
    port: int = typer.Option(8080, help="Port of the documentation server."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the site after generating it."),
    target: Path = typer.Option(None, help="Folder for the site (default: target/docs)."),
) -> None:
    """dbt's documentation site (models, columns, lineage, catalog) for analysts: generate, then serve."""
    import subprocess

    from orchestration.publish import docs as site

    settings = Settings.from_env()
    target = target or site.DOCS_DIR
    try:
        index = site.generate(settings.duckdb_path, target)
    except site.DocsFailed as exc:
        console.print(f"[red]docs not generated:[/red] {exc}")
        raise typer.Exit(code=1)
    console.print(f"docs: [bold]{index}[/bold]")
    if not serve:
        return
    console.print(f"serving at [bold]http://localhost:{port}[/bold]  (Ctrl+C to stop)")
    try:
        subprocess.run(site.serve_command(target, port), check=False)
    except KeyboardInterrupt:
        pass


@app.command()
def questions(
    words: list[str] = typer.Argument(None, help="Words in Dutch or English; a question must hold all of them."),
    include_technical: bool = typer.Option(False, "--all", help="Also the technical fields (token, start time, ...)."),
    as_json: bool = typer.Option(False, "--json", help="JSON on stdout, for scripts."),
) -> None:
    """Find questions by words (id, text, item label, topic): where asked, answer set, report table."""
    from orchestration import questions as finder

    raise typer.Exit(code=finder.command(words or [], include_technical, as_json, console))


@app.command()
def where() -> None:
    """Say where the warehouse, its snapshot and its outputs are, and how to query them."""
    settings = Settings.from_env()
    console.print(f"warehouse: [bold]{settings.duckdb_path}[/bold]  (the pipeline writes here)")
    console.print(f"snapshot:  [bold]{settings.snapshot_path}[/bold]  (read-only copy of marts and analysis: "
                  "query this one)")
    console.print(f"landing:   {settings.landing_dir}")
    console.print(f"outputs:   {settings.outputs_dir}  (start at {settings.outputs_dir / 'index.html'})")
    console.print("query:     .venv/bin/python -c \"import duckdb; "
                  f"print(duckdb.connect('{settings.snapshot_path}', read_only=True)"
                  ".sql('select group_label, meting, count(*) from marts.fct_respondent group by all order by all'))\"")
    console.print("docs:      .venv/bin/inburgering docs   (then open http://localhost:8080)")
    console.print("UI:        .venv/bin/dagster dev   (then open http://localhost:3000)")


if __name__ == "__main__":
    app()
