"""CSV with its sidecar, SPSS, manifests, and open text in Arabic, Ge'ez and Turkish script."""

from __future__ import annotations

import duckdb
import pytest
from helpers.landing import (
    MINI_LAYOUT,
    OPEN_TEXT,
    SavSpec,
    csv_types,
    land,
    landing_env,
    mini_frame,
    write_csv,
    write_manifest,
    write_sav,
)

from orchestration.landing.errors import ExportError
from orchestration.landing.reader import read_export

TYPES = csv_types(MINI_LAYOUT)
TABLE = "raw.export_2024_wi2021_asiel"


@pytest.fixture
def env(tmp_path):
    return landing_env(tmp_path)


def _stored_text(env):
    with duckdb.connect(str(env["db"]), read_only=True) as con:
        return [row[0] for row in con.execute(f"select Q3_anders from {TABLE} order by token").fetchall()]


def test_a_csv_export_lands_with_types_from_its_sidecar(env):
    path = write_csv(env["landing"] / "export.csv", mini_frame(5), TYPES)
    [outcome] = land(env, path)
    assert (outcome.status, outcome.rows, outcome.table) == ("loaded", 5, TABLE)
    with duckdb.connect(str(env["db"]), read_only=True) as con:
        types = dict(con.execute(f"select column_name, column_type from (describe {TABLE})").fetchall())
        first = con.execute(f"select Q1, Q2, Q6 from {TABLE} order by token limit 1").fetchone()
    assert (types["Q1"], types["Q2"], types["Q6"], types["token"]) == ("BIGINT", "BIGINT", "DATE", "VARCHAR")
    assert first[0] == 1 and first[1] == 1970 and str(first[2]) == "2023-01-01"


def test_csv_and_sav_of_the_same_data_land_alike(env, tmp_path):
    write_csv(tmp_path / "a" / "export.csv", mini_frame(5), TYPES)
    write_sav(tmp_path / "b" / "export.sav", mini_frame(5))
    csv_export, sav_export = read_export(tmp_path / "a" / "export.csv"), read_export(tmp_path / "b" / "export.sav")
    for name in ("taal", "Q1", "Q2"):
        assert csv_export.data[name].tolist() == sav_export.data[name].tolist()
    assert [str(d) for d in csv_export.data["Q6"]] == [str(d) for d in sav_export.data["Q6"]]


def test_open_text_survives_byte_for_byte_from_csv(env):
    texts = [*OPEN_TEXT[:3], "trailing blanks kept  ", "ሰላም،\u200fمرحبا\u200e mixed"]
    frame = mini_frame(5).assign(Q3_anders=texts)
    land(env, write_csv(env["landing"] / "export.csv", frame, TYPES))
    stored = _stored_text(env)
    assert [s.encode("utf-8") for s in stored] == [t.encode("utf-8") for t in texts]


def test_open_text_survives_byte_for_byte_from_sav(env):
    frame = mini_frame(5)
    land(env, write_sav(env["landing"] / "export.sav", frame))
    stored = _stored_text(env)
    assert [s.encode("utf-8") for s in stored] == [t.encode("utf-8") for t in frame["Q3_anders"]]
    assert any("\u1200" <= ch <= "\u137f" for ch in stored[1]), "Ge'ez script"
    assert "İstanbul, Iğdır" in stored[2]


def test_an_empty_csv_field_is_system_missing(env):
    frame = mini_frame(5)  # row 4's open answer is the empty string
    frame.loc[1, "Q1"] = None
    frame.loc[2, "Q6"] = None
    land(env, write_csv(env["landing"] / "export.csv", frame, TYPES))
    with duckdb.connect(str(env["db"]), read_only=True) as con:
        nulls = con.execute(f"select count(*) filter (Q1 is null), count(*) filter (Q6 is null), "
                            f"count(*) filter (Q3_anders is null) from {TABLE}").fetchone()
    assert nulls == (1, 1, 1)


def test_a_manifest_supplies_provenance_the_file_lacks(env):
    path = write_sav(env["landing"] / "export.sav", mini_frame(5), SavSpec(notes=[]))
    with pytest.raises(ExportError, match="does not say which meting"):
        read_export(path)
    write_manifest(path, meting=2024, questionnaire="Wi2021-asiel")
    [outcome] = land(env, path)
    assert (outcome.meting, outcome.questionnaire) == (2024, "Wi2021-asiel")


def test_a_manifest_that_agrees_is_fine(env):
    path = write_csv(env["landing"] / "export.csv", mini_frame(5), TYPES)
    write_manifest(path, meting="2024", questionnaire="Wi2021-asiel")
    assert land(env, path)[0].status == "loaded"


def test_a_questionnaire_that_cannot_name_a_table_is_refused(env, tmp_path):
    path = write_sav(tmp_path / "x.sav", mini_frame(2), SavSpec(questionnaire="Wi2021; drop table x"))
    with pytest.raises(ExportError, match=r"questionnaire 'Wi2021; drop table x' is not a questionnaire name"):
        read_export(path)


def test_the_file_name_is_never_used(env):
    path = write_sav(env["landing"] / "perspectief_2023_wi2013_gezin.sav", mini_frame(5))
    [outcome] = land(env, path)
    assert (outcome.meting, outcome.questionnaire) == (2024, "Wi2021-asiel")
