"""The generator's respondent cells follow the report mapping's subgroup_values: the report's
cohort cut-off, its Wi2013 grouping by stated permit and the labels the subgroups name. Expected
values are typed from the report (lines 897-899, footnote 4) and the codebook's answer labels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.codebook import Codebook
from orchestration.synthetic.calibration import derive, report_cells
from orchestration.synthetic.context import cell_frame
from orchestration.synthetic.report_mapping import (
    cohort_rule,
    group_by_permit,
    mapping,
    value_labels,
)


def test_the_mapping_states_the_reports_cohorts_and_wi2013_grouping():
    assert cohort_rule() == ("pip_received_date", "2024-01-01", 1, 2)
    assert group_by_permit() == ("Wi2013", "residence_permit_type", {1: "asiel", 2: "gezin"}, "onbekend")


def test_labels_name_the_codebooks_answers_and_every_subgroup_uses_them():
    codebook = Codebook.load()
    # (the mapping's subgroup value, the codebook's answer label) per code
    expected = {"leerroute": {1: ("B1", "B1-route"), 2: ("O", "Onderwijsroute"), 3: ("Z", "Z-route")},
                "gender": {1: ("man", "Man"), 2: ("vrouw", "Vrouw")}}
    for key, pairs in expected.items():
        answers = codebook.answers(codebook.questions.loc[key, "answer_set_id"])
        by_code = dict(zip(answers["code"].astype(int), answers["label_nl"]))
        assert {code: (value, by_code[code]) for code, value in value_labels(key).items()} == pairs
    used = {key: {where[key] for where in mapping()["subgroups"].values() if key in where}
            for key in ("leerroute", "gender")}
    assert used == {"leerroute": {"B1", "O", "Z"}, "gender": {"man", "vrouw"}}
    assert {key: set(value_labels(key).values()) for key in used} == used


def _respondents() -> pd.DataFrame:
    return pd.DataFrame({
        "questionnaire": ["Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin", "Wi2013-asiel"],
        "meting": 2024,
        "residence_permit_type": [2.0, 1.0, 2.0, np.nan, 3.0],
        "pip_received_date": ["2023-12-31", "2024-01-01", None, None, None],
        "leerroute": [1.0, 3.0, np.nan, np.nan, np.nan],
        "gender": [2.0, 1.0, 3.0, 1.0, 2.0],
        "birth_year": [1990.0, 2000.0, 1980.0, 1970.0, 1960.0],
    })


def test_report_cells_group_wi2013_by_permit_and_cut_the_cohorts_on_1_january_2024():
    cells = report_cells(_respondents())
    # Wi2021 mismatches keep their questionnaire's group; Wi2013 without asiel/gezin is onbekend
    assert cells["group_label"].tolist() == ["Wi2021-asiel", "Wi2021-gezin", "Wi2013-gezin", "Wi2013-onbekend",
                                             "Wi2013-onbekend"]
    assert cells["cohort"].tolist()[:2] == [1.0, 2.0] and cells["cohort"].iloc[2:].isna().all()
    assert cells["leerroute"].tolist()[:2] == ["B1", "Z"] and cells["leerroute"].iloc[2:].isna().all()
    assert cells["gender"].fillna("-").tolist() == ["vrouw", "man", "-", "man", "vrouw"]
    derived = derive(_respondents())
    assert derived["cohort"].tolist()[:2] == [1.0, 2.0] and derived["age"].tolist() == [34.0, 24.0, 44.0, 54.0, 64.0]


def test_generation_cells_label_leerroute_and_gender_as_the_mapping_does():
    frame = _respondents().assign(cohort=[1.0, 2.0, np.nan, np.nan, np.nan])
    cells = cell_frame(frame)
    assert cells["leerroute"].fillna("-").tolist() == ["B1", "Z", "-", "-", "-"]
    assert cells["gender"].fillna("-").tolist() == ["vrouw", "man", "-", "man", "vrouw"]
