from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pyreadstat

from orchestration.synthetic import skeleton


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_gives_byte_identical_files(tmp_path):
    first = skeleton.generate(tmp_path / "a", seed=7)[0]
    second = skeleton.generate(tmp_path / "b", seed=7)[0]
    assert _digest(first) == _digest(second)


def test_other_seed_gives_other_data(tmp_path):
    first = skeleton.generate(tmp_path / "a", seed=7)[0]
    second = skeleton.generate(tmp_path / "b", seed=8)[0]
    assert _digest(first) != _digest(second)


def test_export_carries_spss_dictionary_and_provenance(tmp_path):
    path = skeleton.generate(tmp_path, seed=1)[0]
    data, meta = pyreadstat.read_sav(path, user_missing=True)
    assert len(data) == skeleton.N_RESPONDENTS
    assert "meting=2024" in meta.notes and "questionnaire=Wi2021-asiel" in meta.notes
    assert "synthetic=true" in meta.notes and "SYNTHETIC" in meta.file_label
    assert meta.variable_value_labels["Q8"][1] == "Heel goed"
    assert meta.column_names_to_labels["Q20_1"].startswith("Door de inburgering")
    assert meta.missing_ranges["Q20_1"] == [{"lo": 6.0, "hi": 6.0}]
    assert meta.original_variable_types["Q1"] == "F8.0"
    assert isinstance(data["Q6"].dropna().iloc[0], date)


def test_tokens_are_unique_and_pseudonymous(tmp_path):
    data, _ = pyreadstat.read_sav(skeleton.generate(tmp_path, seed=3)[0])
    assert data["token"].is_unique
    assert data["token"].str.fullmatch(r"R[0-9a-f]{12}").all()


def test_health_follows_tabel_2_6(tmp_path):
    # Tabel 2.6, Wi2021-asiel: 22 / 43 / 26 / 7 / 2 percent; 3 SE of a proportion at n=2651 < 2.7 pt.
    data, _ = pyreadstat.read_sav(skeleton.generate(tmp_path, seed=11)[0])
    shares = data["Q8"].value_counts(normalize=True).sort_index().to_numpy() * 100
    printed = np.array([22, 43, 26, 7, 2])
    tolerance = 3 * np.sqrt(printed * (100 - printed) / len(data))
    assert (np.abs(shares - printed) <= tolerance).all(), shares
