"""Runs the benchmark: every stage of every scale in a child process, in a fresh temp folder."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from orchestration.bench.stage import publish_available
from orchestration.config import PROJECT_DIR
from orchestration.dbt_runner import copy_partial_parse
from orchestration.privacy.pseudonym_key import DEMO_VARIABLE

RESULTS_DIR = PROJECT_DIR / "warehouse" / "bench"
# The stages of the refresh, in order; the extra measurements follow.
STAGES = ["generate", "land", "dbt_build", "analysis"]
# (summary key, scale it applies to or None for every scale, at most, what it measures)
GOALS = [
    ("refresh_from_landed_seconds", 1, 20.0, "refresh from landed files, s"),
    ("refresh_over_plain_sql", 1, 7.0, "refresh from landed files / plain-SQL floor"),
    ("refresh_noop_seconds", None, 5.0, "refresh with nothing new landed, s (median run)"),
    ("refresh_noop_work", None, 0, "dbt nodes rebuilt + analysis tables recomputed, nothing new landed (any run)"),
    ("dbt_over_plain_sql", 10, 2.0, "dbt build / plain-SQL floor"),
    ("pipeline_seconds", 100, 600.0, "generate to analyses, s"),
    # the figure the ten minutes were first set on (dbt build at scale 100)
    ("dbt_build_seconds", 100, 600.0, "dbt build, s"),
    ("peak_rss_gib", 100, 8.0, "peak RSS of any stage, GiB"),
]


class StageFailed(RuntimeError):
    pass


def say_flushed(message: str) -> None:
    print(message, flush=True)


@dataclass
class Options:
    scales: list[float]
    seed: int = 2024
    fmt: str = "sav"
    metingen: tuple[int, ...] = (2023, 2024)
    noop: bool = True
    noop_runs: int = 3
    profile: set[str] = field(default_factory=set)
    skip: set[str] = field(default_factory=set)
    query_runs: int = 20
    results_dir: Path = RESULTS_DIR
    workdir: Path | None = None
    keep: bool = False


def run_stage(stage: str, args: dict, scratch: Path, label: str | None = None) -> dict:
    """Run one stage in a child process; its result dict (seconds, peak_rss_mib, details)."""
    label = label or stage
    args_path, result_path = scratch / f"{label}.args.json", scratch / f"{label}.result.json"
    args_path.write_text(json.dumps(args, default=str), encoding="utf-8")
    started = time.perf_counter()
    # the bench builds synthetic exports only: it asks for the demo pseudonym key by name
    process = subprocess.run([sys.executable, "-m", "orchestration.bench.stage", stage, str(args_path),
                              str(result_path)], cwd=PROJECT_DIR, capture_output=True, text=True,
                             env={**os.environ, DEMO_VARIABLE: "1"})
    wall = time.perf_counter() - started
    if process.returncode != 0 or not result_path.exists():
        raise StageFailed(f"stage {label} failed (exit {process.returncode}):\n"
                          f"{process.stdout[-3000:]}\n{process.stderr[-5000:]}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["process_seconds"] = wall  # including the child's start-up and imports
    return result


def copy_database(source: Path, folder: Path) -> Path:
    """`source` and the WAL beside it, if any (it holds committed work too), copied into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name  # same file stem: dbt's compiled SQL names the database by it
    shutil.copyfile(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, target.with_name(target.name + ".wal"))
    return target


def bench_scale(scale: float, options: Options, root: Path, say=say_flushed) -> dict:
    root.mkdir(parents=True, exist_ok=True)
    scratch = root / "scratch"
    scratch.mkdir(exist_ok=True)
    exports = root / "exports"
    warehouse = root / "warehouse"
    database = warehouse / "inburgering.duckdb"
    landing = warehouse / "landing"
    outputs = warehouse / "outputs"
    target = warehouse / "target"
    stages: dict[str, dict] = {}

    def stage(name: str, kind: str, args: dict, label: str | None = None) -> dict | None:
        label = label or name
        if name in options.skip:
            say(f"scale {scale:g}: {label} skipped (--skip)")
            return None
        say(f"scale {scale:g}: {label} ...")
        if kind in options.profile:
            args = {**args, "profile": True, "profile_out": str(scratch / f"{label}.prof")}
        result = run_stage(kind, args, scratch, label)
        say(f"scale {scale:g}: {label} {result['seconds']:.1f} s, peak {result['peak_rss_mib']:.0f} MiB")
        stages[label] = result
        return result

    generated = stage("generate", "generate", {"out_dir": str(exports), "seed": options.seed, "scale": scale,
                                                "fmt": options.fmt, "metingen": list(options.metingen)})
    files = [Path(path) for path in generated["details"]["files"]]
    stage("land", "land", {"database": str(database), "paths": [str(p) for p in files],
                           "landing_dir": str(landing)})
    floor_db = copy_database(database, root / "floor")  # the landed raw data, before dbt
    # dbt's start-up: a parse without dbt's partial-parse cache, then one with it (what every
    # later command in the same target folder gets)
    parse_target = {"database": str(database), "target_path": str(root / "parse-target")}
    stage("dbt_parse_cold", "dbt_parse", parse_target)
    stage("dbt_parse_warm", "dbt_parse", parse_target)
    # the build starts from that cache, as the refresh job's does: dagster-dbt copies the
    # project's partial_parse.msgpack into each invocation's target folder
    copy_partial_parse(root / "parse-target", target)
    stage("dbt_build", "dbt_build", {"database": str(database), "target_path": str(target)})
    # the snapshot where the refresh job publishes it too: a refresh with nothing new then finds
    # it up to date, as it would after a build
    snapshot = warehouse / "published" / database.name
    env = {"database": str(database), "landing_dir": str(landing), "outputs_dir": str(outputs),
           "snapshot": str(snapshot)}
    stage("analysis", "analysis", env)
    if publish_available():
        stage("publish", "publish", {"database": str(database), "snapshot": str(snapshot)})
    stage("query", "query", {"database": str(database), "runs": options.query_runs})
    dbt_counts = _row_counts(database)
    floor = stage("plain_sql", "plain_sql", {"database": str(floor_db), "seeds_from": str(database),
                                             "target_path": str(target),
                                             "script_out": str(scratch / "plain_sql.sql")})
    if floor:
        floor["details"]["dbt_row_counts"] = dbt_counts
        floor["details"]["same_row_counts"] = floor["details"]["row_counts"] == dbt_counts
    shutil.rmtree(root / "floor", ignore_errors=True)

    if options.noop and "analysis" not in options.skip:
        # The refresh job again with nothing new landed: dbt_build recorded what it was built
        # from and the analysis stage what each analysis computed from, so nothing is redone.
        # A run of a few seconds swings by tenths with the machine: it runs several times, and
        # the figure is the median run (every run's time and work are kept beside it).
        runs = [stage("refresh_noop", "refresh", env, label=f"refresh_noop_{number}")
                for number in range(1, options.noop_runs + 1)]
        stages["refresh_noop"] = median_run(runs)

    return {"scale": scale, "stages": stages, "rows": dbt_counts, "summary": summarise(stages),
            "respondent_waves": dbt_counts.get("marts.fct_respondent"),
            "answer_rows": dbt_counts.get("intermediate.int_answers")}


def median_run(runs: list[dict]) -> dict:
    """The run with the median time (the lower of the two middle ones for an even count: always a
    run that happened), with every run's seconds and the most work any run did."""
    ordered = sorted(runs, key=lambda run: run["seconds"])
    chosen = ordered[(len(ordered) - 1) // 2]
    return {**chosen, "details": {**chosen["details"], "runs_seconds": [run["seconds"] for run in runs],
                                  "most_work_in_a_run": max(noop_work(run["details"]) for run in runs)}}


def noop_work(details: dict) -> int:
    """What a refresh with nothing new did anyway: dbt nodes rebuilt and analysis tables recomputed."""
    return len(details["dbt_nodes_rebuilt"]) + len(details["analysis_tables_recomputed"])


def _row_counts(database: Path) -> dict[str, int]:
    from orchestration.bench.stage import row_counts

    return row_counts(str(database))


def summarise(stages: dict[str, dict]) -> dict:
    seconds = {name: result["seconds"] for name, result in stages.items()}
    summary = {
        "pipeline_seconds": sum(seconds[name] for name in STAGES if name in seconds),
        # landed files to everything published: dbt, analyses and report pages, the snapshot
        "refresh_from_landed_seconds": sum(seconds.get(name, 0) for name in ("dbt_build", "analysis", "publish")),
        "peak_rss_mib": max(result["peak_rss_mib"] for result in stages.values()),
    }
    if "dbt_build" in seconds:
        summary["dbt_build_seconds"] = seconds["dbt_build"]
    if "plain_sql" in seconds and seconds["plain_sql"] > 0:
        summary["plain_sql_seconds"] = seconds["plain_sql"]
        summary["dbt_over_plain_sql"] = seconds["dbt_build"] / seconds["plain_sql"]
        models = stages["dbt_build"]["details"].get("node_seconds_by_kind", {}).get("model")
        if models:
            summary["dbt_model_seconds"] = models
            summary["dbt_models_over_plain_sql"] = models / seconds["plain_sql"]
        summary["plain_sql_same_row_counts"] = stages["plain_sql"]["details"]["same_row_counts"]
    if "plain_sql" in seconds and seconds["plain_sql"] > 0:
        summary["refresh_over_plain_sql"] = summary["refresh_from_landed_seconds"] / seconds["plain_sql"]
    summary["peak_rss_gib"] = summary["peak_rss_mib"] / 1024
    if "refresh_noop" in stages:
        noop = stages["refresh_noop"]["details"]
        summary["refresh_noop_seconds"] = seconds["refresh_noop"]
        summary["refresh_noop_work"] = noop.get("most_work_in_a_run", noop_work(noop))
        if "runs_seconds" in noop:
            summary["refresh_noop_runs_seconds"] = noop["runs_seconds"]
            summary["refresh_noop_slowest_seconds"] = max(noop["runs_seconds"])
        if "definitions_load_seconds" in noop:
            # the run itself, as in a code location that is loaded already (dagster dev, a code server)
            summary["refresh_noop_definitions_load_seconds"] = noop["definitions_load_seconds"]
            summary["refresh_noop_run_seconds"] = seconds["refresh_noop"] - noop["definitions_load_seconds"]
    for name in ("dbt_parse_cold", "dbt_parse_warm"):
        if name in seconds:
            summary[f"{name}_seconds"] = seconds[name]
    steps = stages.get("analysis", {}).get("details", {}).get("step_seconds", {})
    if steps and "unavailable" not in steps:
        # Dagster's own share of the analysis stage: run set-up, event log, IO outside the steps
        summary["analysis_step_seconds"] = sum(steps.values())
        summary["analysis_outside_steps_seconds"] = seconds["analysis"] - sum(steps.values())
    if "query" in stages:
        summary["query_median_seconds"] = stages["query"]["details"]["median_seconds"]
    return summary


def goal_lines(report: dict) -> list[dict]:
    """Each goal with its figure from this run, at the scales it applies to and that were run."""
    lines = []
    for goal in report["goals"]:
        for entry in report["scales"]:
            if goal["scale"] is not None and entry["scale"] != goal["scale"]:
                continue
            figure = entry["summary"].get(goal["figure"])
            lines.append({**goal, "scale": entry["scale"], "value": figure,
                          "met": None if figure is None else figure <= goal["at_most"]})
    return lines


def run(options: Options, say=say_flushed) -> dict:
    started = datetime.now(timezone.utc)
    report = {"started_at": started.isoformat(), "machine": _machine(),
              "goals": [{"figure": k, "scale": s, "at_most": v, "label": label} for k, s, v, label in GOALS],
              "options": {"scales": options.scales, "seed": options.seed, "fmt": options.fmt,
                          "metingen": list(options.metingen), "noop": options.noop,
                          "noop_runs": options.noop_runs, "skip": sorted(options.skip),
                          "profile": sorted(options.profile), "query_runs": options.query_runs},
              "scales": []}
    if options.workdir is not None:
        options.workdir.mkdir(parents=True, exist_ok=True)  # a --workdir that does not exist yet is made
    base = Path(tempfile.mkdtemp(prefix="inburgering-bench-", dir=options.workdir))
    try:
        for scale in options.scales:
            report["scales"].append(bench_scale(scale, options, base / f"scale-{scale:g}", say))
            _write(report, options.results_dir, started)  # a partial result survives a later failure
    finally:
        if options.keep:
            say(f"kept the bench folders in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    report["finished_at"] = datetime.now(timezone.utc).isoformat()
    report["goal_lines"] = goal_lines(report)
    report["files"] = [str(path) for path in _write(report, options.results_dir, started)]
    return report


def _write(report: dict, folder: Path, started: datetime) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, indent=2, default=str)
    stamped = folder / f"bench-{started:%Y%m%dT%H%M%SZ}.json"
    latest = folder / "latest.json"
    stamped.write_text(text, encoding="utf-8")
    latest.write_text(text, encoding="utf-8")
    return [stamped, latest]


def _machine() -> dict:
    memory = None
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        pass
    import duckdb

    return {"cpus": os.cpu_count(), "memory_gib": round(memory, 1) if memory else None,
            "python": platform.python_version(), "duckdb": duckdb.__version__, "platform": platform.platform()}
