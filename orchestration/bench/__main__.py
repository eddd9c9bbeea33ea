"""python -m orchestration.bench --scales 1 10 [100]"""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.bench.report import show
from orchestration.bench.runner import RESULTS_DIR, STAGES, Options, run


def _at_least_one(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {number}")
    return number


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m orchestration.bench", description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0],
                        help="generator scales to run (1 = the demo size)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--format", dest="fmt", choices=["sav", "csv"], default="sav")
    parser.add_argument("--metingen", type=int, nargs="+", default=[2023, 2024],
                        help="metingen to generate (one only: a partial run at a large scale)")
    parser.add_argument("--no-noop", dest="noop", action="store_false",
                        help="skip the refresh with nothing new landed (after the analysis stage)")
    parser.add_argument("--noop-runs", type=_at_least_one, default=3,
                        help="how many times the refresh with nothing new runs (its figure: the median run)")
    parser.add_argument("--profile", nargs="*", default=[], choices=[*STAGES, "plain_sql", "query"],
                        help="run these stages under cProfile; the top functions go into the JSON")
    parser.add_argument("--skip", nargs="*", default=[], choices=["analysis", "publish", "plain_sql", "query"],
                        help="leave these stages out (e.g. analysis on a one-meting partial run: it compares metingen)")
    parser.add_argument("--query-runs", type=int, default=20)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--workdir", type=Path, default=None, help="where the temp folders go (default: $TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the temp warehouses")
    args = parser.parse_args(argv)
    return Options(scales=args.scales, seed=args.seed, fmt=args.fmt, metingen=tuple(args.metingen), noop=args.noop,
                   noop_runs=args.noop_runs, profile=set(args.profile), skip=set(args.skip),
                   query_runs=args.query_runs, results_dir=args.results_dir, workdir=args.workdir, keep=args.keep)


def main(argv: list[str] | None = None) -> dict:
    report = run(parse(argv))
    show(report)
    for path in report["files"]:
        print(f"wrote {path}")
    return report


if __name__ == "__main__":
    main()
