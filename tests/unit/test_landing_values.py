"""Values the loader once crashed on or let through, each built here, offered in a batch with a
good export of another questionnaire: the bad file is refused by name, variable and row and
set aside, the good one lands, and nothing else in the warehouse changes.

- numbers no whole-number column can hold (inf, 1e20 in a .sav; an integer beyond 64 bits in a CSV);
- interview times that are numbers, or outside the meting's fieldwork year, and implausible dates;
- anything unexpected while reading or checking one file.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from helpers.landing import (
    ASIEL_2024,
    MINI_LAYOUT,
    SavSpec,
    Var,
    csv_types,
    fingerprint,
    land,
    landing_env,
    load_log,
    mini_frame,
    write_csv,
    write_sav,
)

from orchestration.landing import loader
from orchestration.landing.errors import ExportError, LandingError, ValidationError
from orchestration.landing.registry import REGISTRY

LAYOUT = {**MINI_LAYOUT, "starttijd": Var("start_time", "text")}
TYPES = csv_types(LAYOUT)
ASIEL, GEZIN = "raw.export_2024_wi2021_asiel", "raw.export_2024_wi2021_gezin"


def frame(n: int = 5, seed: int = 0) -> pd.DataFrame:
    """mini_frame plus interview start times in the 2024 fieldwork (October)."""
    return mini_frame(n, seed).assign(starttijd=[datetime(2024, 10, 1, 9) + timedelta(hours=7 * i) for i in range(n)])


@pytest.fixture
def env(tmp_path):
    env = landing_env(tmp_path, {ASIEL_2024: LAYOUT, (2024, "Wi2021-gezin"): LAYOUT})
    land(env, write_sav(env["landing"] / "good.sav", frame()))
    return env


def _with(data: pd.DataFrame, column: str, row: int, value, dtype=None) -> pd.DataFrame:
    data = data.copy() if dtype is None else data.astype({column: dtype})
    data.loc[row, column] = value
    return data


def _sav(data):
    return lambda landing: write_sav(landing / "bad.sav", data)


def _csv(data):
    return lambda landing: write_csv(landing / "bad.csv", data, TYPES)


def _gezin(path):
    """A good export of another questionnaire, landing in the same batch."""
    return write_sav(path, frame(4, seed=5), SavSpec(questionnaire="Wi2021-gezin"))


def _registry(db):
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select export_table, status, source_file from {REGISTRY} order by load_id").fetchall()


CASES = {
    "inf in a coded variable (.sav)": (
        _sav(_with(frame(), "Q1", 2, math.inf)), ValidationError,
        r"bad\.sav: variable Q1, row 3: values out of range for whole numbers: inf \(expected finite whole numbers"),
    "1e20 in a coded variable (.sav)": (
        _sav(_with(frame(), "Q1", 1, 1e20)), ValidationError,
        r"bad\.sav: variable Q1, row 2: values out of range for whole numbers: 1e\+20"),
    "-inf in an integer variable (.sav)": (
        _sav(_with(frame(), "Q2", 4, -math.inf)), ValidationError,
        r"bad\.sav: variable Q2, row 5: values out of range for whole numbers: -inf"),
    "an integer beyond 64 bits (CSV)": (
        _csv(_with(frame(), "Q2", 1, "99999999999999999999", object)), ExportError,
        r"bad\.csv: variable Q2, row 2: whole numbers beyond the 64-bit integer range: '99999999999999999999' "
        r"\(expected integers from -9223372036854775808 to 9223372036854775807\)"),
    "start time holding numbers (.sav)": (
        _sav(frame().assign(starttijd=[13_912_345_678.0 + i for i in range(5)])), ValidationError,
        r"bad\.sav: variable starttijd, rows 1, 2, 3, 4, 5 \(5 rows\): holds numbers, not timestamps: "
        r"13912345678, 13912345679, 13912345680, … \(expected timestamps"),
    "start time holding spreadsheet serial numbers (CSV text)": (
        _csv(frame().assign(starttijd=["45566.375"] * 5)), ValidationError,
        r"bad\.csv: variable starttijd, rows 1, .* \(5 rows\): holds numbers, not timestamps: 45566\.375"),
    "start time that is no timestamp (CSV text)": (
        _csv(_with(frame(), "starttijd", 3, "1-10-2024 9:00", object)), ValidationError,
        r"bad\.csv: variable starttijd, row 4: values that are not timestamps: 1-10-2024 9:00"),
    "start time outside the fieldwork year (.sav)": (
        _sav(_with(frame(), "starttijd", 0, datetime(2019, 10, 1, 9))), ValidationError,
        r"bad\.sav: variable starttijd, row 1: interview times outside meting 2024's fieldwork year: "
        r"2019-10-01 09:00:00 \(expected times from 2024-01-01 up to 2025-01-01"),
    "a date after the meting (.sav)": (
        _sav(_with(frame(), "Q6", 2, date(2031, 5, 1))), ValidationError,
        r"bad\.sav: variable Q6, row 3: dates outside the plausible range: 2031-05-01 "
        r"\(expected dates from 1900-01-01 up to the end of meting 2024 \(2024-12-31\)\)"),
    "SPSS's day zero as a date (CSV)": (
        _csv(_with(frame(), "Q6", 0, date(1582, 10, 14), object)), ValidationError,
        r"bad\.csv: variable Q6, row 1: dates outside the plausible range: 1582-10-14"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_value_refuses_its_file_by_name_and_the_batch_lands(env, case):
    build, error_class, pattern = CASES[case]
    bad = build(env["landing"])
    good = _gezin(env["landing"] / "gezin.sav")
    before, attempts = fingerprint(env["db"]), len(load_log(env["db"]))

    with pytest.raises(error_class) as caught:
        land(env, bad, good, replace=True)  # let through, it would replace good.sav

    assert re.search(pattern, str(caught.value)), str(caught.value)
    assert [o.status for o in caught.value.outcomes] == ["quarantined", "loaded"]
    after = fingerprint(env["db"])
    assert after[ASIEL] == before[ASIEL] and set(after) == set(before) | {GEZIN}
    assert _registry(env["db"]) == [(ASIEL, "current", "good.sav"), (GEZIN, "current", "gezin.sav")]
    log = load_log(env["db"]).iloc[attempts:]
    assert list(zip(log["file"], log["status"])) == [(bad.name, "quarantined"), ("gezin.sav", "loaded")]
    assert re.search(pattern, log.iloc[0]["message"])
    assert not bad.exists() and (env["landing"] / "quarantine" / f"{bad.name}.reason.txt").exists()


def test_interview_times_as_iso_text_or_spss_datetimes_land(env):
    text = write_csv(env["landing"] / "gezin.csv", frame(3, seed=5).assign(
        starttijd=["2024-10-01 09:00:00", "2024-11-30T23:59:59", ""]), TYPES, questionnaire="Wi2021-gezin")
    [outcome] = land(env, text)
    assert outcome.status == "loaded" and outcome.rows == 3


def test_something_unexpected_while_checking_one_file_refuses_that_file_only(env, monkeypatch):
    checked = loader.validate

    def breaks_on_bad(export, codebook):
        if export.path.name == "bad.sav":
            raise ZeroDivisionError("a check that broke")
        return checked(export, codebook)

    monkeypatch.setattr(loader, "validate", breaks_on_bad)
    bad = write_sav(env["landing"] / "bad.sav", frame(5, seed=1))
    before = fingerprint(env["db"])
    with pytest.raises(LandingError, match=r"bad\.sav: could not be read or checked "
                                           r"\(ZeroDivisionError: a check that broke\)") as caught:
        land(env, bad, _gezin(env["landing"] / "gezin.sav"))
    assert [o.status for o in caught.value.outcomes] == ["quarantined", "loaded"]
    assert fingerprint(env["db"])[ASIEL] == before[ASIEL]
    assert (env["landing"] / "quarantine" / "bad.sav").exists()


def test_a_file_that_cannot_be_set_aside_is_still_refused_and_says_so(env, monkeypatch):
    def read_only_folder(*args, **kwargs):
        raise PermissionError("[Errno 13] Permission denied: 'quarantine'")

    monkeypatch.setattr(loader, "quarantine", read_only_folder)
    bad = write_sav(env["landing"] / "bad.sav", _with(frame(), "Q1", 2, math.inf))
    with pytest.raises(ValidationError) as caught:
        land(env, bad, _gezin(env["landing"] / "gezin.sav"), replace=True)
    refused, landed = caught.value.outcomes
    assert (refused.status, landed.status) == ("refused", "loaded")
    assert refused.message.endswith(f"; could not be set aside in {env['landing'] / 'quarantine'} "
                                    "([Errno 13] Permission denied: 'quarantine')")
    assert load_log(env["db"]).iloc[-2]["status"] == "refused" and bad.exists()
