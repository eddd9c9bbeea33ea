"""The rules dbt_project.yml keeps as vars, for the Python that applies them beside the SQL
models (the subgroup label of an unknown value, the answer statuses of each percentage base):
one owner, which SQL reads with var() and Python through `dbt_var`."""

from __future__ import annotations

from functools import cache

from orchestration.config import PROJECT_DIR
from orchestration.yaml_file import read_yaml

PROJECT_FILE = PROJECT_DIR / "dbt_project.yml"


@cache
def _project_vars() -> dict:
    return read_yaml(PROJECT_FILE).get("vars") or {}


def dbt_var(name: str):
    """The value of var `name` in dbt_project.yml; a clear error when it is not there."""
    values = _project_vars()
    if name not in values:
        raise KeyError(f"{PROJECT_FILE}: vars has no {name!r} (it has {sorted(values)})")
    return values[name]
