"""Mutation check: apply one deliberate error at a time to a copy of the project and see whether
some check (landing, pytest guard, `inburgering build` with its dbt tests and asset checks) fails.

A mutation that no check catches is a missing check. The copy runs with the project's own
virtualenv: PYTHONPATH puts the copy's `orchestration` ahead of the editable install, and dbt runs
with the copy as its project folder. The exports are generated once, from the unmutated project,
and shared by every mutant: on real data the exports are fixed and the rules are what can be wrong.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
MUTATIONS_FILE = HERE / "mutations.yaml"
STAGES = ("land", "pytest", "build")


@dataclass(frozen=True)
class Edit:
    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Mutation:
    id: str
    description: str
    edits: tuple[Edit, ...]
    expected_stage: str


@dataclass
class Outcome:
    mutation: str
    caught_by: str | None
    seconds: float
    detail: str = ""
    stages_run: list[str] = field(default_factory=list)

    @property
    def caught(self) -> bool:
        return self.caught_by is not None


class MutationNotApplicable(RuntimeError):
    """The text a mutation edits is not in the project (exactly once): the list is out of date."""


def load_mutations(path: Path = MUTATIONS_FILE) -> list[Mutation]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutations = []
    for entry in spec["mutations"]:
        edits = tuple(Edit(e["file"], e["old"], e["new"]) for e in entry["edits"])
        if entry["expected_stage"] not in STAGES:
            raise ValueError(f"{entry['id']}: expected_stage must be one of {STAGES}")
        mutations.append(Mutation(entry["id"], entry["description"].strip(), edits, entry["expected_stage"]))
    return mutations


def guard_tests(path: Path = MUTATIONS_FILE) -> list[str]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["pytest_guards"])


def project_files(project: Path = PROJECT) -> list[str]:
    """What git tracks plus what it would (untracked, not ignored): the project as a clone has it."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=project, capture_output=True, check=True).stdout
    return [name for name in listed.decode().split("\0") if name and (project / name).is_file()]


def copy_project(target: Path, project: Path = PROJECT) -> Path:
    for name in project_files(project):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project / name, destination)
    return target


def apply(mutation: Mutation, copy: Path) -> None:
    for edit in mutation.edits:
        path = copy / edit.file
        text = path.read_text(encoding="utf-8")
        found = text.count(edit.old)
        if found != 1:
            raise MutationNotApplicable(f"{mutation.id}: {edit.file} holds the text to edit {found} times, not once")
        path.write_text(text.replace(edit.old, edit.new), encoding="utf-8")


def environment(copy: Path) -> dict[str, str]:
    warehouse = copy / "warehouse"
    reference = os.environ.get("INBURGERING_REFERENCE_DIR") or str(PROJECT.parent / "shared" / "reference")
    env = {**os.environ,
           "PYTHONPATH": str(copy),
           "INBURGERING_DUCKDB_PATH": str(warehouse / "inburgering.duckdb"),
           "INBURGERING_LANDING_DIR": str(warehouse / "landing"),
           "INBURGERING_OUTPUTS_DIR": str(warehouse / "outputs"),
           "INBURGERING_CODEBOOK_DIR": str(copy / "seeds" / "codebook"),
           "INBURGERING_REFERENCE_DIR": reference,
           "DAGSTER_HOME": str(warehouse / "dagster_home"),
           # the mutants are demo builds: the public demo pseudonym key, asked for explicitly
           "INBURGERING_DEMO": "1"}
    env.pop("INBURGERING_SNAPSHOT_PATH", None)
    return env


def _run(command: list[str], copy: Path, log: Path) -> int:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        return subprocess.run(command, cwd=copy, env=environment(copy), stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL).returncode


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestration.cli", *args]


def stage_land(copy: Path, exports: list[Path], log: Path) -> bool:
    """True when the landing accepts every export. Each mutant lands its own copies of the files,
    since a refused file is moved to quarantine."""
    incoming = copy / "warehouse" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    copies = [Path(shutil.copy2(path, incoming / path.name)) for path in exports]
    return _run(_cli("load", *map(str, copies)), copy, log) == 0


def stage_pytest(copy: Path, guards: list[str], log: Path) -> bool:
    return _run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *guards], copy, log) == 0


def stage_build(copy: Path, log: Path) -> bool:
    """`inburgering build`: dbt models and tests, analyses, asset checks; non-zero on an ERROR check."""
    (copy / "warehouse" / "dagster_home").mkdir(parents=True, exist_ok=True)
    (copy / "warehouse" / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    dbt = str(Path(sys.executable).parent / "dbt")
    if _run([dbt, "parse", "--profiles-dir", ".", "--quiet"], copy, log) != 0:
        return False
    return _run(_cli("build"), copy, log) == 0


def run_stages(copy: Path, exports: list[Path], guards: list[str], stages: tuple[str, ...], log: Path) -> str | None:
    """The first stage that fails, or None when every stage passes."""
    for stage in stages:
        passed = {"land": lambda: stage_land(copy, exports, log),
                  "pytest": lambda: stage_pytest(copy, guards, log),
                  "build": lambda: stage_build(copy, log)}[stage]()
        if not passed:
            return stage
    return None


def generate_exports(workdir: Path, scale: float = 1.0) -> list[Path]:
    """The demo exports, written once by the unmutated generator, at `scale` times the demo's
    respondents."""
    directory = workdir / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    log = workdir / "generate.log"
    with log.open("w", encoding="utf-8") as out:
        subprocess.run(_cli("generate", "--out", str(directory), "--scale", f"{scale:g}"), cwd=PROJECT,
                       stdout=out, stderr=subprocess.STDOUT,
                       env={**os.environ, "PYTHONPATH": str(PROJECT)}, check=True, stdin=subprocess.DEVNULL)
    return sorted(directory.glob("*.sav"))


def check(mutation: Mutation | None, workdir: Path, exports: list[Path], guards: list[str],
          stages: tuple[str, ...]) -> Outcome:
    name = mutation.id if mutation else "baseline"
    copy = copy_project(workdir / name)
    if mutation:
        apply(mutation, copy)
    started = time.perf_counter()
    log = workdir / f"{name}.log"
    failed = run_stages(copy, exports, guards, stages, log)
    outcome = Outcome(name, failed, time.perf_counter() - started, detail=str(log), stages_run=list(stages))
    shutil.rmtree(copy, ignore_errors=True)
    return outcome
