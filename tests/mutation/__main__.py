"""`python -m tests.mutation` (`make mutants`): the mutation score of the project's checks.

--sample runs the mutations marked `sample: true` with the stages that should catch them, for
`make test`; the full run applies every mutation and runs every stage a surviving one reaches."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

from .harness import MUTATIONS_FILE, STAGES, check, generate_exports, guard_tests, load_mutations

# the exports' size when only the landing runs
LANDING_ONLY_SCALE = 0.05


def _sampled(ids: set[str] | None, sample: bool) -> list:
    marked = {e["id"] for e in yaml.safe_load(MUTATIONS_FILE.read_text(encoding="utf-8"))["mutations"]
              if e.get("sample")}
    chosen = [m for m in load_mutations() if (not ids or m.id in ids) and (not sample or m.id in marked)]
    if ids and len(chosen) != len(ids):
        raise SystemExit(f"unknown mutation(s): {sorted(ids - {m.id for m in chosen})}")
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.mutation", description=__doc__)
    parser.add_argument("--sample", action="store_true", help="only the mutations marked sample, their stages only")
    parser.add_argument("--only", action="append", help="a mutation id (repeatable)")
    parser.add_argument("--workdir", type=Path, help="keep copies and logs here (default: a temporary folder)")
    parser.add_argument("--report", type=Path, help="also write the score as Markdown here")
    args = parser.parse_args(argv)

    mutations = _sampled(set(args.only) if args.only else None, args.sample)
    stages = STAGES
    if args.sample:
        deepest = max(STAGES.index(m.expected_stage) for m in mutations)
        stages = STAGES[: deepest + 1]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mutants-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"mutation check: {len(mutations)} mutation(s), stages {', '.join(stages)}; logs in {workdir}", flush=True)
    # the landing reads an export's variables, codes and labels, which a small generation holds
    # in full; the later stages compare numbers with the report, which need the demo's sample
    exports = generate_exports(workdir, LANDING_ONLY_SCALE if stages == ("land",) else 1.0)
    guards = guard_tests()

    baseline = check(None, workdir, exports, guards, stages)
    if baseline.caught:
        print(f"the unmutated project fails stage '{baseline.caught_by}': fix that first (log: {baseline.detail})")
        return 2
    print(f"baseline passes every stage ({baseline.seconds:.0f}s)", flush=True)

    outcomes = []
    for mutation in mutations:
        outcome = check(mutation, workdir, exports, guards, stages)
        outcomes.append(outcome)
        verdict = f"caught by {outcome.caught_by}" if outcome.caught else "SURVIVED"
        print(f"  {mutation.id:<28} {verdict:<18} {outcome.seconds:5.0f}s  {mutation.description.splitlines()[0]}",
              flush=True)
    caught = sum(o.caught for o in outcomes)
    print(f"mutation score: {caught} of {len(outcomes)} caught")
    if args.report:
        args.report.write_text(_markdown(mutations, outcomes, caught), encoding="utf-8")
    return 0 if caught == len(outcomes) else 1


def _markdown(mutations, outcomes, caught) -> str:
    lines = [f"# Mutation score: {caught} of {len(outcomes)} caught", "",
             "| mutation | what it breaks | caught by | seconds |", "| --- | --- | --- | --- |"]
    for mutation, outcome in zip(mutations, outcomes):
        lines.append(f"| {mutation.id} | {mutation.description.splitlines()[0]} | "
                     f"{outcome.caught_by or '**survived**'} | {outcome.seconds:.0f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
