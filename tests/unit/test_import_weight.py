"""What a process imports: the steps that do not run dbt stay clear of dagster-dbt."""

from __future__ import annotations

import subprocess
import sys


def test_the_analyses_and_the_report_load_without_dbt():
    """A process that runs only the analyses, the report or the snapshot loads neither dagster-dbt
    nor dbt-core (dagster-dbt loads dbt-core too when imported directly, about 2 s). A fresh
    interpreter, since this one has them."""
    code = ("import sys; import orchestration.assets.analysis, orchestration.assets.publication, "
            "orchestration.resources; print(sorted({'dagster_dbt', 'dbt'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_definitions_load_dagster_dbt_without_dbt_core():
    """dbt runs as a command only: the process that loads the definitions (every run, the UI's
    code location) has dagster-dbt without dbt-core (orchestration/dagster_dbt_cli.py), about 2 s
    less at each start. The asset graph is the same either way (test_dagster_metadata)."""
    code = ("import sys; import orchestration.definitions; from dagster_dbt import compat; "
            "print(compat.DBT_PYTHON_VERSION, sorted(m for m in sys.modules if m == 'dbt' or m.startswith('dbt.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "None []"
