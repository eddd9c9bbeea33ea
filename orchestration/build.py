"""`inburgering build`: the refresh job in this process, shown stage by stage.

The console gets one progress line per stage (landing, dbt, analyses, report, snapshot) and a
summary; every Dagster event and dbt's per-node lines go to a log file beside the warehouse
(<warehouse folder>/logs/build-<UTC time>.log), whose path is printed. The outcome fails when a
step fails or a check of ERROR severity does not pass, naming each.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# (stage, what it does), in the order the refresh runs them
STAGES = [
    ("landing", "land new exports"),
    ("dbt", "dbt models and tests"),
    ("analyses", "analyses and their checks"),
    ("report", "publication report"),
    ("snapshot", "analysts' snapshot"),
]
_STAGE_OF_LAYER = {"raw": "landing", "analysis": "analyses", "outputs": "report", "published": "snapshot"}
# Dagster's own console lines during a build: warnings and errors (the log file has every event)
CONSOLE_LOG_LEVEL = "WARNING"


def console_config(log_level: str = CONSOLE_LOG_LEVEL) -> dict:
    """The run config that sets Dagster's console logger to `log_level`: how a build runs its
    steps, and so how the bench times them."""
    return {"loggers": {"console": {"config": {"log_level": log_level}}}}


def stage_of(asset_key) -> str:
    """Every other layer (seeds, staging, intermediate, marts) is built by dbt."""
    return _STAGE_OF_LAYER.get(asset_key.path[0], "dbt")


@dataclass
class FailedCheck:
    name: str
    description: str
    severity: str


@dataclass
class Stage:
    name: str
    label: str
    assets: int = 0
    steps: set[str] = field(default_factory=set)
    materialised: int = 0
    checks_passed: int = 0
    checks_failed: int = 0
    status: str = "waiting"
    started: float | None = None
    seconds: float = 0.0
    task: int | None = None


@dataclass
class BuildOutcome:
    run_id: str
    log_path: Path
    stages: list[Stage]
    failed_steps: list[tuple[str, str]]
    failed_checks: list[FailedCheck]
    checks: int
    run_success: bool = True

    @property
    def errors(self) -> list[FailedCheck]:
        return [check for check in self.failed_checks if check.severity == "ERROR"]

    @property
    def success(self) -> bool:
        return self.run_success and not self.failed_steps and not self.errors


def log_path_for(warehouse: Path) -> Path:
    return warehouse.parent / "logs" / f"build-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.log"


class _Tracker:
    """Follows the run's events: the progress on the console, every event in the log file."""

    def __init__(self, defs, job, progress: Progress, log: TextIO):
        self.progress, self.log = progress, log
        self.stages = {name: Stage(name, label) for name, label in STAGES}
        self.step_stage: dict[str, str] = {}
        graph = job.asset_layer.asset_graph
        for definition in [*defs.assets, *(defs.asset_checks or [])]:
            keys = list(definition.keys) or [key.asset_key for key in definition.check_keys]
            stage = self.stages[stage_of(keys[0])]
            self.step_stage[definition.node_def.name] = stage.name
            stage.steps.add(definition.node_def.name)
            stage.assets += len(definition.keys)
        self.pending = {name: set(stage.steps) for name, stage in self.stages.items()}
        self.check_descriptions = {key: graph.get_check_spec(key).description or "" for key in graph.asset_check_keys}
        self.failed_steps: list[tuple[str, str]] = []
        self.failed_checks: list[FailedCheck] = []
        self.checks = 0
        for stage in self.stages.values():
            stage.task = progress.add_task(stage.label, total=stage.assets or None, start=False,
                                           status="waiting", mark=_MARKS["waiting"], visible=bool(stage.steps))

    def __call__(self, entry) -> None:
        self._write(entry)
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            return
        stage = self.stages.get(self.step_stage.get(entry.step_key, ""))
        if stage is None:
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            if stage.started is None:
                stage.started = time.monotonic()
                self.progress.start_task(stage.task)
            self._status(stage, f"running {entry.step_key}")
        elif kind == "ASSET_MATERIALIZATION":
            stage.materialised += 1
            self.progress.update(stage.task, completed=min(stage.materialised, stage.assets))
        elif kind == "ASSET_CHECK_EVALUATION":
            self._check(stage, event.event_specific_data)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            if kind == "STEP_FAILURE":
                self.failed_steps.append((entry.step_key, _error_message(event.event_specific_data.error)))
                stage.status = "failed"
            elif kind == "STEP_SKIPPED" and stage.status != "failed":
                stage.status = "skipped"
            self.pending[stage.name].discard(entry.step_key)
            if not self.pending[stage.name]:
                self._finish(stage)

    def _check(self, stage: Stage, evaluation) -> None:
        self.checks += 1
        if evaluation.passed:
            stage.checks_passed += 1
        else:
            stage.checks_failed += 1
            key = evaluation.asset_check_key
            severity = getattr(evaluation.severity, "value", str(evaluation.severity))
            self.failed_checks.append(FailedCheck(f"{key.asset_key.to_user_string()}:{key.name}",
                                                  self.check_descriptions.get(key, ""), severity))
        self._status(stage, stage.status if stage.status.startswith("running") else "running")

    def _status(self, stage: Stage, status: str) -> None:
        stage.status = status
        checks = f", checks {stage.checks_passed} passed" if stage.checks_passed or stage.checks_failed else ""
        failed = f", [red]{stage.checks_failed} failed[/red]" if stage.checks_failed else ""
        mark = _MARKS.get(status, "[cyan]▶[/cyan]")
        self.progress.update(stage.task, status=f"{escape(status)}{checks}{failed}", mark=mark)

    def _finish(self, stage: Stage) -> None:
        stage.seconds = time.monotonic() - stage.started if stage.started is not None else 0.0
        if stage.status not in ("failed", "skipped"):
            stage.status = "done"
        self._status(stage, stage.status)
        if stage.started is not None:
            self.progress.stop_task(stage.task)

    def _write(self, entry) -> None:
        when = datetime.fromtimestamp(entry.timestamp, timezone.utc).strftime("%H:%M:%S")
        event = entry.dagster_event
        kind = event.event_type_value if event else entry.level if isinstance(entry.level, str) \
            else logging.getLevelName(entry.level)
        message = entry.user_message or (event.message if event else "") or ""
        self.log.write(f"{when} {kind:<24} {entry.step_key or '-':<28} {message}\n")
        self.log.flush()


def _error_message(error) -> str:
    """The user's error, not Dagster's wrapper around it ('Error occurred while executing op ...')."""
    while error.cause is not None and error.cls_name == "DagsterExecutionStepExecutionError":
        error = error.cause
    return error.message.strip()


_MARKS = {"waiting": " ", "done": "[green]✓[/green]", "failed": "[red]✗[/red]", "skipped": "[yellow]-[/yellow]"}


class _ConsoleHandler(logging.Handler):
    """The writer lock's messages (waiting for another process, our turn) above the progress."""

    def __init__(self, console: Console, log: TextIO):
        super().__init__(logging.WARNING)
        self.console, self.log = console, log

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.console.print(f"[yellow]{escape(message)}[/yellow]")
        self.log.write(f"{message}\n")


class _LogFileHandler(logging.Handler):
    """Dagster's own Python-logging lines, into the build log only."""

    def __init__(self, log: TextIO):
        super().__init__(logging.DEBUG)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        self.log.write(f"{record.levelname} {record.name}: {record.getMessage()}\n")


# Dagster's execution plan says, one line per check, when a blocking check of a step had no result:
# every dbt test of a model that the refresh left as it was (nothing changed), hundreds of lines.
# They belong in the log; without a handler Python would print them on the console.
_PLAN_LOGGER = "dagster._core.execution.plan.active"


def _to_log(log: TextIO):
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        log.write(warnings.formatwarning(message, category, filename, lineno, line))
    return show


def run_build(defs, job_name: str, warehouse: Path, log_level: str, console: Console,
              instance=None) -> BuildOutcome:
    """Execute `job_name` of `defs` in this process on `instance`, by default the instance of
    DAGSTER_HOME (else a throw-away one), following it on `console`."""
    import os

    from dagster import DagsterInstance

    if instance is None:
        instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    job = defs.resolve_job_def(job_name)
    run_id = str(uuid.uuid4())
    log_path = log_path_for(warehouse)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    run_config = console_config(log_level)
    columns = (TextColumn("{task.fields[mark]}"), TextColumn("{task.description:<26}"), BarColumn(bar_width=10),
               MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.fields[status]}"))
    lock_log = logging.getLogger("orchestration.warehouse")
    with open(log_path, "w", encoding="utf-8") as log, \
            Progress(*columns, console=console, redirect_stdout=False, redirect_stderr=True) as progress:
        tracker = _Tracker(defs, job, progress, log)
        instance.add_event_listener(run_id, tracker)
        handler = _ConsoleHandler(progress.console, log)
        lock_log.addHandler(handler)
        lock_log.setLevel(logging.WARNING)
        plan_log, plan_handler = logging.getLogger(_PLAN_LOGGER), _LogFileHandler(log)
        plan_log.addHandler(plan_handler)
        try:
            # dbt's per-node lines are written to stdout by dagster-dbt: into the log file
            with contextlib.redirect_stdout(log), warnings.catch_warnings():
                # Python warnings of the analyses (a rank-deficient model at a small scale) too
                warnings.showwarning = _to_log(log)
                result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False,
                                       run_id=run_id, tags={"launched_by": "inburgering build"})
        finally:
            lock_log.removeHandler(handler)
            plan_log.removeHandler(plan_handler)
    return BuildOutcome(run_id=run_id, log_path=log_path, stages=list(tracker.stages.values()),
                        failed_steps=tracker.failed_steps, failed_checks=tracker.failed_checks,
                        checks=tracker.checks, run_success=result.success)


def print_outcome(outcome: BuildOutcome, console: Console) -> None:
    from rich.table import Table

    table = Table("stage", "assets", "checks passed", "checks failed", "seconds", "status",
                  title="inburgering build")
    for stage in outcome.stages:
        if stage.steps:
            table.add_row(stage.name, f"{stage.materialised} of {stage.assets}", str(stage.checks_passed),
                          str(stage.checks_failed), f"{stage.seconds:.0f}", stage.status)
    console.print(table)
    if not outcome.run_success and not outcome.failed_steps:
        console.print(f"[red]the run failed[/red] before or between its steps; see {escape(str(outcome.log_path))}")
    for step, message in outcome.failed_steps:
        console.print(f"[red]failed[/red] {escape(step)}: {escape(message)}")
    for check in outcome.failed_checks:
        style, word = ("red", "failed check") if check.severity == "ERROR" else ("yellow", "warning")
        console.print(f"[{style}]{word}[/{style}] {escape(check.name)}: {escape(check.description)}")
    passed = outcome.checks - len(outcome.failed_checks)
    console.print(f"{passed} of {outcome.checks} asset checks passed"
                  + (f"; [red]{len(outcome.errors)} of ERROR severity failed[/red]" if outcome.errors else ""))
    console.print(f"log: [bold]{escape(str(outcome.log_path))}[/bold]  (dbt's per-node lines and every Dagster event)")
    console.print(f"run: {outcome.run_id}")


def stdout_console() -> Console:
    """A console on the stdout of now: the build sends sys.stdout to its log file while it runs."""
    return Console(file=sys.stdout, soft_wrap=True)
