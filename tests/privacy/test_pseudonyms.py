"""Keyed pseudonyms (macros/respondent_key.sql): respondent_key and person_key are
sha256(key || sha256(key || value)) with the key from INBURGERING_PSEUDONYM_KEY (the public
demo key of orchestration/privacy/pseudonym_key.py only when INBURGERING_DEMO=1 asks for it, as
the suite does), person_key the same in every meting. Without either, nothing builds. The key
reaches DuckDB as a session variable: no compiled SQL or log holds it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.config import PROJECT_DIR
from orchestration.privacy.pseudonym_key import DEMO_KEY

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def keyed_hash(key: str, value: str) -> str:
    inner = hashlib.sha256((key + value).encode("utf-8")).hexdigest()
    return hashlib.sha256((key + inner).encode("utf-8")).hexdigest()


def current_key() -> str:
    return os.environ.get("INBURGERING_PSEUDONYM_KEY") or DEMO_KEY


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


@pytest.fixture(scope="module")
def dbt_folder(tmp_path_factory) -> Path:
    """One warehouse path and target folder for this file's dbt runs: dbt's saved parse is valid
    for one connection (the warehouse path is part of it), so the later runs parse only what
    changed instead of the whole project."""
    return tmp_path_factory.mktemp("dbt")


def test_key_comes_from_the_environment_and_stays_out_of_sql_and_logs(dbt_folder: Path):
    """dbt show runs the macro through the real adapter: the hash is keyed with the environment's
    key (the demo key when unset and the demo asked for), yet neither key is in the compiled SQL
    or dbt's log."""
    dbt, tmp_path = Path(sys.executable).parent / "dbt", dbt_folder

    def run(command: str, env_key: str | None, *args: str, demo: bool = False) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("INBURGERING_PSEUDONYM_KEY", "INBURGERING_DEMO")}
        if demo:
            env["INBURGERING_DEMO"] = "1"
        env["INBURGERING_DUCKDB_PATH"] = str(tmp_path / "w.duckdb")
        if env_key is not None:
            env["INBURGERING_PSEUDONYM_KEY"] = env_key
        return subprocess.run(
            [str(dbt), command, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
             "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
             "--log-level-file", "debug", "--quiet",
             "--inline", "select {{ person_key(\"'t'\") }} as k", *args],
            cwd=PROJECT_DIR, env=env, capture_output=True, text=True)

    secret = "s3cr3t-test-key"
    shown = run("show", secret, "--output", "json")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert keyed_hash(secret, "person|t") in shown.stdout
    assert keyed_hash(DEMO_KEY, "person|t") in run("show", None, "--output", "json", demo=True).stdout

    compiled = run("compile", secret)
    assert compiled.returncode == 0 and "getvariable('inburgering_pseudonym_key')" in compiled.stdout
    leaked = [path for path in [*tmp_path.joinpath("target").rglob("*"), *tmp_path.joinpath("logs").rglob("*")]
              if path.is_file() and (secret in path.read_text(errors="ignore")
                                     or DEMO_KEY in path.read_text(errors="ignore"))]
    assert leaked == []
    assert tmp_path.joinpath("logs", "dbt.log").stat().st_size > 0  # the log was written, and searched

    # no key and no demo asked for: nothing is keyed, with a message that says what to set
    refused = run("show", None, "--output", "json")
    said = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode != 0
    assert "INBURGERING_PSEUDONYM_KEY is not set: no build without the pseudonym key" in said
    assert "or set INBURGERING_DEMO=1 to build the synthetic demo with the public demo key" in said
    # a real key wins over the demo: the demo key is never used once a key is set
    assert keyed_hash(secret, "person|t") in run("show", secret, "--output", "json", demo=True).stdout


def test_without_a_key_the_build_stops_before_any_model(dbt_folder: Path):
    """A whole `dbt build` (not only a macro) refuses without a key: nothing is created."""
    dbt, tmp_path = Path(sys.executable).parent / "dbt", dbt_folder
    database = tmp_path / "w.duckdb"
    database.unlink(missing_ok=True)  # the show runs above may have left an empty file
    env = {k: v for k, v in os.environ.items() if k not in ("INBURGERING_PSEUDONYM_KEY", "INBURGERING_DEMO")}
    env["INBURGERING_DUCKDB_PATH"] = str(database)
    result = subprocess.run(
        [str(dbt), "build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "INBURGERING_PSEUDONYM_KEY is not set: no build without the pseudonym key" in result.stdout + result.stderr
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from information_schema.tables").fetchone()[0] == 0
