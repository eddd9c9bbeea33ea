"""What a process imports: the steps that do not run dbt stay clear of dagster-dbt."""

from __future__ import annotations

import subprocess
import sys


def test_the_analyses_and_the_report_load_without_dbt():
    """dagster-dbt imports dbt-core (about a second): a process that runs only the analyses, the
    report or the snapshot must not pay for it. A fresh interpreter, since this one has it."""
    code = ("import sys; import orchestration.assets.analysis, orchestration.assets.publication, "
            "orchestration.resources; print(sorted({'dagster_dbt', 'dbt'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
