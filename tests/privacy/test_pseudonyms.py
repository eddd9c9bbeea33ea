"""Keyed pseudonyms (macros/respondent_key.sql): respondent_key and person_key are
sha256(key || sha256(key || value)) with the key from INBURGERING_PSEUDONYM_KEY (the
development key from dbt_project.yml when unset), person_key the same in every meting."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.config import PROJECT_DIR

pytestmark = pytest.mark.integration


def keyed_hash(key: str, value: str) -> str:
    inner = hashlib.sha256((key + value).encode("utf-8")).hexdigest()
    return hashlib.sha256((key + inner).encode("utf-8")).hexdigest()


def current_key() -> str:
    dev_key = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["pseudonym_dev_key"]
    return os.environ.get("INBURGERING_PSEUDONYM_KEY") or dev_key


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


def test_key_comes_from_the_environment(tmp_path: Path):
    """The compiled SQL carries the environment's key, and the dev key only when it is unset."""
    dbt = Path(sys.executable).parent / "dbt"

    def compiled(env_key: str | None, *args: str, check: bool = True) -> str:
        env = {k: v for k, v in os.environ.items() if k != "INBURGERING_PSEUDONYM_KEY"}
        env["INBURGERING_DUCKDB_PATH"] = str(tmp_path / "empty.duckdb")
        if env_key is not None:
            env["INBURGERING_PSEUDONYM_KEY"] = env_key
        result = subprocess.run(
            [str(dbt), "compile", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
             "--target-path", str(tmp_path / "target"), "--no-partial-parse", "--quiet",
             "--inline", "select {{ person_key(\"'t'\") }} as k", *args],
            cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=check)
        return result.stdout if result.returncode == 0 else f"FAILED {result.stdout}"

    dev_key = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["pseudonym_dev_key"]
    assert "s3cr3t-test-key" in compiled("s3cr3t-test-key")
    assert dev_key not in compiled("s3cr3t-test-key")
    assert dev_key in compiled(None)
    # production: no silent fallback
    strict = ["--vars", "{pseudonym_key_required: true}"]
    assert compiled(None, *strict, check=False).startswith("FAILED")
    assert "s3cr3t-test-key" in compiled("s3cr3t-test-key", *strict)
