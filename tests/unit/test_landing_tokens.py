"""Respondent tokens are unique within a meting across its questionnaires, whatever their case.

A token landed in one questionnaire and offered again in another of the same meting would make
one respondent vanish from the facts and another hold the answers of two questionnaires. The
later file is refused by name, variable, rows and tokens; what is landed does not change.
"""

from __future__ import annotations

import re

import duckdb
import pytest
from helpers.landing import (
    ASIEL_2024,
    MINI_LAYOUT,
    SavSpec,
    fingerprint,
    land,
    landing_env,
    load_log,
    mini_frame,
    write_codebook,
    write_sav,
)

from orchestration.landing.errors import ValidationError

ASIEL, GEZIN = "raw.export_2024_wi2021_asiel", "raw.export_2024_wi2021_gezin"


@pytest.fixture
def env(tmp_path):
    """2024 Wi2021-asiel landed (tokens R00000000000{0..4}); the codebook knows three exports."""
    env = landing_env(tmp_path, {ASIEL_2024: MINI_LAYOUT, (2024, "Wi2021-gezin"): MINI_LAYOUT,
                                 (2023, "Wi2021-gezin"): MINI_LAYOUT})
    land(env, write_sav(env["landing"] / "asiel.sav", mini_frame(5)))
    return env


def gezin(env, tokens, name="gezin.sav", meting=2024):
    frame = mini_frame(len(tokens), seed=7).assign(token=tokens)
    return write_sav(env["landing"] / name, frame, SavSpec(meting=meting, questionnaire="Wi2021-gezin"))


def _tables(db):
    with duckdb.connect(str(db), read_only=True) as con:
        return [row[0] for row in con.execute(
            "select export_table from raw.load_registry where status = 'current' order by 1").fetchall()]


def test_a_token_landed_in_another_questionnaire_of_the_meting_refuses_the_later_file(env):
    path = gezin(env, ["G1", "R000000000003", "G3", "R000000000001"])
    before, attempts = fingerprint(env["db"]), len(load_log(env["db"]))
    with pytest.raises(ValidationError) as caught:
        land(env, path)
    assert str(caught.value) == (
        "gezin.sav: variable token, rows 2, 4 (2 rows): 2 respondent token(s) already landed for meting 2024 in "
        "questionnaire Wi2021-asiel (raw.export_2024_wi2021_asiel): R000000000003, R000000000001 (expected each "
        "respondent in one questionnaire of a meting: tokens unique across the meting's exports, compared "
        "without regard to case)")
    assert fingerprint(env["db"]) == before
    log = load_log(env["db"]).iloc[attempts:]
    assert list(log["status"]) == ["quarantined"] and "R000000000003" in log.iloc[0]["message"]
    assert (env["landing"] / "quarantine" / "gezin.sav.reason.txt").exists()


def test_tokens_that_differ_only_in_case_clash_too(env):
    path = gezin(env, ["G1", "r000000000002", "G3"])
    with pytest.raises(ValidationError, match=re.escape(
            "1 respondent token(s) already landed for meting 2024 in questionnaire Wi2021-asiel "
            "(raw.export_2024_wi2021_asiel): r000000000002 (landed as R000000000002)")):
        land(env, path)


def test_many_clashing_tokens_show_a_few_and_a_count(env):
    land(env, write_sav(env["landing"] / "asiel_v2.sav", mini_frame(40, seed=0)), replace=True)
    path = gezin(env, [f"R00{i:010x}" for i in range(40)])
    with pytest.raises(ValidationError, match=r"rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, … \(40 rows\): 40 respondent "
                                              r"token\(s\) already landed .*: R000000000000, R000000000001, "
                                              r"R000000000002, R000000000003, R000000000004 and 35 more"):
        land(env, path)


def test_within_one_batch_the_later_file_is_refused_and_the_earlier_lands(env):
    first = gezin(env, ["G1", "G2", "G3"], name="first.sav")
    later = write_sav(env["landing"] / "later.sav", mini_frame(3, seed=9).assign(token=["X1", "g2", "X3"]),
                      SavSpec(meting=2024, questionnaire="Wi2013-asiel"))
    write_codebook(env["codebook"], {(2024, "Wi2021-asiel"): MINI_LAYOUT, (2024, "Wi2021-gezin"): MINI_LAYOUT,
                                     (2024, "Wi2013-asiel"): MINI_LAYOUT})
    with pytest.raises(ValidationError, match=r"later\.sav: variable token, row 2: 1 respondent token\(s\) already "
                                              r"landed for meting 2024 in questionnaire Wi2021-gezin .*: g2 "
                                              r"\(landed as G2\)") as caught:
        land(env, first, later)
    assert [o.status for o in caught.value.outcomes] == ["loaded", "quarantined"]
    assert _tables(env["db"]) == [ASIEL, GEZIN]


def test_the_same_token_in_another_meting_is_another_respondent(env):
    [outcome] = land(env, gezin(env, ["R000000000001", "G2"], meting=2023))
    assert outcome.status == "loaded"


def test_replacing_an_export_does_not_clash_with_its_own_earlier_version(env):
    corrected = write_sav(env["landing"] / "asiel_v2.sav", mini_frame(6, seed=0).assign(Q2=1980.0))
    [outcome] = land(env, corrected, replace=True)
    assert outcome.status == "replaced"


def test_tokens_differing_only_in_case_within_one_file_are_duplicates(env):
    path = gezin(env, ["G1", "ab12", "G3", "AB12"])
    with pytest.raises(ValidationError, match=re.escape(
            "gezin.sav: variable token, tokens ab12, AB12 (differing only in case), rows 2, 4 (2 rows): duplicate "
            "respondent token")):
        land(env, path)
