"""The pseudonym key, handed to DuckDB as a session variable rather than written into SQL.

dbt inlines whatever a macro returns into the compiled SQL (target/, manifest.json) and logs
every statement (logs/dbt.log). A key inlined there leaks with any copy of those files, so
the macros (macros/respondent_key.sql) refer to `getvariable('inburgering_pseudonym_key')`
and this module sets that variable on every connection: dbt's through the dbt-duckdb plugin
(dbt_plugin.py, listed in profiles.yml), any other through `configure(con)`."""

from __future__ import annotations

import os

ENVIRONMENT_VARIABLE = "INBURGERING_PSEUDONYM_KEY"
REQUIRED_VARIABLE = "INBURGERING_PSEUDONYM_KEY_REQUIRED"
SESSION_VARIABLE = "inburgering_pseudonym_key"
# Used, with a dbt warning, only when the environment has no key, so demo and test builds work
# without a secret. Pseudonyms built with it protect nothing: it is in this repository.
DEVELOPMENT_KEY = "DEVELOPMENT-ONLY-not-secret-inburgering-pseudonym-key"


class PseudonymKeyMissing(RuntimeError):
    """Production (INBURGERING_PSEUDONYM_KEY_REQUIRED=1) without a key."""


def key_is_set() -> bool:
    return bool(os.environ.get(ENVIRONMENT_VARIABLE))


def key() -> str:
    if key_is_set():
        return os.environ[ENVIRONMENT_VARIABLE]
    if os.environ.get(REQUIRED_VARIABLE, "").lower() in ("1", "true", "yes"):
        raise PseudonymKeyMissing(f"{ENVIRONMENT_VARIABLE} is not set and {REQUIRED_VARIABLE} is: "
                                  "refusing to build pseudonyms with the development key")
    return DEVELOPMENT_KEY


def configure(con) -> None:
    """Give a DuckDB connection (or cursor) the key; parameter-bound, so it is in no SQL text."""
    con.execute(f"set variable {SESSION_VARIABLE} = ?", [key()])
