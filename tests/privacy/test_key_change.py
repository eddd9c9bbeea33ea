"""A new pseudonym key re-keys every key column, or the build refuses and says so.

The per-wave models keep the rows of metingen they do not rebuild (delete+insert by meting),
so an incremental build under a new key would leave the old metingen with the old
respondent_key. Two real dbt builds on one real warehouse, each with its own key."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.config import PROJECT_DIR
from orchestration.dbt_runner import DbtFailed, dbt_build

pytestmark = pytest.mark.integration

KEY_A, KEY_B = "first-key-of-the-warehouse", "second-key-after-rotation"
# every column holding a keyed pseudonym
KEY_COLUMNS = {
    "intermediate.int_answers": "respondent_key",
    "intermediate.int_respondents": "respondent_key",
    "marts.fct_respondent": "respondent_key",
    "marts.fct_answer": "respondent_key",
    "marts.fct_open_answer": "respondent_key",
    "marts.dim_respondent": "person_key",
}


def keyed_hash(key: str, value: str) -> str:
    inner = hashlib.sha256((key + value).encode("utf-8")).hexdigest()
    return hashlib.sha256((key + inner).encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    from orchestration.landing.loader import land_files
    from orchestration.synthetic.generator import generate

    root = tmp_path_factory.mktemp("key_change")
    paths = generate(root / "landing", seed=11, scale=0.2)
    land_files(root / "w.duckdb", paths, landing_dir=root / "landing")
    return root


def _dbt_compile(database, target, *args: str) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "compile", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
         "--target-path", str(target), "--quiet", *args],
        cwd=PROJECT_DIR, env={**os.environ, "INBURGERING_DUCKDB_PATH": str(database)}, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def _keys_under(database, key: str) -> dict[str, tuple[int, int]]:
    """Per key column: (rows, rows whose key is the keyed hash under `key`)."""
    with duckdb.connect(str(database), read_only=True) as con:
        tokens = con.execute("select distinct meting, respondent_token from intermediate.int_respondents").fetchall()
        respondent = {keyed_hash(key, f"respondent|{meting}|{token}") for meting, token in tokens}
        person = {keyed_hash(key, f"person|{token}") for _, token in tokens}
        counts = {}
        for table, column in KEY_COLUMNS.items():
            values = [value for (value,) in con.execute(f"select {column} from {table}").fetchall()]
            expected = person if column == "person_key" else respondent
            counts[table] = (len(values), sum(value in expected for value in values))
    return counts


def test_a_new_key_is_refused_incrementally_and_re_keys_everything_on_full_refresh(landed, monkeypatch):
    database, target = landed / "w.duckdb", landed / "target"
    monkeypatch.delenv("INBURGERING_DEMO", raising=False)

    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", KEY_A)
    dbt_build(database, target)
    under_a = _keys_under(database, KEY_A)
    assert all(rows > 0 and keyed == rows for rows, keyed in under_a.values()), under_a

    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", KEY_B)
    with pytest.raises(DbtFailed) as refused:
        dbt_build(database, target)
    message = " ".join(str(refused.value).split())
    assert "int_answers\" was built with another pseudonym key than INBURGERING_PSEUDONYM_KEY holds now" in message
    assert "dbt build --full-refresh" in message
    assert _keys_under(database, KEY_A) == under_a, "a refused build leaves every key as it was"
    # compiling builds no table: it must not record key B as the one that built them
    _dbt_compile(database, target, "--full-refresh")
    with pytest.raises(DbtFailed, match="another pseudonym key"):
        dbt_build(database, target)

    dbt_build(database, target, PROJECT_DIR, "--full-refresh")
    under_b = _keys_under(database, KEY_B)
    assert {table: rows for table, (rows, _) in under_b.items()} == {t: rows for t, (rows, _) in under_a.items()}
    assert all(keyed == rows for rows, keyed in under_b.values()), under_b

    dbt_build(database, target)  # the same key again: incremental, no refusal
    assert _keys_under(database, KEY_B) == under_b
    with duckdb.connect(str(database), read_only=True) as con:
        recorded = con.execute("select model from intermediate.pseudonym_key_fingerprint order by model").fetchall()
        fingerprints = {value for (value,) in con.execute(
            "select fingerprint from intermediate.pseudonym_key_fingerprint").fetchall()}
    assert [model for (model,) in recorded] == ["fct_answer", "fct_open_answer", "int_answers", "int_respondents"]
    assert fingerprints == {keyed_hash(KEY_B, "pseudonym key fingerprint")}, "one key, never the key itself"
    assert KEY_B not in fingerprints

    # a table from before fingerprints were recorded: nothing says which key built it
    with duckdb.connect(str(database)) as con:
        con.execute("delete from intermediate.pseudonym_key_fingerprint where model = 'int_answers'")
    with pytest.raises(DbtFailed) as unrecorded:
        dbt_build(database, target, PROJECT_DIR, "--select", "int_answers")
    assert "has no record of the pseudonym key that built it" in " ".join(str(unrecorded.value).split())
