"""One benchmark stage in a process of its own:

    python -m orchestration.bench.stage <stage> <args.json> <result.json>

The result file gets the stage's wall time (of the work itself, imports excluded), its peak
RSS (the larger of this process's and its waited-for children's, e.g. dbt) and any details.
With "profile": true in the args, the work runs under cProfile and the top functions by
cumulative time are added (the time then includes the profiler's overhead)."""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import sys
import time
from pathlib import Path

DISTRIBUTION_QUERY = """
select breakdown_value, harmonised_code, respondents, valid_n, round(pct_valid, 1) as pct
from marts.mart_route_cohort
where meting = 2024 and question_id = 'goal_prepared_for_job' and breakdown = 'leerroute_x_cohort'
order by breakdown_value, harmonised_code
"""

COUNTED = ["marts.fct_respondent", "marts.mart_route_cohort", "marts.fct_answer", "intermediate.int_answers",
           "intermediate.int_respondents"]


def peak_rss_mib() -> float:
    """ru_maxrss is in KiB on Linux."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def row_counts(database: str) -> dict[str, int]:
    import duckdb

    with duckdb.connect(database, read_only=True) as con:
        existing = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        return {name: con.execute(f"select count(*) from {name}").fetchone()[0] for name in COUNTED
                if name in existing}


def _env(args: dict) -> None:
    for key, variable in (("database", "INBURGERING_DUCKDB_PATH"), ("landing_dir", "INBURGERING_LANDING_DIR"),
                          ("outputs_dir", "INBURGERING_OUTPUTS_DIR"), ("snapshot", "INBURGERING_SNAPSHOT_PATH")):
        if args.get(key):
            os.environ[variable] = str(args[key])


def generate(args: dict) -> dict:
    from orchestration.synthetic.generator import generate as generate_exports

    paths = generate_exports(Path(args["out_dir"]), seed=args["seed"], scale=args["scale"], fmt=args["fmt"],
                             metingen=tuple(args["metingen"]))
    return {"files": [str(path) for path in paths],
            "bytes": sum(path.stat().st_size for path in paths)}


def land(args: dict) -> dict:
    from orchestration.landing.loader import land_files

    outcomes = land_files(Path(args["database"]), [Path(p) for p in args["paths"]],
                          landing_dir=Path(args["landing_dir"]))
    return {"files": len(outcomes), "rows": sum(outcome.rows or 0 for outcome in outcomes)}


def dbt_build(args: dict) -> dict:
    """`dbt build` with dbt's per-node times. Untimed after it: the record a refresh writes after
    a complete build (orchestration.dbt_state), so a later refresh knows what this build read."""
    import duckdb

    from orchestration import dbt_state
    from orchestration.config import PROJECT_DIR
    from orchestration.dbt_runner import WITHOUT_UNIT_TESTS
    from orchestration.dbt_runner import dbt_build as build

    target = Path(args["target_path"])
    # what the refresh job's first build runs: every seed, model and data test
    build(Path(args["database"]), target, PROJECT_DIR, *WITHOUT_UNIT_TESTS)
    timings = dbt_timings(target)
    with duckdb.connect(args["database"]) as con:
        dbt_state.record(con, dbt_state.current_inputs(con), target / "manifest.json", models_ran=True)
    return timings


def refresh(args: dict) -> dict:
    """The refresh job as `inburgering build` runs it (orchestration/build.py: its console level,
    its log file), in this process: landing, dbt, the analyses, the report and the snapshot. What
    each step did comes from its outputs' metadata: dbt models rebuilt, analysis tables
    recomputed."""
    started = time.perf_counter()
    from dagster import DagsterEventType, DagsterInstance
    from rich.console import Console

    from orchestration.assets.automation import REFRESH_JOB
    from orchestration.build import CONSOLE_LOG_LEVEL, run_build
    from orchestration.definitions import defs

    loaded = time.perf_counter() - started  # what a fresh run process pays before its first step
    instance = DagsterInstance.ephemeral()
    outcome = run_build(defs, REFRESH_JOB, Path(args["database"]), CONSOLE_LOG_LEVEL,
                        Console(file=io.StringIO()), instance=instance)
    # a run whose steps all ran is measured, as before, even where a check does not pass (the
    # reproduction of the report at a small scale)
    if not outcome.run_success or outcome.failed_steps:
        failures = [f"{step}: {message}" for step, message in outcome.failed_steps]
        raise RuntimeError(f"refresh failed (log {outcome.log_path}): " + "; ".join(failures)[:2000])
    rebuilt, recomputed = [], []
    for entry in instance.all_logs(outcome.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
        materialization = entry.dagster_event.event_specific_data.materialization
        metadata = {name: getattr(value, "value", value) for name, value in materialization.metadata.items()}
        name = materialization.asset_key.to_user_string()
        if metadata.get("rebuilt") is True:
            rebuilt.append(name)
        if name.startswith("analysis/") and metadata.get("recomputed") is not False:
            recomputed.append(name)
    return {"dbt_nodes_rebuilt": sorted(rebuilt), "analysis_tables_recomputed": sorted(recomputed),
            "definitions_load_seconds": round(loaded, 3), "step_seconds": _step_seconds(instance, outcome.run_id)}


def dbt_parse(args: dict) -> dict:
    """`dbt parse` into args["target_path"]: cold when that folder has no partial_parse.msgpack
    yet, warm (partial parsing: only changed files re-read) when an earlier parse left one."""
    from orchestration.dbt_runner import PARTIAL_PARSE_FILE, run_dbt

    target = Path(args["target_path"])
    had_cache = (target / PARTIAL_PARSE_FILE).exists()
    result = run_dbt("parse", Path(args["database"]), target)
    if result.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    full = "Unable to do partial parsing" in result.stdout or not had_cache
    return {"partial_parse_cache_before": had_cache, "full_parse": full,
            "reparse_reason": next((line.strip() for line in result.stdout.splitlines()
                                    if "Unable to do partial parsing" in line), None)}


def publish(args: dict) -> dict:
    """The read-only snapshot analysts query (orchestration/publish/snapshot.py)."""
    from orchestration.publish.snapshot import publish as publish_snapshot

    snapshot = publish_snapshot(Path(args["database"]), Path(args["snapshot"]))
    size = Path(args["snapshot"]).stat().st_size
    return {"snapshot": str(snapshot.path), "bytes": size}


def publish_available() -> bool:
    """The publish step is timed only where the project has it."""
    import importlib.util

    try:
        return importlib.util.find_spec("orchestration.publish.snapshot") is not None
    except ModuleNotFoundError:
        return False


def dbt_timings(target: Path) -> dict:
    """Per-node execution times of the last dbt invocation, summed by kind, and the slowest."""
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    by_kind: dict[str, float] = {}
    nodes = []
    for result in results["results"]:
        kind = result["unique_id"].split(".", 1)[0]
        by_kind[kind] = by_kind.get(kind, 0.0) + result["execution_time"]
        nodes.append((result["execution_time"], result["unique_id"]))
    nodes.sort(reverse=True)
    bad = [r for r in results["results"] if r["status"] not in ("success", "pass")]
    return {"dbt_elapsed": results.get("elapsed_time"),
            "model_seconds": {seconds_uid[1]: round(seconds_uid[0], 3) for seconds_uid in nodes
                              if seconds_uid[1].startswith("model.")},
            "failed_models": [r["unique_id"] for r in bad if r["unique_id"].startswith(("model.", "seed."))],
            "failed_tests": [f"{r['unique_id']}: {r['status']}" for r in bad
                             if not r["unique_id"].startswith(("model.", "seed."))],
            "node_seconds_by_kind": {k: round(v, 3) for k, v in sorted(by_kind.items())},
            "slowest_nodes": [{"node": uid, "seconds": round(seconds, 3)} for seconds, uid in nodes[:10]]}


def analysis(args: dict) -> dict:
    from dagster import DagsterInstance, materialize

    from orchestration.assets.analysis import analysis_assets, analysis_checks
    from orchestration.assets.publication import publication_assets
    from orchestration.build import console_config
    from orchestration.resources import WarehouseResource

    instance = DagsterInstance.ephemeral()
    # the analyses and the publication report: everything the refresh renders under outputs/;
    # they read the warehouse only (dbt's resource, and dagster-dbt's import, are the dbt stage's),
    # with the console logging of `inburgering build`
    result = materialize([*analysis_assets, *publication_assets, *analysis_checks],
                         resources={"warehouse": WarehouseResource()}, instance=instance, raise_on_error=False,
                         run_config=console_config())
    if not result.success:
        failures = [event.event_specific_data.error.message for event in result.all_events if event.is_step_failure]
        raise RuntimeError("analysis assets failed: " + "; ".join(failures)[:2000])
    outputs = Path(args["outputs_dir"])
    files = [path for path in outputs.rglob("*") if path.is_file()]
    checks = result.get_asset_check_evaluations()
    return {"materialisations": len(result.get_asset_materialization_events()),
            "checks_passed": sum(check.passed for check in checks), "checks": len(checks),
            "published_files": len(files), "published_bytes": sum(path.stat().st_size for path in files),
            "step_seconds": _step_seconds(instance, result.run_id)}


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    """Seconds per Dagster step (asset or check), from the run's event log; {} if unreadable."""
    try:
        starts, ends = {}, {}
        for entry in instance.all_logs(run_id):
            event = entry.dagster_event
            if event is None or not entry.step_key:
                continue
            if event.event_type_value == "STEP_START":
                starts[entry.step_key] = entry.timestamp
            elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                ends[entry.step_key] = entry.timestamp
        return {key: round(ends[key] - starts[key], 3) for key in starts if key in ends}
    except Exception as error:  # a breakdown only: never fail the measurement for it
        return {"unavailable": str(error)}


def query(args: dict) -> dict:
    import duckdb

    runs = args.get("runs", 20)
    with duckdb.connect(args["database"], read_only=True) as con:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            rows = con.execute(DISTRIBUTION_QUERY).fetchall()
            times.append(time.perf_counter() - start)
    return {"runs": runs, "rows": len(rows), "first_seconds": times[0], "median_seconds": statistics.median(times),
            "max_seconds": max(times)}


def plain_sql(args: dict, timer: dict) -> dict:
    """Untimed: seeds copied from the dbt-built warehouse into the copy of the landed raw data.
    Timed: the compiled models as one script."""
    import duckdb

    from orchestration.bench.plain_sql import PythonModel, script, seed_relations, statements

    target = Path(args["target_path"])
    sql, relations = script(target)
    Path(args["script_out"]).write_text(sql, encoding="utf-8")
    parts = statements(target)
    per_model: dict[str, float] = {}
    python_models: dict[str, float] = {}
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect(args["database"]) as con:
        _as_dbt_connects(con)
        con.execute(f"attach '{args['seeds_from']}' as seeds_source (read_only)")
        for schema, table in seed_relations(manifest):
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(f'create or replace table "{schema}"."{table}" as '
                        f'select * from seeds_source."{schema}"."{table}"')
        con.execute("detach seeds_source")
        con.execute("checkpoint")
        timer["start"] = time.perf_counter()
        # the script, statement by statement on one connection (= running it whole), each timed
        for relation, statement in parts:
            started = time.perf_counter()
            if isinstance(statement, PythonModel):
                statement.run(con)  # a dbt Python model: its model() function, timed like the rest
            else:
                con.execute(statement)
            if relation:
                per_model[relation] = round(time.perf_counter() - started, 3)
                if isinstance(statement, PythonModel):
                    python_models[relation] = per_model[relation]
        con.execute("checkpoint")  # dbt's tables are durable when it returns; so are these
        timer["end"] = time.perf_counter()
    slowest = sorted(per_model.items(), key=lambda item: -item[1])[:10]
    return {"models": len(relations), "script_chars": len(sql), "row_counts": row_counts(args["database"]),
            "python_models_seconds": python_models,
            "slowest_models": [{"relation": relation, "seconds": seconds} for relation, seconds in slowest]}


def _as_dbt_connects(con) -> None:
    """What dbt-duckdb does to every connection dbt opens, from profiles.yml: its `settings`
    (memory_limit: the floor gets the same cap as dbt) and its plugins (the pseudonym key as a
    session variable, orchestration.privacy.dbt_plugin, which the compiled SQL relies on)."""
    import jinja2
    import yaml

    from orchestration.config import PROJECT_DIR

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))
    outputs = list(profile["inburgering"]["outputs"].values())
    for name, value in ((name, value) for output in outputs for name, value in (output.get("settings") or {}).items()):
        rendered = jinja2.Template(str(value)).render(env_var=lambda key, default=None: os.environ.get(key, default))
        con.execute(f"set {name} = '{rendered}'")
    modules = [plugin.get("module") for output in outputs for plugin in output.get("plugins") or []]
    if "orchestration.privacy.dbt_plugin" in modules:
        from orchestration.privacy.pseudonym_key import configure

        configure(con)
    unknown = [module for module in modules if module != "orchestration.privacy.dbt_plugin"]
    if unknown:
        raise RuntimeError(f"plain SQL floor: profiles.yml lists dbt-duckdb plugins it does not mirror: {unknown}")


STAGES = {"generate": generate, "land": land, "dbt_build": dbt_build, "analysis": analysis, "query": query,
          "plain_sql": plain_sql, "dbt_parse": dbt_parse, "publish": publish, "refresh": refresh}


def main(stage: str, args_path: str, result_path: str) -> None:
    args = json.loads(Path(args_path).read_text(encoding="utf-8"))
    _env(args)
    function = STAGES[stage]
    profiler = cProfile.Profile() if args.get("profile") else None
    timer: dict = {}
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    details = function(args, timer) if stage == "plain_sql" else function(args)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    if "start" in timer:  # the stage timed only part of its work
        details["setup_seconds"] = timer["start"] - start
        seconds = timer["end"] - timer["start"]
    result = {"stage": stage, "seconds": seconds, "peak_rss_mib": peak_rss_mib(), "details": details}
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(args.get("profile_top", 30))
        result["profile"] = text.getvalue()
        result["profiled"] = True
        profile_file = args.get("profile_out")
        if profile_file:
            profiler.dump_stats(profile_file)
    Path(result_path).write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:4])
