"""Draws pages in a process of its own, so a second core draws pages while the first does:
`python -m orchestration.publication.worker JOBS RESULTS` reads a pickled list of report jobs
from the file JOBS and writes the pickled list of (order, rendered page, seconds) to RESULTS.

A module run by name rather than multiprocessing's spawn: spawn would run the caller's main
script again in the child, which is not ours to run twice."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path


def main(jobs_path: str, results_path: str) -> None:
    from orchestration.publication.report import render_page

    jobs = pickle.loads(Path(jobs_path).read_bytes())
    results = [(job.order, *render_page(job)) for job in jobs]
    Path(results_path).write_bytes(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main(*sys.argv[1:3])
