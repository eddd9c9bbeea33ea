"""The snapshot's k-anonymity rule on hand-made respondents: coarsening, local suppression, the
fully suppressed class, and the rules' own fail-closed loading."""

from __future__ import annotations

import dataclasses
import shutil

import pandas as pd
import pytest

from orchestration.privacy.snapshot_privacy import (
    K_ENV,
    SEED_DIR,
    SUPPRESSED_LIST_COLUMN,
    PrivacyRuleError,
    Rules,
    minimum_group_size,
    protect,
)

ORDER = ["interview_month", "questionnaire_language", "region", "country_of_origin", "cohort", "age_band",
         "leerroute", "gender"]


def _respondent(key: str, municipality: str = "Amsterdam", country: int | None = 1, **overrides) -> dict:
    row = {"respondent_key": key, "meting": 2024, "group_label": "Wi2021-asiel",
           "interview_month": pd.Timestamp("2024-03-01"), "questionnaire_language": "ar",
           "municipality": municipality, "country_of_origin": country, "cohort": 1,
           "pip_received_date": pd.Timestamp("2023-06-15"), "age_band": "31-45", "age": 36,
           "leerroute": "B1", "gender": "man"}
    return row | overrides


def _rules(k: int = 5, rare_below: int = 3) -> Rules:
    rules = Rules.load(k=k, open_answers=False)
    return dataclasses.replace(rules, quasi_identifiers=tuple(
        dataclasses.replace(q, rare_below=rare_below) if q.coarsening == "rare_to_other" else q
        for q in rules.quasi_identifiers))


def _classes(protection, rules) -> pd.Series:
    released = protection.released.copy()
    frame = pd.DataFrame({name: released[f"suppressed__{name}"] for name in ORDER})
    keys = [released[SUPPRESSED_LIST_COLUMN].fillna("")] + [frame[name] for name in ORDER]
    return released.groupby(keys).size()


def test_seed_declares_the_quasi_identifiers_and_partitions():
    rules = Rules.load(k=5, open_answers=False)
    assert [q.name for q in rules.partitions] == ["meting", "group_label"]
    assert [q.name for q in rules.suppressible] == ORDER
    assert rules.regions["amsterdam"] == "Noord-Holland" and rules.regions["'s-gravenhage"] == "Zuid-Holland"


def test_k_defaults_to_5_follows_the_environment_and_refuses_nonsense(monkeypatch):
    monkeypatch.delenv(K_ENV, raising=False)
    assert minimum_group_size() == 5
    monkeypatch.setenv(K_ENV, "11")
    assert minimum_group_size() == 11
    for bad in ("1", "vijf"):
        monkeypatch.setenv(K_ENV, bad)
        with pytest.raises(PrivacyRuleError, match=K_ENV):
            minimum_group_size()


def test_missing_or_malformed_rules_fail_closed(tmp_path):
    with pytest.raises(PrivacyRuleError, match="missing"):
        Rules.load(seed_dir=tmp_path, k=5)
    shutil.copy(SEED_DIR / "municipality_regions.csv", tmp_path)
    text = (SEED_DIR / "snapshot_quasi_identifiers.csv").read_text(encoding="utf-8")
    (tmp_path / "snapshot_quasi_identifiers.csv").write_text(text.replace(",50,9,4,", ",50,9,3,"), encoding="utf-8")
    with pytest.raises(PrivacyRuleError, match="unique"):
        Rules.load(seed_dir=tmp_path, k=5)


def test_records_in_large_combinations_keep_every_value():
    frame = pd.DataFrame([_respondent(f"r{i:02}") for i in range(5)]
                         + [_respondent(f"s{i:02}", gender="vrouw") for i in range(5)])
    protection = protect(frame, _rules())
    assert protection.suppressed == dict.fromkeys(ORDER, 0)
    assert protection.released[SUPPRESSED_LIST_COLUMN].isna().all()
    assert set(protection.released["region"]) == {"Noord-Holland"}
    # municipality, age and PIP date are coarsened away for all ten
    assert protection.coarsened == {"meting": 0, "group_label": 0, "interview_month": 0, "questionnaire_language": 0,
                                    "region": 10, "country_of_origin": 0, "cohort": 10, "age_band": 10,
                                    "leerroute": 0, "gender": 0}


def test_a_planted_rare_respondent_is_hidden_in_a_class_of_k():
    """One respondent from Yemen on Vlieland among ten Syrians in Amsterdam."""
    frame = pd.DataFrame([_respondent(f"r{i:02}") for i in range(10)]
                         + [_respondent("planted", municipality="Vlieland", country=7)])
    protection = protect(frame, _rules())

    assert protection.unique_detail == 1 and protection.under_k_detail == 1
    sizes = _classes(protection, _rules())
    assert sizes.min() >= 5 and sizes.sum() == 11
    released = protection.released.set_index("respondent_key")
    # Yemen is rare (1 < 3): coarsened to 9 before anything is suppressed
    assert protection.coarsened["country_of_origin"] == 1
    planted = released.loc["planted"]
    assert planted[SUPPRESSED_LIST_COLUMN] == ", ".join(ORDER)
    assert planted["region"] is None and pd.isna(planted["country_of_origin"])
    # its fully suppressed class took 4 records of the class of 10, which keeps 6
    assert (released[SUPPRESSED_LIST_COLUMN] == ", ".join(ORDER)).sum() == 5
    assert released[SUPPRESSED_LIST_COLUMN].isna().sum() == 6
    assert protection.pulled_into_suppressed == 4
    assert protection.suppressed == dict.fromkeys(ORDER, 5)


def test_suppression_stops_at_the_first_value_that_reaches_k():
    """Five share everything but the month: suppressing the month (first in order) is enough."""
    frame = pd.DataFrame([_respondent(f"r{i:02}", interview_month=pd.Timestamp(f"2024-0{i + 1}-01"))
                          for i in range(5)])
    protection = protect(frame, _rules())
    assert protection.suppressed == dict.fromkeys(ORDER, 0) | {"interview_month": 5}
    assert set(protection.released[SUPPRESSED_LIST_COLUMN]) == {"interview_month"}
    assert protection.released["region"].tolist() == ["Noord-Holland"] * 5


def test_an_unknown_municipality_is_suppressed_not_guessed():
    frame = pd.DataFrame([_respondent(f"r{i:02}", municipality="Nergenshuizen") for i in range(6)])
    protection = protect(frame, _rules())
    assert protection.unmapped_municipalities == {"Nergenshuizen": 6}
    assert protection.released["region"].isna().all()
    assert protection.suppressed["region"] == 6
    assert protection.released[SUPPRESSED_LIST_COLUMN].tolist() == ["region"] * 6


def test_a_group_smaller_than_k_is_left_out_whole_and_named():
    frame = pd.DataFrame([_respondent(f"r{i:02}") for i in range(8)]
                         + [_respondent(f"w{i}", group_label="Wi2013-onbekend") for i in range(3)])
    protection = protect(frame, _rules())
    assert protection.unprotectable == ["2024 / Wi2013-onbekend"]
    assert protection.left_out == {"2024 / Wi2013-onbekend": 3}
    # no suppression protects three records of a group: the snapshot releases none of them
    assert sorted(protection.released["respondent_key"]) == [f"r{i:02}" for i in range(8)]


def test_without_spare_records_a_whole_class_joins_the_fully_suppressed_one():
    """Two classes of exactly k and one unique respondent: no class can spare a record, so one
    class joins the unique one entirely (6 fully suppressed) and the other keeps its 5."""
    frame = pd.DataFrame([_respondent(f"a{i}") for i in range(5)]
                         + [_respondent(f"b{i}", gender="vrouw") for i in range(5)]
                         + [_respondent("planted", municipality="Vlieland", country=7)])
    protection = protect(frame, _rules())
    everything = ", ".join(ORDER)
    released = protection.released[SUPPRESSED_LIST_COLUMN]
    assert (released == everything).sum() == 6 and released.isna().sum() == 5
    assert protection.pulled_into_suppressed == 5
    assert _classes(protection, _rules()).min() >= 5


def test_seed_declares_a_rule_for_every_table_and_small_cells_name_their_counts():
    tables = Rules.load(k=5, open_answers=False).tables
    # typed by hand: the marts whose lines break answers down by quasi-identifiers
    assert tables["marts.mart_route_cohort"].count_columns == ("base_n", "answered_n")
    assert tables["marts.mart_answer_shares"].count_columns == ("base_n",)
    assert tables["marts.mart_meting_comparison"].count_columns == ("base_n_previous", "base_n_current")
    assert tables["marts.mart_route_cohort"].dimension_columns == ("group_label", "leerroute", "cohort", "gender",
                                                                   "age_band")
    assert {name: tables[name].rule for name in ("marts.fct_respondent", "marts.fct_answer", "marts.fct_open_answer",
                                                 "marts.dim_respondent", "analysis.regression_coefficients")} == {
        "marts.fct_respondent": "k_anonymous", "marts.fct_answer": "k_anonymous",
        "marts.fct_open_answer": "on_request", "marts.dim_respondent": "excluded",
        "analysis.regression_coefficients": "small_cells"}


@pytest.mark.parametrize("row, message", [
    ("marts.mart_new,small_cells,,,,why", "count_columns are required"),
    ("marts.mart_new,no_small_cells,n,,,why", "count_columns are required"),
    ("marts.mart_new,blank_some,n,,,why", "unknown rule 'blank_some'"),
    ("mart_new,no_small_cells,,,,why", "must be schema.table"),
    ("marts.mart_new,small_cells,n,meting,,why", "line_columns and dimension_columns go together"),
    ("marts.mart_route_cohort,no_small_cells,,,,why", "listed once"),
])
def test_malformed_table_rules_fail_closed(tmp_path, row, message):
    for name in ("municipality_regions.csv", "snapshot_quasi_identifiers.csv", "snapshot_aggregate_rules.csv"):
        shutil.copy(SEED_DIR / name, tmp_path)
    with (tmp_path / "snapshot_aggregate_rules.csv").open("a", encoding="utf-8") as handle:
        handle.write(row + "\n")
    with pytest.raises(PrivacyRuleError, match=message):
        Rules.load(seed_dir=tmp_path, k=5)
    (tmp_path / "snapshot_aggregate_rules.csv").unlink()
    with pytest.raises(PrivacyRuleError, match="snapshot_aggregate_rules.csv: the snapshot's privacy rules"):
        Rules.load(seed_dir=tmp_path, k=5)
