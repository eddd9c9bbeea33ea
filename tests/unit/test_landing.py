from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pyreadstat
import pytest

from orchestration.landing.errors import ExportError
from orchestration.landing.loader import land_files
from orchestration.landing.reader import read_sav

WI2021_ASIEL_2024 = 2651  # Tabel 2.9


@pytest.fixture
def export_path(tmp_path, generated):
    """The generated 2024 Wi2021-asiel export, copied into this test's landing folder."""
    directory, _ = generated
    target = tmp_path / "landing" / "perspectief_2024_wi2021_asiel.sav"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(directory / target.name, target)
    return target


@pytest.fixture
def land(tmp_path):
    """land_files against a throw-away landing folder and the project's codebook."""
    def _land(db, paths, **kwargs):
        return land_files(db, paths, landing_dir=tmp_path / "landing", **kwargs)
    return _land


def test_reads_meting_and_questionnaire_from_metadata(export_path, tmp_path):
    renamed = export_path.rename(tmp_path / "whatever_name.sav")
    export = read_sav(renamed)
    assert (export.meting, export.questionnaire) == (2024, "Wi2021-asiel")
    assert export.table_name == "export_2024_wi2021_asiel"
    assert export.synthetic


def test_lands_rows_with_lineage_and_integer_codes(export_path, tmp_path, land):
    db = tmp_path / "w.duckdb"
    [result] = land(db, [export_path])
    assert result.rows == WI2021_ASIEL_2024
    with duckdb.connect(str(db), read_only=True) as con:
        types = dict(con.execute("select column_name, data_type from information_schema.columns "
                                 "where table_name = 'export_2024_wi2021_asiel'").fetchall())
        lineage = con.execute("select distinct _source_file, _source_sha256, _meting, _questionnaire "
                              "from raw.export_2024_wi2021_asiel").fetchall()
    assert types["Q1"] == "BIGINT" and types["Q6"] == "DATE" and types["token"] == "VARCHAR"
    assert lineage == [(export_path.name, result.sha256, 2024, "Wi2021-asiel")]


def test_user_missing_codes_survive_landing(export_path, tmp_path, land):
    db = tmp_path / "w.duckdb"
    land(db, [export_path])
    with duckdb.connect(str(db), read_only=True) as con:
        dont_know = con.execute("select count(*) from raw.export_2024_wi2021_asiel where Q20_1 = 6").fetchone()[0]
        skipped = con.execute("select count(*) from raw.export_2024_wi2021_asiel where Q20_1 is null").fetchone()[0]
    assert dont_know > 0 and skipped > 0


def test_file_without_provenance_is_refused_by_name(tmp_path):
    path = tmp_path / "anonymous.sav"
    pyreadstat.write_sav(pd.DataFrame({"token": ["a"], "Q1": [1.0]}), path)
    with pytest.raises(ExportError, match=r"anonymous\.sav: the file does not say which meting"):
        read_sav(path)


def test_corrupt_file_is_refused_and_the_good_one_still_lands(export_path, tmp_path, land):
    # Files are independent (one transaction each): the bad one is quarantined, the good one lands.
    broken = tmp_path / "landing" / "broken.sav"
    broken.write_bytes(export_path.read_bytes()[:500])
    db = tmp_path / "w.duckdb"
    with pytest.raises(ExportError, match=r"broken\.sav: not a readable SPSS file") as caught:
        land(db, [export_path, broken])
    assert [o.status for o in caught.value.outcomes] == ["loaded", "quarantined"]
    assert (tmp_path / "landing" / "quarantine" / "broken.sav.reason.txt").exists()
    with duckdb.connect(str(db)) as con:
        assert con.execute("select count(*) from raw.export_2024_wi2021_asiel").fetchone()[0] == WI2021_ASIEL_2024
