"""A handful of respondents written as answer labels, and what the warehouse must make of them,
typed by hand.

Nothing expected here is computed by the code under test: the respondents are given as the
labels a respondent clicked ("Vrouw", "Z-route", "Heel goed"), the export's dictionary
(source code -> label) is typed as the 2024 survey platform delivers it, and the expected
harmonised answers and design-matrix rows are typed from the report's wording:

- Tabel B.2.7 (Wi2021-asiel) and B.2.10 (Wi2013-gezin), footnotes: "Geslacht (vrouw): 0 = man",
  "Leerroute: 0 = Z-route", "Cohort 1: 0 = cohort 2", "Werkervaring: 0 = geen
  (vrijwilligers)werk";
- footnotes 7-9 (line 2138): Leeftijd a ratio scale (years), Opleidingsniveau an ordinal
  9-point scale, Brede intake the 5-point rating of "goed naar uw verhaal geluisterd";
- line 1416: health asked "1 = zeer goed, 5 = zeer slecht", and the report reads better health
  and better Dutch as a higher value ("hoe beter zij hun eigen gezondheid ..."), so both enter
  the models reversed: "Heel goed" = 5 ... "Slecht" = 1;
- cohort 1: PIP received before 1 January 2024 (reference README).

The exports are landed by the real loader into a real DuckDB file and harmonised by the real
dbt models; the frame and design matrix come from the analysis layer.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import duckdb
import pytest

from orchestration.analysis.frame import model_frame
from orchestration.analysis.specs import design_matrix, outcome_values, report_models
from orchestration.codebook import Codebook
from orchestration.config import PROJECT_DIR
from orchestration.dbt_runner import dbt_build
from orchestration.landing.loader import land_files

pytestmark = pytest.mark.integration
NA = math.nan
SKIPPED = "Geen antwoord (overgeslagen)"

# The export's dictionary as the 2024 platform delivers it: scales and options numbered as
# asked, "weet ik niet" / "wil ik niet zeggen" of a nominal question coded 9, skipped -1.
AGREE = {1: "Helemaal oneens", 2: "Oneens", 3: "Neutraal", 4: "Eens", 5: "Helemaal eens", 6: "Weet ik niet",
         -1: SKIPPED}
GOOD_TO_BAD = {1: "Heel goed", 2: "Goed", 3: "Redelijk (niet goed, niet slecht)", 4: "Niet zo goed", 5: "Slecht",
               -1: SKIPPED}
DICTIONARY = {
    "taal": {1: "Nederlands", 2: "Engels", 3: "Arabisch", 4: "Turks", 5: "Tigrinya", -1: SKIPPED},
    "Q1": {1: "Man", 2: "Vrouw", 3: "Anders, namelijk", 9: "Wil ik niet zeggen", -1: SKIPPED},
    "Q4": {1: "Verblijfsvergunning asiel",
           2: "Verblijfsvergunning gezinsmigratie (verblijf bij partner of familie)", 3: "Anders, namelijk",
           -1: SKIPPED},
    "Q5": {1: "B1-route", 2: "Onderwijsroute", 3: "Z-route", 9: "Weet ik niet", -1: SKIPPED},
    "Q8": GOOD_TO_BAD,
    "Q11": {1: "Ik heb geen opleiding afgemaakt", 2: "Basisschool", 3: "Middelbare school",
            4: "Middelbaar beroepsonderwijs (mbo)", 5: "Hoger beroepsonderwijs (hbo)", 6: "Associate Degree",
            7: "Bachelor opleiding aan een universiteit", 8: "Master opleiding aan een universiteit",
            9: "PhD universiteit", 10: "Ik heb een andere opleiding gevolgd, namelijk…", -1: SKIPPED},
    "Q12": GOOD_TO_BAD,
    "Q21": {1: "Heel slecht", 2: "Slecht", 3: "Neutraal (niet goed, niet slecht)", 4: "Goed", 5: "Heel goed",
            -1: SKIPPED},
    "Q27": {1: "Nee", 2: "Ja, ik heb betaald werk gedaan", 3: "Ja, ik heb vrijwilligerswerk gedaan", -1: SKIPPED},
    "Q20_1": AGREE,
    "Q20_2": AGREE,
}

# Wi2021-asiel, meting 2024: the respondents as they answered.
WI2021_ASIEL = {
    "A1": {"taal": "Arabisch", "Q1": "Vrouw", "Q2": 1980, "Q4": "Verblijfsvergunning asiel", "Q5": "Z-route",
           "Q6": "2023-05-10", "Q8": "Heel goed", "Q11": "Middelbare school", "Q12": "Goed", "Q21": "Heel goed",
           "Q27": "Ja, ik heb vrijwilligerswerk gedaan", "Q20_1": "Helemaal eens", "Q20_2": "Eens"},
    "A2": {"taal": "Engels", "Q1": "Man", "Q2": 1995, "Q4": "Verblijfsvergunning asiel", "Q5": "B1-route",
           "Q6": "2024-03-01", "Q8": "Slecht", "Q11": "Master opleiding aan een universiteit",
           "Q12": "Niet zo goed", "Q21": "Heel slecht", "Q27": "Ja, ik heb betaald werk gedaan",
           "Q20_1": "Oneens", "Q20_2": "Helemaal oneens"},
    "A3": {"taal": "Tigrinya", "Q1": "Wil ik niet zeggen", "Q2": 1970, "Q4": "Verblijfsvergunning asiel",
           "Q5": "Onderwijsroute", "Q6": "2023-12-31", "Q8": "Redelijk (niet goed, niet slecht)",
           "Q11": "Ik heb een andere opleiding gevolgd, namelijk…", "Q12": "Heel goed",
           "Q21": "Neutraal (niet goed, niet slecht)", "Q27": "Nee", "Q20_1": "Weet ik niet", "Q20_2": "Neutraal"},
    "A4": {"taal": "Turks", "Q1": "Man", "Q2": 2001, "Q4": "Verblijfsvergunning asiel", "Q5": "Weet ik niet",
           "Q6": "2024-01-01", "Q8": SKIPPED, "Q11": "Basisschool", "Q12": "Slecht", "Q21": "Goed",
           "Q27": "Nee", "Q20_1": "Neutraal", "Q20_2": "Helemaal eens"},
}

# Wi2013-gezin questionnaire, meting 2024: the group follows the permit the respondent states.
WI2013_GEZIN = {
    "G1": {"taal": "Nederlands", "Q1": "Vrouw", "Q2": 1985,
           "Q4": "Verblijfsvergunning gezinsmigratie (verblijf bij partner of familie)", "Q8": "Niet zo goed",
           "Q11": "Hoger beroepsonderwijs (hbo)", "Q12": "Redelijk (niet goed, niet slecht)", "Q27": "Nee",
           "Q20_1": "Eens", "Q20_2": "Eens"},
    "G2": {"taal": "Turks", "Q1": "Man", "Q2": 1990,
           "Q4": "Verblijfsvergunning gezinsmigratie (verblijf bij partner of familie)", "Q8": "Goed",
           "Q11": "Basisschool", "Q12": "Slecht", "Q27": "Ja, ik heb betaald werk gedaan",
           "Q20_1": "Helemaal oneens", "Q20_2": "Neutraal"},
    "G3": {"taal": "Arabisch", "Q1": "Vrouw", "Q2": 1999, "Q4": "Verblijfsvergunning asiel", "Q8": "Heel goed",
           "Q11": "PhD universiteit", "Q12": "Heel goed", "Q27": "Ja, ik heb vrijwilligerswerk gedaan",
           "Q20_1": "Eens", "Q20_2": "Oneens"},
}

# Expected harmonised answers (marts.fct_answer): (token, question_id) -> (harmonised_code, answer_status)
EXPECTED_ANSWERS = {
    ("A1", "gender"): (2, "valid"), ("A1", "leerroute"): (3, "valid"), ("A1", "health_self_rated"): (1, "valid"),
    ("A1", "dutch_level_self_rated"): (2, "valid"), ("A1", "goal_prepared_for_job"): (5, "valid"),
    ("A2", "health_self_rated"): (5, "valid"), ("A2", "education_level"): (8, "valid"),
    ("A2", "work_status"): (2, "valid"), ("A2", "brede_intake_listened"): (1, "valid"),
    ("A3", "gender"): (4, "no_answer"), ("A3", "goal_prepared_for_job"): (6, "dont_know"),
    ("A3", "education_level"): (10, "valid"), ("A3", "work_status"): (1, "valid"),
    ("A4", "leerroute"): (4, "dont_know"), ("A4", "health_self_rated"): (-1, "skipped"),
    ("G1", "residence_permit_type"): (2, "valid"), ("G2", "goal_prepared_for_job"): (1, "valid"),
    ("G3", "residence_permit_type"): (1, "valid"), ("G3", "education_level"): (9, "valid"),
}

# Tabel B.2.7 (Wi2021-asiel), every term, per respondent, typed from the report's wording.
B_2_7 = ("Leeftijd", "Geslacht (vrouw)", "Opleidingsniveau", "Taalniveau", "Gezondheid", "Leerroute: B1",
         "Leerroute: O", "Cohort 1", "Brede intake", "Werkervaring: Vrijwilligerswerk", "Werkervaring: Betaald werk")
B_2_7_ROWS = {
    #      age  vrouw educ  taal  gezond B1  O    coh1  intake vrijw betaald
    "A1": (44,  1,    3,    4,    5,     0,  0,   1,    5,     1,    0),
    "A2": (29,  0,    8,    2,    1,     1,  0,   0,    1,     0,    1),
    "A3": (54,  NA,   NA,   5,    3,     0,  1,   1,    3,     0,    0),
    "A4": (23,  0,    2,    1,    NA,    NA, NA,  0,    4,     0,    0),
}
# Tabel B.2.10 (Wi2013-gezin): the Wi2013 terms, for the respondents in that group.
B_2_10 = ("Leeftijd", "Geslacht (vrouw)", "Opleidingsniveau", "Taalniveau", "Gezondheid",
          "Werkervaring: Vrijwilligerswerk", "Werkervaring: Betaald werk")
B_2_10_ROWS = {
    #      age  vrouw educ  taal  gezond vrijw betaald
    "G1": (39,  1,    5,    3,    2,     0,    0),
    "G2": (34,  0,    2,    1,    4,     0,    1),
}
# The outcome of both tables, maatschappelijk doel: the mean of the two statements (1-5),
# "weet ik niet" missing.
MAATSCHAPPELIJK_DOEL = {"A1": 4.5, "A2": 1.5, "A3": NA, "A4": 4.0, "G1": 4.0, "G2": 2.0, "G3": 3.0}
GROUPS = {"A1": "Wi2021-asiel", "A2": "Wi2021-asiel", "A3": "Wi2021-asiel", "A4": "Wi2021-asiel",
          "G1": "Wi2013-gezin", "G2": "Wi2013-gezin", "G3": "Wi2013-asiel"}


def write_export(path: Path, meting: int, questionnaire: str, respondents: dict[str, dict]) -> Path:
    """A CSV export with its labels sidecar: every variable of the wave's real layout (names
    from seeds/codebook/source_variables.csv), answers turned into codes by the dictionary."""
    layout = Codebook.load().layout(meting, questionnaire)
    kinds = {"categorical": "integer", "multi_response_option": "integer", "integer": "integer", "date": "date",
             "text": "text"}
    names = list(layout["source_variable"])
    rows = []
    for token, answers in respondents.items():
        row = {name: "" for name in names}
        row["token"] = f"hand-{token}"
        for name, answer in answers.items():
            assert name in row, f"{name} is not a variable of {meting} {questionnaire}"
            if name in DICTIONARY:
                [code] = [code for code, label in DICTIONARY[name].items() if label == answer]
                row[name] = str(code)
            else:
                row[name] = str(answer)
        rows.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)
    variables = {}
    for variable in layout.itertuples(index=False):
        spec = {"label": variable.variable_label, "type": kinds[variable.value_type]}
        if variable.source_variable in DICTIONARY:
            spec["value_labels"] = {str(code): label for code, label in DICTIONARY[variable.source_variable].items()}
        variables[variable.source_variable] = spec
    path.with_name(path.stem + ".labels.json").write_text(json.dumps(
        {"meting": meting, "questionnaire": questionnaire, "synthetic": True, "variables": variables},
        ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    root = tmp_path_factory.mktemp("hand_written")
    paths = [write_export(root / "landing" / "hand_2024_wi2021_asiel.csv", 2024, "Wi2021-asiel", WI2021_ASIEL),
             write_export(root / "landing" / "hand_2024_wi2013_gezin.csv", 2024, "Wi2013-gezin", WI2013_GEZIN)]
    database = root / "w.duckdb"
    outcomes = land_files(database, paths, landing_dir=root / "landing")
    assert [outcome.status for outcome in outcomes] == ["loaded", "loaded"]
    # the models the frame reads and everything upstream; their data tests assume full waves
    dbt_build(database, root / "target", PROJECT_DIR, "--select", "+fct_respondent", "+fct_answer",
              "--exclude-resource-type", "test", "unit_test")
    return database


def _tokens(con) -> dict[str, str]:
    return {key: token.removeprefix("hand-") for key, token in con.execute(
        "select respondent_key, respondent_token from intermediate.int_respondents").fetchall()}


def test_harmonised_answers_are_the_ones_typed_by_hand(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tokens = _tokens(con)
        rows = con.execute("select respondent_key, question_id, harmonised_code, answer_status from marts.fct_answer "
                           "where answer_status <> 'not_asked'").fetchall()
        groups = dict(con.execute("select respondent_key, group_label from marts.fct_respondent").fetchall())
    answers = {(tokens[key], question): (code, status) for key, question, code, status in rows}
    assert {pair: answers.get(pair) for pair in EXPECTED_ANSWERS} == EXPECTED_ANSWERS
    assert {tokens[key]: group for key, group in groups.items()} == GROUPS


def _rows(frame, terms) -> dict[str, tuple]:
    matrix = design_matrix(frame, terms)
    return {token: tuple(matrix.loc[index]) for index, token in frame["token"].items()}


def _same(actual: dict[str, tuple], expected: dict[str, tuple]) -> bool:
    def equal(a, b):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return actual.keys() == expected.keys() and all(
        len(actual[k]) == len(expected[k]) and all(map(equal, actual[k], expected[k])) for k in expected)


def test_design_matrix_rows_of_b_2_7_and_b_2_10_are_the_ones_typed_by_hand(warehouse):
    models = {model.report_table: model for model in report_models()}
    assert models["B.2.7"].terms == B_2_7 and models["B.2.10"].terms == B_2_10
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tokens = _tokens(con)
        frame = model_frame(con, [2024])
    frame["token"] = frame["respondent_key"].map(tokens)

    wi2021 = frame[frame["group_label"] == models["B.2.7"].group]
    wi2013 = frame[frame["group_label"] == models["B.2.10"].group]
    assert _same(_rows(wi2021, B_2_7), B_2_7_ROWS), _rows(wi2021, B_2_7)
    assert _same(_rows(wi2013, B_2_10), B_2_10_ROWS), _rows(wi2013, B_2_10)

    outcome = outcome_values(frame, models["B.2.7"].items)
    actual = dict(zip(frame["token"], outcome))
    assert _same({k: (v,) for k, v in actual.items()}, {k: (v,) for k, v in MAATSCHAPPELIJK_DOEL.items()}), actual


# marts.fct_respondent's derived columns, typed by hand from the answers above: the Dutch-level
# and health scores turned round (asked 1 = heel goed; the report reads a higher score as better),
# cohort 1 = PIP before 1 January 2024 (Wi2021 only), the report's age bands (meting 2024 - birth year).
DERIVED = {
    #      dutch_level_score  health_score  cohort  age_band
    "A1": (4,                 5,            1,      "31-45"),
    "A2": (2,                 1,            2,      "22-30"),
    "A3": (5,                 3,            1,      "46-76"),
    "A4": (1,                 None,         2,      "22-30"),
    "G1": (3,                 2,            None,   "31-45"),
    "G2": (1,                 4,            None,   "31-45"),
    "G3": (5,                 5,            None,   "22-30"),
}


def test_derived_respondent_columns_are_the_ones_typed_by_hand(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tokens = _tokens(con)
        rows = con.execute("select respondent_key, dutch_level_score, health_score, cohort, age_band "
                           "from marts.fct_respondent").fetchall()
    assert {tokens[key]: tuple(values) for key, *values in rows} == DERIVED
