"""A new pseudonym key re-keys every key column, and a refresh sees the new key as a reason to
rebuild everything, so no table keeps keys made with the old one beside new ones.
Two real dbt builds (every seed and model) on one real warehouse, each with its own key."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest
from helpers.landing import copies

from orchestration import dbt_state
from orchestration.config import PROJECT_DIR
from orchestration.dbt_runner import TABLES_ONLY, dbt_build

pytestmark = [pytest.mark.integration, pytest.mark.slow]

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
def landed(small_exports, tmp_path_factory):
    from orchestration.landing.loader import land_files

    root = tmp_path_factory.mktemp("key_change")
    land_files(root / "w.duckdb", copies(small_exports, root / "landing"), landing_dir=root / "landing")
    return root


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


def test_a_new_key_re_keys_everything_and_a_refresh_rebuilds_all_for_it(landed, monkeypatch):
    database, target = landed / "w.duckdb", landed / "target"
    monkeypatch.delenv("INBURGERING_DEMO", raising=False)

    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", KEY_A)
    dbt_build(database, target, PROJECT_DIR, *TABLES_ONLY)  # the keys are in the tables
    under_a = _keys_under(database, KEY_A)
    assert all(rows > 0 and keyed == rows for rows, keyed in under_a.values()), under_a
    with duckdb.connect(str(database)) as con:  # what a refresh records after a complete build
        dbt_state.record(con, dbt_state.current_inputs(con), target / "manifest.json", models_ran=True)
        assert dbt_state.plan(con).kind == "nothing"
        recorded = con.execute("select fingerprint from refresh.dbt_inputs where input = 'pseudonym_key'").fetchall()
    expected = hmac.new(KEY_A.encode(), b"pseudonym key fingerprint", hashlib.sha256).hexdigest()
    assert recorded == [(expected,)], "the keyed hash of a fixed text, never the key itself"

    monkeypatch.setenv("INBURGERING_PSEUDONYM_KEY", KEY_B)
    with duckdb.connect(str(database), read_only=True) as con:
        work = dbt_state.plan(con)
    assert (work.kind, work.reason) == ("everything", "changed since the last build: pseudonym_key")

    dbt_build(database, target, PROJECT_DIR, *TABLES_ONLY)  # the keys are in the tables
    under_b = _keys_under(database, KEY_B)
    assert {table: rows for table, (rows, _) in under_b.items()} == {t: rows for t, (rows, _) in under_a.items()}
    assert all(keyed == rows for rows, keyed in under_b.values()), under_b
