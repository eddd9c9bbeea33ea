"""`inburgering`: the command line of the warehouse (generate, load, history, log, build, publish, docs,
questions, codebook, where).

Everything the data brings along (tokens, headers, file names, messages) is escaped before rich
prints it, so square brackets in an export are shown as they are and never read as markup. A
problem the user can fix (an unknown meting, a busy warehouse) is one message, not a traceback.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestration.build import CONSOLE_LOG_LEVEL
from orchestration.codebook_draft.command import codebook_app
from orchestration.config import Settings
from orchestration.yaml_file import read_yaml

app = typer.Typer(help="Perspectief inburgeraars survey warehouse.", no_args_is_help=True)
console = Console(soft_wrap=True)
app.add_typer(codebook_app, name="codebook")

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
WAIT_HELP = ("Seconds to wait for the warehouse while another process holds it "
             "(default: $INBURGERING_WAIT_SECONDS, else 60).")


def _wait_seconds(value: float | None) -> float:
    """--wait, else INBURGERING_WAIT_SECONDS, else 60; a bad value stops with its name, no traceback."""
    from orchestration.warehouse import default_wait_seconds

    if value is not None:
        if value < 0:
            raise typer.BadParameter(f"{value:g}: expected 0 or more seconds", param_hint="--wait")
        return value
    try:
        return default_wait_seconds()
    except ValueError as exc:
        _fail("configuration", str(exc))


def _fail(what: str, message: object, code: int = 1):
    console.print(f"[red]{escape(what)}:[/red] {escape(str(message))}")
    raise typer.Exit(code=code)


def _generator_metingen() -> list[int]:
    """The metingen the synthetic generator has sample sizes for (its params.yaml)."""
    from orchestration.synthetic.context import PARAMS_FILE

    return sorted(read_yaml(PARAMS_FILE)["sample_sizes"])


@app.command()
def generate(
    out: Path = typer.Option(None, help="Folder to write exports to (default: the landing folder)."),
    seed: int = typer.Option(2024, help="Random seed; the same seed gives byte-identical files."),
    scale: float = typer.Option(1.0, help="Multiply the respondents (benchmarks: 10, 100)."),
    fmt: str = typer.Option("sav", "--format", help="sav (SPSS, default) or csv (codes + labels sidecar)."),
    meting: list[int] = typer.Option([2023, 2024], help="Metingen to generate (repeat the option)."),
    report: bool = typer.Option(False, "--report", metavar="",
                                help="Also check the files against the report; write calibration.md."),
) -> None:
    """Write synthetic raw exports (one per meting x questionnaire) calibrated to the report."""
    from orchestration.synthetic.generator import generate as generate_exports

    known = _generator_metingen()
    unknown = sorted(set(meting) - set(known))
    if unknown:
        raise typer.BadParameter(
            f"{', '.join(map(str, unknown))}: the generator knows metingen {', '.join(map(str, known))} "
            "(sample sizes and fieldwork in orchestration/synthetic/params.yaml)", param_hint="--meting")
    if fmt not in ("sav", "csv"):
        raise typer.BadParameter(f"{fmt}: expected sav or csv", param_hint="--format")
    if not scale > 0:
        raise typer.BadParameter(f"{scale:g}: expected a number above 0", param_hint="--scale")
    target = out or Settings.from_env().landing_dir
    with console.status(f"generating metingen {', '.join(map(str, meting))} at scale {scale:g}"):
        paths = generate_exports(target, seed=seed, scale=scale, fmt=fmt, metingen=tuple(meting))
    for path in paths:
        console.print(f"wrote [bold]{escape(str(path))}[/bold]")
    if report:
        from orchestration.synthetic.calibration import calibrate, calibrate_2023, markdown_2023, markdown_report

        checks = calibrate(target, meting=2024 if 2024 in meting else max(meting))
        text = markdown_report(checks) + (markdown_2023(calibrate_2023(target)) if 2023 in meting else "")
        report_path = target / "calibration.md"
        report_path.write_text(text, encoding="utf-8")
        outside = sum(not check.within for check in checks)
        console.print(f"calibration: {len(checks) - outside} of {len(checks)} printed cells within tolerance "
                      f"-> [bold]{escape(str(report_path))}[/bold]")


@app.command()
def load(
    paths: list[Path] = typer.Argument(..., help="Export files (.sav, .zsav, .csv) or folders holding them."),
    replace: bool = typer.Option(
        False, "--replace", metavar="",
        help="Replace a different current version of the same meting x questionnaire; "
             "the earlier version is kept in raw_history (see `history`)."),
    wait: float = typer.Option(None, help=WAIT_HELP),
    codebook: Path = typer.Option(
        None, help="Codebook folder to validate against (default: $INBURGERING_CODEBOOK_DIR or seeds/codebook)."),
) -> None:
    """Land raw exports into the warehouse's `raw` schema: validated, exactly once, one
    transaction per file. Refused files go to <landing>/quarantine with a reason file."""
    from orchestration.landing.errors import LandingError
    from orchestration.landing.loader import discover_exports, land_files
    from orchestration.warehouse import WarehouseBusy

    wait = _wait_seconds(wait)
    _show_landing_logs()
    settings = Settings.from_env()
    files = [found for path in paths for found in (discover_exports(path) if path.is_dir() else [path])]
    error = None
    try:
        outcomes = land_files(settings.duckdb_path, files, replace=replace, landing_dir=settings.landing_dir,
                              codebook_dir=codebook, wait_seconds=wait)
    except WarehouseBusy as exc:
        _fail("warehouse busy", exc)
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
    wait: float = typer.Option(None, help=WAIT_HELP),
) -> None:
    """Every landed version of every export, current and replaced, and the table holding its rows."""
    from orchestration.landing import registry
    from orchestration.warehouse import WarehouseBusy

    wait = _wait_seconds(wait)
    db = Settings.from_env().duckdb_path
    if out is not None:
        if load_id is None:
            raise typer.BadParameter("--out needs --load-id")
        try:
            rows = registry.version_rows(db, load_id)
        except WarehouseBusy as exc:
            _fail("warehouse busy", exc)
        rows.to_parquet(out) if out.suffix.lower() == ".parquet" else rows.to_csv(out, index=False)
        console.print(f"wrote {len(rows)} rows of load {load_id} to [bold]{escape(str(out))}[/bold]")
        return
    conditions, params = [], []
    for column, value in (("meting", meting), ("questionnaire", questionnaire), ("load_id", load_id)):
        if value is not None:
            conditions.append(f"{column} = ?")
            params.append(value)
    where = f"where {' and '.join(conditions)}" if conditions else ""
    try:
        frame = registry.read_frame(db, f"select * from {registry.REGISTRY} {where} "
                                        "order by meting, questionnaire, loaded_at", params, wait_seconds=wait)
    except WarehouseBusy as exc:
        _fail("warehouse busy", exc)
    if frame is None or frame.empty:
        console.print("nothing landed yet" if not conditions else "no landed version matches")
        return
    table = Table("load", "meting", "questionnaire", "status", "rows", "file", "sha256", "landed (UTC)",
                  "rows are in", title="landed versions (raw.load_registry)")
    for version in frame.itertuples(index=False):
        status = "current" if version.status == "current" else f"replaced by load {_cell(version.superseded_by)}"
        table.add_row(*_cells(version.load_id, version.meting, version.questionnaire, status, version.rows,
                              version.source_file, version.sha256[:12], f"{version.loaded_at:%Y-%m-%d %H:%M}",
                              version.stored_in))
    console.print(table)


@app.command("log")
def load_log(
    limit: int = typer.Option(20, help="How many of the latest attempts to show."),
    file: str = typer.Option(None, help="Only attempts for this file name."),
    wait: float = typer.Option(None, help=WAIT_HELP),
) -> None:
    """The latest landing attempts and what became of them (raw.load_log)."""
    from orchestration.landing import registry
    from orchestration.warehouse import WarehouseBusy

    wait = _wait_seconds(wait)
    where, params = ("where file = ?", [file]) if file else ("", [])
    try:
        frame = registry.read_frame(Settings.from_env().duckdb_path,
                                    f"select * from {registry.LOAD_LOG} {where} order by attempt_id desc limit ?",
                                    params + [limit], wait_seconds=wait)
    except WarehouseBusy as exc:
        _fail("warehouse busy", exc)
    if frame is None or frame.empty:
        console.print("no landing attempts yet")
        return
    table = Table("#", "finished (UTC)", "file", "status", "table", "rows", "sha256", "message",
                  title="landing attempts (raw.load_log)")
    for attempt in frame.itertuples(index=False):
        table.add_row(escape(str(attempt.attempt_id)), f"{attempt.finished_at:%Y-%m-%d %H:%M:%S}",
                      escape(_cell(attempt.file)), _status_text(attempt.status),
                      *_cells(_cell(attempt.export_table), _cell(attempt.rows), _cell(attempt.sha256)[:12],
                              _cell(attempt.message)))
    console.print(table)


def _cell(value: object) -> str:
    """Text for a table cell: '' for NULL (which pandas hands back as None, NaN or NA)."""
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _cells(*values: object) -> list[str]:
    """Table cells from data: as text, escaped, so a '[' in a token or file name is shown as is."""
    return [escape("" if value is None else str(value)) for value in values]


_STATUS_STYLE = {"loaded": "green", "replaced": "green", "unchanged": "cyan",
                 "refused": "yellow", "quarantined": "red", "failed": "red"}


def _status_text(status: str) -> str:
    return f"[{_STATUS_STYLE.get(status, 'white')}]{escape(str(status))}[/]"


def _outcome_table(outcomes) -> Table:
    table = Table("file", "status", "table", "rows", "load", "sha256", "message")
    for outcome in outcomes:
        table.add_row(escape(str(outcome.file)), _status_text(outcome.status),
                      *_cells(outcome.table, outcome.rows, outcome.load_id, (outcome.sha256 or "")[:12],
                              outcome.message))
    return table


def _problem_table(problems) -> Table:
    table = Table("file", "variable", "row / token", "problem", "expected",
                  title=f"[red]{len(problems)} problem(s): not landed[/red]")
    for problem in problems:
        table.add_row(*_cells(problem.file, problem.variable, problem.where, problem.problem, problem.expected))
    return table


def _show_landing_logs() -> None:
    """Warnings of the loader (waiting for a lock, no codebook) on stderr, readable."""
    import logging

    from rich.logging import RichHandler

    # markup off: a file name or token in a message is shown as it is
    handler = RichHandler(console=Console(stderr=True), show_path=False, show_time=False, markup=False)
    for name in ("orchestration.landing", "orchestration.warehouse"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.WARNING)
        if not logger.handlers:
            logger.addHandler(handler)


def _log_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise typer.BadParameter(f"{value}: expected one of {', '.join(LOG_LEVELS)}")
    return value.upper()


@app.command()
def build(
    log_level: str = typer.Option(
        CONSOLE_LOG_LEVEL, callback=_log_level,
        help="Dagster messages of this level and above also on the console (DEBUG, INFO, WARNING, ERROR, "
             "CRITICAL); the build log holds all of them."),
    wait: float = typer.Option(None, help=WAIT_HELP),
) -> None:
    """Run the refresh job (refresh_warehouse): landing, dbt models and tests, analyses, the report
    and the analysts' snapshot, with a progress line per stage. dbt's per-node lines and every
    Dagster event go to warehouse/logs/build-<time>.log. Exits 1 when a step fails or a check of
    ERROR severity does not pass, naming each."""
    _require_pseudonym_key()
    from orchestration.assets.automation import REFRESH_JOB
    from orchestration.build import print_outcome, run_build, stdout_console
    from orchestration.definitions import defs
    from orchestration.warehouse import waiting_for

    out = stdout_console()
    # every step waits for the warehouse as long as asked: its connections read the variable
    with waiting_for(_wait_seconds(wait)):
        outcome = run_build(defs, REFRESH_JOB, Settings.from_env().duckdb_path, log_level, out)
    print_outcome(outcome, out)
    if not outcome.success:
        raise typer.Exit(code=1)
    where()


def _require_pseudonym_key() -> None:
    """No key, no build: stop before anything runs, and say when the demo key is in use."""
    from orchestration.privacy.pseudonym_key import DEMO_WARNING, PseudonymKeyMissing, key, uses_demo_key

    try:
        key()
    except PseudonymKeyMissing as exc:
        _fail("not built", exc)
    if uses_demo_key():
        console.print(f"[yellow]{escape(DEMO_WARNING)}[/yellow]")


@app.command("dbt-docs")
def dbt_docs() -> None:
    """Regenerate the raw sources and staging YAML from the codebook seeds."""
    from orchestration import dbt_docs as docs

    for path in docs.write():
        console.print(f"wrote [bold]{path}[/bold]")


@app.command()
def publish(wait: float = typer.Option(None, help=WAIT_HELP)) -> None:
    """Publish the analysts' read-only snapshot (marts and analysis) from the current warehouse."""
    from orchestration.publish.snapshot import SnapshotError
    from orchestration.publish.snapshot import publish as publish_snapshot
    from orchestration.warehouse import WarehouseBusy

    wait = _wait_seconds(wait)
    settings = Settings.from_env()
    try:
        snapshot = publish_snapshot(settings.duckdb_path, settings.snapshot_path, wait_seconds=wait)
    except (SnapshotError, WarehouseBusy) as exc:
        _fail("not published", exc)
    console.print(f"published {len(snapshot.tables)} tables, {snapshot.total_rows} rows, "
                  f"{snapshot.bytes / 1e6:.1f} MB in {snapshot.seconds:.2f}s -> [bold]{escape(str(snapshot.path))}[/bold]")
    console.print(f"privacy: {escape(snapshot.privacy.summary())}")


@app.command()
def docs(
    port: int = typer.Option(8080, help="Port of the documentation server."),
    serve: bool = typer.Option(True, "--serve/--no-serve", metavar="", help="Serve the site after generating it."),
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
        _fail("docs not generated", exc)
    console.print(f"docs: [bold]{escape(str(index))}[/bold]")
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
    from orchestration.config import dagster_home

    settings = Settings.from_env()
    paths = {name: escape(str(path)) for name, path in (
        ("db", settings.duckdb_path), ("snapshot", settings.snapshot_path), ("landing", settings.landing_dir),
        ("outputs", settings.outputs_dir), ("index", settings.outputs_dir / "index.html"),
        ("home", dagster_home()))}
    console.print(f"warehouse: [bold]{paths['db']}[/bold]  (the pipeline writes here)")
    console.print(f"snapshot:  [bold]{paths['snapshot']}[/bold]  (read-only copy of marts and analysis: "
                  "query this one)")
    console.print(f"landing:   {paths['landing']}")
    console.print(f"outputs:   {paths['outputs']}  (start at {paths['index']})")
    console.print("query:     .venv/bin/python -c \"import duckdb; "
                  f"print(duckdb.connect('{paths['snapshot']}', read_only=True)"
                  ".sql('select group_label, meting, count(*) from marts.fct_respondent group by all order by all'))\"")
    console.print("docs:      .venv/bin/inburgering docs   (then open http://localhost:8080)")
    console.print(f"UI:        make ui   (= DAGSTER_HOME={paths['home']} .venv/bin/dagster dev; "
                  "then open http://localhost:3000)")


if __name__ == "__main__":
    app()
