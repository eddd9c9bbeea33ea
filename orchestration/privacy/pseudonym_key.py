"""The pseudonym key, handed to DuckDB as a session variable rather than written into SQL.

dbt inlines whatever a macro returns into the compiled SQL (target/, manifest.json) and logs
every statement (logs/dbt.log). A key inlined there leaks with any copy of those files, so
the macros (macros/respondent_key.sql) refer to `getvariable('inburgering_pseudonym_key')`
and this module sets that variable on every connection: dbt's through the dbt-duckdb plugin
(dbt_plugin.py, listed in profiles.yml), any other through `configure(con)`.

Fail closed: without INBURGERING_PSEUDONYM_KEY nothing is keyed and the build stops, unless
the demo is asked for by name (INBURGERING_DEMO=1: `make run`, `make test`, the test suite
and the benchmark, all on synthetic data). Then the public demo key below is used, with a
warning, because pseudonyms built with it protect nothing."""

from __future__ import annotations

import os

ENVIRONMENT_VARIABLE = "INBURGERING_PSEUDONYM_KEY"
DEMO_VARIABLE = "INBURGERING_DEMO"
SESSION_VARIABLE = "inburgering_pseudonym_key"
# Only with INBURGERING_DEMO=1: it is in this repository, so it keys nothing worth protecting.
DEMO_KEY = "DEMO-ONLY-not-secret-inburgering-pseudonym-key"
DEMO_WARNING = (f"{DEMO_VARIABLE}=1 and no {ENVIRONMENT_VARIABLE}: pseudonyms use the public demo key "
                "(orchestration/privacy/pseudonym_key.py) and protect nothing. For synthetic data only.")


class PseudonymKeyMissing(RuntimeError):
    """No key in the environment and the demo not asked for."""


def key_is_set() -> bool:
    return bool(os.environ.get(ENVIRONMENT_VARIABLE))


def demo_requested() -> bool:
    return os.environ.get(DEMO_VARIABLE, "").strip().lower() in ("1", "true", "yes")


def uses_demo_key() -> bool:
    """True when the key in force is the public demo key (the environment's own key wins)."""
    return not key_is_set() and demo_requested()


def key() -> str:
    if key_is_set():
        return os.environ[ENVIRONMENT_VARIABLE]
    if demo_requested():
        return DEMO_KEY
    raise PseudonymKeyMissing(
        f"{ENVIRONMENT_VARIABLE} is not set: no build without the pseudonym key. Set it to the warehouse's "
        "secret key (a new one: python -c \"import secrets; print(secrets.token_hex(32))\"), or set "
        f"{DEMO_VARIABLE}=1 to build the synthetic demo with the public demo key.")


def configure(con) -> None:
    """Give a DuckDB connection (or cursor) the key; parameter-bound, so it is in no SQL text."""
    con.execute(f"set variable {SESSION_VARIABLE} = ?", [key()])
