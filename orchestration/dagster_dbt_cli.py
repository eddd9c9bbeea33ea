"""dagster-dbt, loaded for a project that runs dbt as a command only. Every module of the project
imports dagster-dbt's names from here, never from dagster_dbt itself.

dagster-dbt asks whether dbt-core can be imported in its own process. When it can, it imports
dbt-core's adapter, result and graph modules (about 2 s in every process that loads the
definitions) to pick the manifest's nodes with dbt's selector and to open an adapter for optional
column metadata. This project needs neither: its dbt assets take every node of the manifest, and
dbt itself always runs as the `dbt` executable, in a subprocess of its own. So dagster-dbt is
imported here as it is where dbt-core lives in another environment (as with dbt Fusion): it then
reads the nodes straight from the manifest, and the dbt command's JSON events as it always does.
dbt-core stays installed, for that executable; only this process does not load it. A `select` or
`exclude` given to `dbt_assets` would need dbt's selector: dagster-dbt then refuses to load,
saying so, instead of guessing.
"""

from __future__ import annotations

import sys

# `import dbt.version` raises ImportError while the module table holds None for it (Python's
# import system); that import is how dagster-dbt looks for dbt-core
_PROBE = "dbt.version"
_ABSENT = object()


def _import_without_dbt_core() -> None:
    if "dagster_dbt" in sys.modules:
        return  # loaded before this module, as it decided then; it works either way
    before = sys.modules.get(_PROBE, _ABSENT)
    sys.modules[_PROBE] = None  # type: ignore[assignment]
    try:
        import dagster_dbt  # noqa: F401
    finally:
        if before is _ABSENT:
            del sys.modules[_PROBE]
        else:
            sys.modules[_PROBE] = before


_import_without_dbt_core()

from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets  # noqa: E402

__all__ = ["DagsterDbtTranslator", "DbtCliResource", "DbtProject", "dbt_assets"]
