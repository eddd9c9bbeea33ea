"""Keyed pseudonyms (macros/respondent_key.sql): respondent_key and person_key are
sha256(key || sha256(key || value)) with the key from INBURGERING_PSEUDONYM_KEY (the
development key of orchestration/privacy/pseudonym_key.py when unset), person_key the same in
every meting. The key reaches DuckDB as a session variable: no compiled SQL or log holds it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.config import PROJECT_DIR
from orchestration.privacy.pseudonym_key import DEVELOPMENT_KEY

pytestmark = pytest.mark.integration


def keyed_hash(key: str, value: str) -> str:
    inner = hashlib.sha256((key + value).encode("utf-8")).hexdigest()
    return hashlib.sha256((key + inner).encode("utf-8")).hexdigest()


def current_key() -> str:
    return os.environ.get("INBURGERING_PSEUDONYM_KEY") or DEVELOPMENT_KEY


def test_keys_are_keyed_hashes_of_the_token(built_warehouse):
    key = current_key()
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        rows = con.execute("""
            select r.respondent_key, r.respondent_token, r.meting
            from intermediate.int_respondents as r using sample 200 rows (reservoir, 7)
        """).fetchall()
        people = con.execute("select person_key from marts.dim_respondent").fetchall()
        tokens = con.execute("select distinct respondent_token from intermediate.int_respondents").fetchall()
    for respondent_key, token, meting in rows:
        assert respondent_key == keyed_hash(key, f"respondent|{meting}|{token}")
        assert respondent_key != hashlib.md5(f"{meting}|{token}".encode()).hexdigest()
    assert {p for (p,) in people} == {keyed_hash(key, f"person|{t}") for (t,) in tokens}


def test_respondent_key_unique_per_meting_person_key_stable(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        duplicates = con.execute(
            "select count(*) - count(distinct respondent_key) from marts.fct_respondent").fetchone()[0]
        panel = con.execute("""
            select count(*) from marts.dim_respondent where answered_in_several_metingen
        """).fetchone()[0]
        tokens_in_both = con.execute("""
            select count(*) from (
                select respondent_token from intermediate.int_respondents
                group by respondent_token having count(distinct meting) > 1)
        """).fetchone()[0]
        overlap = con.execute("""
            select count(*) from marts.fct_respondent as f
            inner join marts.dim_respondent as d on f.respondent_key = d.person_key
        """).fetchone()[0]
    assert duplicates == 0
    assert panel == tokens_in_both > 0  # one person_key for a panel member's two waves
    assert overlap == 0  # domain-separated: a respondent_key is never a person_key


def test_key_comes_from_the_environment_and_stays_out_of_sql_and_logs(tmp_path: Path):
    """dbt show runs the macro through the real adapter: the hash is keyed with the environment's
    key (the development key when unset), yet neither key is in the compiled SQL or dbt's log."""
    dbt = Path(sys.executable).parent / "dbt"

    def run(command: str, env_key: str | None, *args: str, required: bool = False) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INBURGERING_PSEUDONYM_KEY")}
        if required:
            env["INBURGERING_PSEUDONYM_KEY_REQUIRED"] = "1"
        env["INBURGERING_DUCKDB_PATH"] = str(tmp_path / "empty.duckdb")
        if env_key is not None:
            env["INBURGERING_PSEUDONYM_KEY"] = env_key
        return subprocess.run(
            [str(dbt), command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
             "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
             "--log-level-file", "debug", "--no-partial-parse", "--quiet",
             "--inline", "select {{ person_key(\"'t'\") }} as k", *args],
            cwd=PROJECT_DIR, env=env, capture_output=True, text=True)

    secret = "s3cr3t-test-key"
    shown = run("show", secret, "--output", "json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert keyed_hash(secret, "person|t") in shown.stdout
    assert keyed_hash(DEVELOPMENT_KEY, "person|t") in run("show", None, "--output", "json").stdout

    compiled = run("compile", secret)
    assert compiled.returncode == 0 and "getvariable('inburgering_pseudonym_key')" in compiled.stdout
    leaked = [path for path in [*tmp_path.joinpath("target").rglob("*"), *tmp_path.joinpath("logs").rglob("*")]
              if path.is_file() and (secret in path.read_text(errors="ignore")
                                     or DEVELOPMENT_KEY in path.read_text(errors="ignore"))]
    assert leaked == []
    assert tmp_path.joinpath("logs", "dbt.log").stat().st_size > 0  # the log was written, and searched

    # production: no silent fallback to the development key
    refused = run("show", None, "--output", "json", required=True)
    assert refused.returncode != 0 and "INBURGERING_PSEUDONYM_KEY is not set" in refused.stdout + refused.stderr
    assert run("show", secret, "--output", "json", required=True).returncode == 0
