"""One bad export per failure the loader must refuse, each built here.

Every case asserts that the error names the problem, that the file went to quarantine with a
reason file, that exactly one load_log row recorded the attempt, and that the warehouse (row
counts and a checksum of every raw and raw_history table) is exactly as before. Bad files are
offered with replace=True: had validation let one through, it would have replaced the good
version and changed the fingerprint.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from helpers.landing import (
    MINI_LAYOUT,
    SavSpec,
    csv_types,
    fingerprint,
    land,
    landing_env,
    load_log,
    mini_frame,
    write_csv,
    write_manifest,
    write_sav,
)

from orchestration.landing import registry
from orchestration.landing.errors import ConflictError, ExportError, LandingError, ValidationError
from orchestration.landing.loader import land_files

pytestmark = pytest.mark.slow

TYPES = csv_types(MINI_LAYOUT)


@pytest.fixture
def env(tmp_path):
    """A warehouse holding one good export, a landing folder, and a codebook that knows it."""
    env = landing_env(tmp_path)
    good = write_sav(env["landing"] / "good.sav", mini_frame(5))
    land(env, good)
    return env


def _with(frame: pd.DataFrame, column: str, row: int, value) -> pd.DataFrame:
    frame = frame.copy()
    frame.loc[row, column] = value
    return frame


def sav(frame=None, **spec):
    return lambda landing: write_sav(landing / "bad.sav", mini_frame(5) if frame is None else frame, SavSpec(**spec))


def csv_file(frame=None, **options):
    return lambda landing: write_csv(landing / "bad.csv", mini_frame(5) if frame is None else frame, TYPES, **options)


def raw_bytes(name: str, content: bytes, sidecar: bool = False):
    def build(landing):
        if sidecar:  # a valid sidecar, so the CSV itself is what is wrong
            write_csv(landing / name, mini_frame(1), TYPES)
        (landing / name).write_bytes(content)
        return landing / name
    return build


def truncated_sav(landing):
    path = write_sav(landing / "bad.sav", mini_frame(400))
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    return path


def corrupt_sav(landing):
    path = write_sav(landing / "bad.sav", mini_frame(5))
    data = bytearray(path.read_bytes())
    data[300:600] = b"\xff" * 300  # the variable dictionary, overwritten
    path.write_bytes(bytes(data))
    return path


def cp1252_csv(landing):
    frame = mini_frame(3).assign(Q3_anders=["", "", "Türkçe, café"])
    return write_csv(landing / "bad.csv", frame, TYPES, encoding="cp1252")


def header_only_sav(landing):
    return write_sav(landing / "bad.sav", mini_frame(3).iloc[0:0])


def manifest_disagrees(landing):
    # other answers than good.sav: the same bytes would be a no-op (that sha256 is landed)
    path = write_sav(landing / "bad.sav", mini_frame(5, seed=2))
    write_manifest(path, meting=2023, questionnaire="Wi2021-asiel")
    return path


def csv_without_sidecar(landing):
    return write_csv(landing / "bad.csv", mini_frame(5), TYPES, sidecar=False)


def ragged_csv(landing):
    path = write_csv(landing / "bad.csv", mini_frame(4), TYPES)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",extra"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def text_codes_csv(landing):
    return write_csv(landing / "bad.csv", _with(mini_frame(4).astype({"Q1": object}), "Q1", 1, "man"), TYPES)


def text_in_categorical_sav(landing):
    return write_sav(landing / "bad.sav", mini_frame(4).astype({"taal": str}))


def everything_wrong(landing):
    frame = mini_frame(6).drop(columns=["Q2"]).assign(Q99=1.0)
    frame.loc[2, "Q1"] = 7.0
    frame.loc[4, "token"] = frame.loc[1, "token"]
    return write_sav(landing / "bad.sav", frame)


CASES = {
    # validation against the codebook
    "unknown variable": (sav(mini_frame(5).assign(Q99=1.0)), ValidationError,
                         [r"bad\.sav: variable Q99: unknown variable"]),
    "missing required variable": (sav(mini_frame(5).drop(columns=["Q2"])), ValidationError,
                                  [r"variable Q2: missing required variable \(expected a column for birth_year"]),
    "code outside value labels": (sav(_with(mini_frame(5), "Q1", 2, 7.0)), ValidationError,
                                  [r"variable Q1, row 3: code 7 outside value labels \(expected one of -1, 1, 2, 9"]),
    "duplicate respondent token": (sav(_with(mini_frame(5), "token", 3, "R000000000001")), ValidationError,
                                   [r"variable token, token R000000000001, rows 2, 4 \(2 rows\): "
                                    r"duplicate respondent token"]),
    "missing respondent token": (sav(_with(mini_frame(5), "token", 0, "")), ValidationError,
                                 [r"variable token, row 1: respondent token missing"]),
    "unknown meting": (sav(meting=2019), ValidationError,
                       [r"unknown export: the codebook has no variables for meting 2019 x questionnaire "
                        r"Wi2021-asiel \(expected an export the codebook lists \(2024 Wi2021-asiel\)\)"]),
    "unknown questionnaire": (sav(questionnaire="Wi2030-asiel"), ValidationError,
                              [r"meting 2024 x questionnaire Wi2030-asiel"]),
    "text where codes belong": (text_in_categorical_sav, ValidationError,
                                [r"variable taal: holds text \(expected numeric codes"]),
    "every problem at once": (everything_wrong, ValidationError,
                              [r"variable Q99: unknown variable", r"variable Q2: missing required variable",
                               r"variable Q1, row 3: code 7 outside", r"token R000000000001, rows 2, 5"]),
    # damaged input
    "empty .sav": (raw_bytes("bad.sav", b""), ExportError, [r"bad\.sav: empty file \(0 bytes\)"]),
    "empty .csv": (raw_bytes("bad.csv", b"", sidecar=True), ExportError, [r"bad\.csv: empty file"]),
    "blank .csv": (raw_bytes("bad.csv", b"\n\n  \n", sidecar=True), ExportError, [r"bad\.csv: empty file"]),
    "truncated .sav": (truncated_sav, ExportError, [r"not a readable SPSS file: truncated"]),
    "corrupt .sav": (corrupt_sav, ExportError, [r"not a readable SPSS file: damaged"]),
    "not an SPSS file": (raw_bytes("bad.sav", b"token,taal\nR1,1\n"), ExportError,
                         [r"not a readable SPSS file: it starts with b'toke'"]),
    "CSV in the wrong encoding": (cp1252_csv, ExportError,
                                  [r"bad\.csv: not UTF-8: byte 0xfc on line 4 .*Windows-1252"]),
    "CSV in UTF-16": (raw_bytes("bad.csv", "token,taal\n".encode("utf-16"), sidecar=True), ExportError,
                      [r"not UTF-8: the file is encoded as UTF-16"]),
    "CSV with the wrong delimiter": (csv_file(delimiter=";"), ExportError,
                                     [r"wrong delimiter: the header is one column 'token;taal;Q1.*semicolons"]),
    "header-only CSV": (csv_file(mini_frame(1).iloc[0:0]), ExportError,
                        [r"bad\.csv: header only: the file has a header but no data rows"]),
    "header-only .sav": (header_only_sav, ExportError, [r"bad\.sav: header only"]),
    "CSV without sidecar": (csv_without_sidecar, ExportError,
                            [r"bad\.csv: no labels sidecar beside the CSV \(expected the sidecar /.*/bad\.labels\.json\)"]),
    "CSV with a ragged row": (ragged_csv, ExportError, [r"wrong number of fields, row 2|row 2: wrong number of fields"]),
    "CSV with text where integers belong": (text_codes_csv, ExportError,
                                            [r"variable Q1, row 2: values that are not whole numbers: 'man'"]),
    "no provenance": (sav(notes=[]), ExportError, [r"the file does not say which meting it holds",
                                                   r"the file does not say which questionnaire it holds"]),
    "manifest disagrees with the file": (manifest_disagrees, ExportError,
                                         [r"conflicting meting: '2024' in document notes, "
                                          r"'2023' in bad\.sav\.manifest\.json"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_export_is_refused_quarantined_and_changes_nothing(env, case):
    build, error_class, patterns = CASES[case]
    path = build(env["landing"])
    companions = sorted(p.name for p in env["landing"].iterdir() if p.name.startswith("bad.") and p != path)
    before, attempts_before = fingerprint(env["db"]), len(load_log(env["db"]))

    with pytest.raises(error_class) as caught:
        land(env, path, replace=True)

    message = str(caught.value)
    for pattern in patterns:
        assert re.search(pattern, message), (pattern, message)
    assert fingerprint(env["db"]) == before
    log = load_log(env["db"])
    assert len(log) == attempts_before + 1
    assert log.iloc[-1]["status"] == "quarantined" and log.iloc[-1]["file"] == path.name
    quarantine = env["landing"] / "quarantine"
    assert not path.exists() and (quarantine / path.name).exists()
    assert all((quarantine / name).exists() for name in companions), "sidecar/manifest travel with the file"
    reason = (quarantine / f"{path.name}.reason.txt").read_text(encoding="utf-8")
    assert caught.value.problems[0].problem in reason


def test_all_problems_are_listed_not_just_the_first(env):
    path = everything_wrong(env["landing"])
    with pytest.raises(ValidationError) as caught:
        land(env, path)
    kinds = {problem.problem.split(":")[0] for problem in caught.value.problems}
    assert {"unknown variable", "missing required variable", "code 7 outside value labels",
            "duplicate respondent token"} <= kinds


def test_a_different_version_without_replace_is_set_aside_at_once_and_can_replace_from_there(env):
    """Left in the landing folder, it would be refused again by every scheduled refresh."""
    corrected = write_sav(env["landing"] / "corrected.sav", mini_frame(5, seed=1))
    before = fingerprint(env["db"])
    with pytest.raises(ConflictError, match=r"corrected\.sav: raw\.export_2024_wi2021_asiel already holds a "
                                            r"different version .* load 1, good\.sav.*--replace") as caught:
        land(env, corrected)
    assert fingerprint(env["db"]) == before
    set_aside = env["landing"] / "quarantine" / "corrected.sav"
    assert not corrected.exists() and set_aside.exists()
    assert caught.value.outcomes[0].quarantined_to == set_aside
    reason = (env["landing"] / "quarantine" / "corrected.sav.reason.txt").read_text(encoding="utf-8")
    assert "already holds a different version" in reason
    assert f"inburgering load --replace {set_aside}" in reason
    last = load_log(env["db"]).iloc[-1]
    assert last["status"] == "quarantined" and "set aside in" in last["message"]

    [outcome] = land(env, set_aside, replace=True)
    assert outcome.status == "replaced" and outcome.rows == 5


def test_a_failure_while_writing_rolls_everything_back(env, monkeypatch):
    """The history move and registry update happen before the table write; a crash in the
    write must undo them too."""
    corrected = write_sav(env["landing"] / "corrected.sav", mini_frame(5, seed=1))
    before = fingerprint(env["db"])

    def crash(*args, **kwargs):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(registry, "write_current", crash)
    with pytest.raises(LandingError, match=r"corrected\.sav: could not be written, nothing changed "
                                           r"\(RuntimeError: disk full \(simulated\)\)") as caught:
        land(env, corrected, replace=True)
    assert caught.value.outcomes[0].status == "failed"
    assert fingerprint(env["db"]) == before  # no raw_history table, registry untouched
    last = load_log(env["db"]).iloc[-1]
    assert last["status"] == "failed" and "disk full" in last["message"]
    assert corrected.exists(), "a write failure is ours, not the file's: it is not quarantined"


def test_a_missing_file_is_reported_and_nothing_changes(env):
    before = fingerprint(env["db"])
    with pytest.raises(LandingError, match=r"nope\.sav: no such file"):
        land_files(env["db"], [env["landing"] / "nope.sav"], landing_dir=env["landing"], codebook_dir=env["codebook"])
    assert fingerprint(env["db"]) == before
