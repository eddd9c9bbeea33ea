"""Integrity tests for the codebook seeds (seeds/codebook/*.csv).

Two kinds of checks:
- referential integrity of the five seeds among themselves (keys, answer codes,
  crosswalk completeness, availability vs. export layout, universe rules);
- agreement with the report (report_tables.yaml): every tabulated survey question is
  covered and every printed row label is an answer label of the question it belongs to.

The reference folder is looked up next to the checkout (../shared/reference) or in
$INBURGERING_REFERENCE_DIR (orchestration.reference.reference_dir); it is required.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from orchestration.reference import reference_dir

SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "codebook"


REF = reference_dir()  # the report is required: without it these checks fail, they do not skip

QUESTIONNAIRES = ["Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin"]
METINGEN = {"2023", "2024"}
VALUE_TYPES = {"categorical", "multi_response_option", "integer", "date", "text"}
CATEGORICAL = {"categorical", "multi_response_option"}
MISSING_TYPES = {"", "dont_know", "no_answer", "skipped"}
COMPOSITES = {"", "maatschappelijk_doel", "beleidsdoelen", "course_quality"}
# Items per composite as the report states them: maatschappelijk doel 2 items (alpha .81) and
# beleidsdoel 4 items (alpha .91) in footnote 10 (line 2142); kwaliteit 7 items (alpha .79) in
# footnote 16 (line 4315).
COMPOSITE_SIZES = {"maatschappelijk_doel": 2, "beleidsdoelen": 4, "course_quality": 7}
UNIVERSE_NAMES = {"wet", "migrant_type", "cohort", "leerroute", "started_course", "took_exam", "found_difficult",
                  "followed_map", "worked"}
UNIVERSE_KEYWORDS = {"AND", "OR", "NOT", "IN", "TRUE", "FALSE"}
# Names fixed for meting 2024, Wi2021-asiel since the first release (kept stable for users).
FIXED_2024_WI2021_ASIEL = {"token": "respondent_token", "taal": "questionnaire_language", "Q1": "gender",
                           "Q2": "birth_year", "Q5": "leerroute", "Q6": "pip_received_date", "Q8": "health_self_rated",
                           "Q20_1": "goal_prepared_for_job"}
SPSS_NAME = re.compile(r"^[A-Za-z@][A-Za-z0-9_.@#$]{0,63}$")

# Distribution tables/figures of chapters 2-8 and bijlagen that no question references, with the reason.
EXCLUDED_TABLES = {
    # Group sizes: respondents per questionnaire (wet x type); derived from which export a respondent
    # is in, not from a survey question.
    "F2.1": "group sizes per questionnaire/export, not a survey question",
}
# Out of scope by design (not distributions of survey answers): 1.1 (policy comparison), 2.7/2.8
# (qualitative participants), B.1 (gemeenteroute activities), 2.9-2.12 (population margins, separate
# seed), regressions (outcomes are the composites in questions.composite).


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS / name, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def questions() -> pd.DataFrame:
    return _read("questions.csv")


@pytest.fixture(scope="module")
def answer_sets() -> pd.DataFrame:
    return _read("answer_sets.csv")


@pytest.fixture(scope="module")
def availability() -> pd.DataFrame:
    return _read("question_availability.csv")


@pytest.fixture(scope="module")
def source_variables() -> pd.DataFrame:
    return _read("source_variables.csv")


@pytest.fixture(scope="module")
def crosswalk() -> pd.DataFrame:
    return _read("crosswalk.csv")


@pytest.fixture(scope="module")
def report_tables() -> dict[str, dict]:
    tables = yaml.safe_load((REF / "report_tables.yaml").read_text(encoding="utf-8"))["tables"]
    return {("T" if t["type"] == "table" else "F") + t["id"]: t for t in tables}


def _refs(cell: str) -> list[str]:
    return [r.strip() for r in cell.split(";") if r.strip()]


# --------------------------------------------------------------------------- structure and keys

REQUIRED_COLUMNS = {
    "questions.csv": ["question_id", "question_group", "chapter", "topic", "question_text_nl", "question_text_en",
                      "value_type", "answer_set_id", "universe_rule", "universe_nl", "report_tables",
                      "scale_direction_note", "composite"],
    "answer_sets.csv": ["answer_set_id", "code", "label_nl", "label_en", "sort_order", "missing_type"],
    "question_availability.csv": ["question_id", "meting", "questionnaire", "notes"],
    "source_variables.csv": ["meting", "questionnaire", "source_variable", "question_id", "position", "variable_label",
                             "value_type", "reversed"],
    "crosswalk.csv": ["meting", "questionnaire", "source_variable", "source_code", "question_id", "harmonised_code",
                      "missing_type"],
}


@pytest.mark.parametrize("name", sorted(REQUIRED_COLUMNS))
def test_required_columns_in_order(name):
    cols = list(_read(name).columns)
    required = REQUIRED_COLUMNS[name]
    assert cols[: len(required)] == required, f"{name}: columns {cols}"


@pytest.mark.parametrize(
    "name,key",
    [
        ("questions.csv", ["question_id"]),
        ("answer_sets.csv", ["answer_set_id", "code"]),
        ("answer_sets.csv", ["answer_set_id", "sort_order"]),
        ("question_availability.csv", ["question_id", "meting", "questionnaire"]),
        ("source_variables.csv", ["meting", "questionnaire", "source_variable"]),
        ("source_variables.csv", ["meting", "questionnaire", "question_id"]),
        ("source_variables.csv", ["meting", "questionnaire", "position"]),
        ("crosswalk.csv", ["meting", "questionnaire", "source_variable", "source_code"]),
        ("crosswalk.csv", ["meting", "questionnaire", "source_variable", "harmonised_code"]),
    ],
)
def test_keys_unique(name, key):
    df = _read(name)
    dupes = df[df.duplicated(key, keep=False)]
    assert dupes.empty, f"{name}: duplicate {key}:\n{dupes.head(10)}"


def test_question_ids_are_snake_case_and_groups_consistent(questions):
    for _, q in questions.iterrows():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", q.question_id), q.question_id
        assert q.value_type in VALUE_TYPES, (q.question_id, q.value_type)
        if q.value_type == "multi_response_option":
            group, sep, option = q.question_id.partition("__")
            assert sep and option and group == q.question_group, q.question_id
            assert q.answer_set_id == "yes_no_selected", q.question_id
            assert q.item_label_nl, f"{q.question_id}: multi-response option needs item_label_nl"
        elif q.question_group != q.question_id:
            assert q.item_label_nl, f"{q.question_id}: battery item needs item_label_nl"
        if q.value_type in CATEGORICAL:
            assert q.answer_set_id, f"{q.question_id}: categorical question without answer set"
        else:
            assert q.answer_set_id == "", f"{q.question_id}: non-categorical question with answer set"
        assert q.question_text_nl and q.question_text_en and q.topic and q.chapter


def test_answer_sets_exist_and_are_well_formed(questions, answer_sets):
    known = set(answer_sets.answer_set_id)
    used = set(questions.answer_set_id) - {""}
    assert used <= known, f"unknown answer sets: {used - known}"
    assert known <= used, f"unused answer sets: {known - used}"
    assert set(answer_sets.missing_type) <= MISSING_TYPES
    for sid, group in answer_sets.groupby("answer_set_id"):
        # every set ends with -1 "Geen antwoord (overgeslagen)": asked but skipped
        skipped = group[group.code.astype(int) == -1]
        assert list(skipped.missing_type) == ["skipped"] and list(skipped.sort_order) == ["99"], sid
        g = group[group.code.astype(int) != -1]
        codes = g.code.astype(int)
        assert (g.label_nl != "").all() and (g.label_en != "").all(), sid
        assert sorted(g.sort_order.astype(int)) == list(range(1, len(g) + 1)), f"{sid}: sort_order not 1..k"
        assert g.label_nl.is_unique, f"{sid}: duplicate labels"
        if sid != "yes_no_selected":
            assert sorted(codes) == list(range(1, len(g) + 1)), f"{sid}: harmonised codes must run 1..k"
    yn = answer_sets[answer_sets.answer_set_id == "yes_no_selected"]
    assert dict(zip(yn.code.astype(int), yn.label_nl)) == {
        1: "Geselecteerd", 0: "Niet geselecteerd", -1: "Geen antwoord (overgeslagen)"}


def test_composites(questions):
    assert set(questions.composite) <= COMPOSITES
    for comp, size in COMPOSITE_SIZES.items():
        items = questions[questions.composite == comp]
        assert len(items) == size, f"{comp}: {len(items)} items, expected {size}"
        assert items.answer_set_id.nunique() == 1, f"{comp}: items must share one answer set"


# --------------------------------------------------------------------------- universe rules

def _to_python(rule: str) -> str:
    if not rule.strip():
        return "True"
    out = []
    for part in re.split(r"('[^']*')", rule):
        if part.startswith("'"):
            out.append(part)
            continue
        part = re.sub(r"\bAND\b", " and ", part)
        part = re.sub(r"\bOR\b", " or ", part)
        part = re.sub(r"\bNOT\b", " not ", part)
        part = re.sub(r"\bTRUE\b", " True ", part)
        part = re.sub(r"\bFALSE\b", " False ", part)
        part = part.replace("<>", "!=")
        part = re.sub(r"(?<![<>!=])=(?!=)", "==", part)
        out.append(part)
    return "".join(out)


def _covariate_combinations(questionnaire: str):
    wet, migrant_type = questionnaire.split("-")
    routes = ["B1", "O", "Z", None] if wet == "Wi2021" else [None]
    cohorts = [1, 2] if wet == "Wi2021" else [None]
    for route, cohort, *flags in itertools.product(routes, cohorts, *[[True, False]] * 5):
        yield {"wet": wet, "migrant_type": migrant_type, "leerroute": route, "cohort": cohort,
               "started_course": flags[0], "took_exam": flags[1], "found_difficult": flags[2],
               "followed_map": flags[3], "worked": flags[4]}


def _satisfiable(rule: str, questionnaire: str) -> bool:
    expr = _to_python(rule)
    return any(eval(expr, {"__builtins__": {}}, env) for env in _covariate_combinations(questionnaire))


def test_universe_rules_use_only_harmonised_covariates(questions):
    for _, q in questions.iterrows():
        bare = re.sub(r"'[^']*'", "", q.universe_rule)
        names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", bare)) - UNIVERSE_KEYWORDS
        assert names <= UNIVERSE_NAMES, f"{q.question_id}: unknown names {names - UNIVERSE_NAMES}"
        literals = set(re.findall(r"'([^']*)'", q.universe_rule))
        assert literals <= {"Wi2021", "Wi2013", "asiel", "gezin", "B1", "O", "Z"}, (q.question_id, literals)
        assert any(_satisfiable(q.universe_rule, x) for x in QUESTIONNAIRES), f"{q.question_id}: universe never true"


def test_availability_follows_universe(questions, availability):
    assert set(availability.meting) <= METINGEN
    assert set(availability.questionnaire) <= set(QUESTIONNAIRES)
    assert set(availability.question_id) == set(questions.question_id), "every question is asked somewhere"
    rules = dict(zip(questions.question_id, questions.universe_rule))
    for (qid, meting), g in availability.groupby(["question_id", "meting"]):
        possible = {x for x in QUESTIONNAIRES if _satisfiable(rules[qid], x)}
        asked = set(g.questionnaire)
        assert asked <= possible, f"{qid} {meting}: asked in {asked - possible} where its universe is empty"
        if meting == "2024":
            assert asked == possible, f"{qid} 2024: universe allows {possible}, asked in {asked}"


def test_availability_reflects_questionnaire_changes(availability):
    av = {(r.question_id, r.meting, r.questionnaire) for r in availability.itertuples()}
    by_q = {}
    for qid, meting, qnr in av:
        by_q.setdefault(qid, {}).setdefault(meting, set()).add(qnr)
    # added in 2024 (meting2023.yaml questionnaire_changes)
    for qid in ["health_self_rated", "map_followed", "map_usefulness", "took_exam", "exam_wait_time",
                "municipality_work_guidance", "work_guidance_satisfaction", "social_guidance_helped", "work_status"]:
        assert set(by_q[qid]) == {"2024"}, qid
    for qid in ["work_since_permit_2023", "work_current_2023"]:
        assert set(by_q[qid]) == {"2023"}, qid
    assert by_q["municipality_explained_integration"]["2023"] == {"Wi2021-asiel"}
    assert by_q["municipality_explained_integration"]["2024"] == {"Wi2021-asiel", "Wi2021-gezin"}
    for qid in ["leerroute", "pip_received_date", "brede_intake_listened", "leerbaarheidstoets_satisfaction",
                "pip_fits_plans", "map_followed"]:
        for qnrs in by_q[qid].values():
            assert qnrs <= {"Wi2021-asiel", "Wi2021-gezin"}, qid
    for qid in ["costs_importance", "course_cost", "find_school_ease", "learn_dutch_method"]:
        assert by_q[qid]["2024"] == {"Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin"}, qid
    notes = availability[(availability.question_id.str.startswith("difficulty_reason__"))
                         & (availability.meting == "2023")].notes
    assert (notes != "").all(), "2023 routing of 'wat maakt inburgeren moeilijk' must be noted"


# --------------------------------------------------------------------------- export layout

def test_source_variables_match_availability(questions, availability, source_variables):
    av = {(r.question_id, r.meting, r.questionnaire) for r in availability.itertuples()}
    sv = {(r.question_id, r.meting, r.questionnaire) for r in source_variables.itertuples()}
    assert sv == av, f"in layout not asked: {sorted(sv - av)[:5]}; asked without variable: {sorted(av - sv)[:5]}"
    types = dict(zip(questions.question_id, questions.value_type))
    bad = source_variables[source_variables.value_type != source_variables.question_id.map(types)]
    assert bad.empty, bad.head()
    assert set(source_variables.reversed) <= {"true", "false"}


def test_source_variable_names_and_positions(source_variables):
    for name in source_variables.source_variable:
        assert SPSS_NAME.match(name) and not name.endswith("."), f"not SPSS-valid: {name}"
    for (meting, qnr), g in source_variables.groupby(["meting", "questionnaire"]):
        pos = sorted(g.position.astype(int))
        assert pos == list(range(1, len(g) + 1)), f"{meting} {qnr}: positions not 1..n"
        lower = g.source_variable.str.lower()
        assert lower.is_unique, f"{meting} {qnr}: names collide case-insensitively"
        assert (g.variable_label != "").all()
    for qid in ["respondent_token", "questionnaire_language", "recruitment_route", "municipality", "start_time",
                "end_time", "education_other_text"]:
        per_export = source_variables[source_variables.question_id == qid].groupby(["meting", "questionnaire"]).size()
        assert len(per_export) == 8, f"{qid} must be in all 8 exports"


def test_fixed_names_for_2024_wi2021_asiel(source_variables):
    g = source_variables[(source_variables.meting == "2024") & (source_variables.questionnaire == "Wi2021-asiel")]
    names = dict(zip(g.source_variable, g.question_id))
    for name, qid in FIXED_2024_WI2021_ASIEL.items():
        assert names.get(name) == qid, f"{name} must map to {qid}, found {names.get(name)}"


def test_goal_statements_near_the_end(source_variables):
    for (meting, qnr), g in source_variables.groupby(["meting", "questionnaire"]):
        pos = g.set_index("question_id").position.astype(int)
        goal = pos[pos.index.str.startswith("goal_")]
        assert goal.min() > 0.8 * pos.max(), f"{meting} {qnr}: goal statements not near the end"


def test_waves_differ_in_layout(source_variables):
    names = source_variables.groupby("meting").source_variable.apply(set)
    assert any(n.startswith("V") for n in names["2023"]) and any(n.startswith("Q") for n in names["2024"])
    assert not any(re.match(r"^Q\d", n) for n in names["2023"])
    rev = source_variables.groupby("meting").reversed.apply(lambda s: (s == "true").sum())
    assert (rev == 0).sum() == 1, "exactly one wave reverse-codes its scales"


# --------------------------------------------------------------------------- crosswalk

def test_crosswalk_integrity(questions, answer_sets, source_variables, crosswalk):
    sv = source_variables.set_index(["meting", "questionnaire", "source_variable"])
    aset = dict(zip(questions.question_id, questions.answer_set_id))
    vtype = dict(zip(questions.question_id, questions.value_type))
    codes = {(r.answer_set_id, int(r.code)): r.missing_type for r in answer_sets.itertuples()}
    for r in crosswalk.itertuples():
        key = (r.meting, r.questionnaire, r.source_variable)
        assert key in sv.index, f"crosswalk row for unknown variable {key}"
        assert sv.loc[key, "question_id"] == r.question_id, f"{key}: question mismatch"
        assert vtype[r.question_id] in CATEGORICAL, f"{key}: non-categorical variable in crosswalk"
        hkey = (aset[r.question_id], int(r.harmonised_code))
        assert hkey in codes, f"{key}: harmonised code {r.harmonised_code} not in answer set {hkey[0]}"
        assert codes[hkey] == r.missing_type, f"{key}: missing_type {r.missing_type!r} != {codes[hkey]!r}"
        int(r.source_code)


def test_every_categorical_variable_maps_every_valid_code(questions, answer_sets, source_variables, crosswalk):
    aset = dict(zip(questions.question_id, questions.answer_set_id))
    valid = answer_sets[answer_sets.missing_type == ""].groupby("answer_set_id").code.apply(lambda s: set(s.astype(int)))
    mapped = crosswalk.groupby(["meting", "questionnaire", "source_variable"]).harmonised_code.apply(
        lambda s: set(s.astype(int)))
    for r in source_variables[source_variables.value_type.isin(CATEGORICAL)].itertuples():
        key = (r.meting, r.questionnaire, r.source_variable)
        assert key in mapped.index, f"{key}: no crosswalk rows"
        missing = valid[aset[r.question_id]] - mapped[key]
        assert not missing, f"{key}: valid harmonised codes without a source code: {missing}"


def test_reversed_variables_flip_the_scale(source_variables, crosswalk):
    cw = crosswalk.assign(source_code=crosswalk.source_code.astype(int),
                          harmonised_code=crosswalk.harmonised_code.astype(int))
    cw = cw.set_index(["meting", "questionnaire", "source_variable"])
    for r in source_variables[source_variables.reversed == "true"].itertuples():
        rows = cw.loc[[(r.meting, r.questionnaire, r.source_variable)]]
        pairs = dict(zip(rows.source_code, rows.harmonised_code))
        assert all(pairs[s] == 6 - s for s in range(1, 6)), f"{r.source_variable}: not reversed: {pairs}"
    flags = source_variables.groupby(["meting", "question_id"]).reversed.nunique()
    assert (flags == 1).all(), "a question is reverse-coded in some but not all exports of a wave"


# --------------------------------------------------------------------------- report coverage

def _in_scope(tid: str, table: dict) -> bool:
    chapter_ok = re.match(r"^(?:[2-8]\.|B\.)", table["id"]) is not None
    return chapter_ok and table["kind"] in ("distribution", "crosstab")


def test_referenced_tables_exist(questions, report_tables):
    for _, q in questions.iterrows():
        for tid in _refs(q.report_tables):
            assert tid in report_tables, f"{q.question_id}: unknown table/figure {tid}"
            assert report_tables[tid]["kind"] not in ("population", "regression"), (q.question_id, tid)


def test_every_distribution_table_is_covered(questions, report_tables):
    referenced = {t for cell in questions.report_tables for t in _refs(cell)}
    for tid, table in report_tables.items():
        if not _in_scope(tid, table):
            continue
        if tid in EXCLUDED_TABLES:
            assert tid not in referenced, f"{tid} is both excluded and referenced"
            continue
        if table.get("rows"):
            assert tid in referenced, f"{tid} ({table['title']}) has rows but no question references it"
        else:
            assert tid in referenced, f"{tid} ({table['title']}) not referenced and not excluded"


def test_row_labels_match_answer_labels(questions, answer_sets, report_tables):
    labels = answer_sets.groupby("answer_set_id").label_nl.apply(set)
    items = questions.groupby("question_group").item_label_nl.apply(lambda s: set(s) - {""})
    for _, q in questions.iterrows():
        allowed = set(labels.get(q.answer_set_id, set())) | items.get(q.question_group, set())
        for tid in _refs(q.report_tables):
            rows = report_tables[tid].get("rows") or []
            unknown = [r["label"] for r in rows if r["label"] not in allowed]
            assert not unknown, f"{q.question_id} / {tid}: row labels not in its answer set or group: {unknown}"


def test_printed_groups_are_asked(questions, availability, report_tables):
    """A column per questionnaire in a referenced table means the question was asked there in 2024."""
    av = availability[availability.meting == "2024"].groupby("question_id").questionnaire.apply(set)
    for _, q in questions.iterrows():
        for tid in _refs(q.report_tables):
            table = report_tables[tid]
            cols = [c["label"] for c in (table.get("columns") or [])]
            values_by_col = {c: None for c in cols}
            if q.value_type == "multi_response_option":
                row = next((r for r in table.get("rows") or [] if r["label"] == q.item_label_nl), None)
                if row is not None:
                    values_by_col = dict(zip(cols, row["values"]))
            for col, value in values_by_col.items():
                if col in QUESTIONNAIRES and value != "-":
                    assert col in av.get(q.question_id, set()), f"{q.question_id}: {tid} prints {col} but not asked there"


def test_composites_match_regression_tables(questions, report_tables):
    outcomes = {t.get("outcome", "").lower() for t in report_tables.values() if t["kind"] == "regression"}
    assert {"maatschappelijk doel", "beleidsdoelen", "kwaliteit"} <= outcomes
    comp = questions[questions.composite != ""]
    for _, q in comp.iterrows():
        # every composite item is tabulated on its own
        assert any(report_tables[t].get("rows") for t in _refs(q.report_tables)), q.question_id


def test_technical_fields_are_flagged_and_nothing_else(questions):
    # universe_nl says it in the codebook's own words: "(technische variabele)"
    flagged = set(questions.loc[questions["is_technical"] == "true", "question_id"])
    described = set(questions.loc[questions["universe_nl"].str.contains("technische variabele"), "question_id"])
    assert set(questions["is_technical"]) == {"true", "false"}
    assert flagged == described == {"respondent_token", "start_time", "end_time", "questionnaire_language",
                                    "recruitment_route", "municipality"}


# --------------------------------------------------------------------------- percentage base and combined categories

PERCENTAGE_BASES = {"valid", "valid_and_dont_know", "answered"}


def test_percentage_base_follows_the_printed_rows(questions, answer_sets, report_tables):
    """A question's percentage base is what its printed table counts: "Dat weet ik niet" (and
    "wil ik niet zeggen") in the base exactly when the table prints that row as a share."""
    assert set(questions.percentage_base) <= PERCENTAGE_BASES
    assert (questions.loc[~questions.value_type.isin(CATEGORICAL), "percentage_base"] == "valid").all()
    kinds = {(row.answer_set_id, row.label_nl): row.missing_type for row in answer_sets.itertuples()}
    checked = {}
    for _, q in questions[questions.value_type == "categorical"].iterrows():
        for tid in _refs(q.report_tables):
            table = report_tables[tid]
            rows = table.get("rows") or []
            if not tid.startswith("T") or table.get("unit") != "percent" or not rows:
                continue
            matched = [kinds[(q.answer_set_id, r["label"])] for r in rows if (q.answer_set_id, r["label"]) in kinds]
            if len(matched) < len(rows):
                continue  # a battery: the rows are items, not answers
            printed = set(matched)
            expected = ("answered" if "no_answer" in printed else
                        "valid_and_dont_know" if "dont_know" in printed else "valid")
            assert q.percentage_base == expected, f"{q.question_id} / {tid}: prints {sorted(printed)}"
            checked[q.question_id] = expected
    # the report's tables with "weet ik niet" in the base: 2.2, 4.5, 5.1, 7.3, 7.5 (and 7.6 with refusals)
    assert {k for k, v in checked.items() if v != "valid"} == {
        "benefit", "work_guidance_satisfaction", "fixed_costs_satisfaction", "school_support_satisfaction",
        "costs_importance", "course_cost"}


def test_combined_categories_are_disjoint_valid_answers(questions, answer_sets):
    groups = _read("answer_set_groups.csv")
    assert list(groups.columns) == ["answer_set_id", "combined_id", "code", "label_nl", "label_en", "sort_order"]
    assert not groups.duplicated(["answer_set_id", "code"]).any(), "a code in two combined categories"
    valid = {(r.answer_set_id, r.code) for r in answer_sets.itertuples() if r.missing_type == ""}
    for row in groups.itertuples():
        assert (row.answer_set_id, row.code) in valid, f"{row.answer_set_id}/{row.combined_id}: code {row.code}"
    per_group = groups.groupby(["answer_set_id", "combined_id"])
    assert (per_group.size() >= 2).all(), "a combined category of one answer is the answer itself"
    assert (per_group[["label_nl", "label_en", "sort_order"]].nunique() == 1).all().all()
    used = set(questions.answer_set_id)
    assert set(groups.answer_set_id) <= used, "combined categories of an answer set no question uses"


MAPPING_BASES = {("valid",): "valid", ("dont_know", "valid"): "valid_and_dont_know",
                 ("dont_know", "no_answer", "valid"): "answered"}


def test_percentage_base_agrees_with_the_reviewed_report_mapping(questions):
    """orchestration/report_mapping.yaml states, table by table, what the report's percentages are
    of; the warehouse's rule is the seed's percentage_base. Two readings of the report, kept apart
    on purpose (the reproduction checks read the mapping): they must say the same."""
    mapping = yaml.safe_load((Path(__file__).parents[1] / "orchestration" / "report_mapping.yaml").read_text())
    seed = dict(zip(questions.question_id, questions.percentage_base))
    compared = {}
    for table, entry in mapping["frequency_tables"].items():
        if "question" not in entry:
            continue
        expected = MAPPING_BASES[tuple(sorted(entry["base"]))]
        assert seed[entry["question"]] == expected, f"{table} ({entry['question']}): the mapping says {expected}"
        compared[entry["question"]] = expected
    assert {q for q, base in compared.items() if base != "valid"} == {
        "benefit", "work_guidance_satisfaction", "fixed_costs_satisfaction", "school_support_satisfaction",
        "costs_importance", "course_cost", "money_support_satisfaction"}


def test_composite_membership_agrees_with_the_reviewed_report_mapping(questions):
    """The seed's `composite` builds the scale scores of fct_respondent; the report mapping's
    `outcomes` the regressions and alphas. Two statements of one scale: they must list the same items."""
    mapping = yaml.safe_load((Path(__file__).parents[1] / "orchestration" / "report_mapping.yaml").read_text())
    seeded = questions[questions.composite.fillna("") != ""].groupby("composite")["question_id"].apply(set).to_dict()
    assert set(seeded) == set(mapping["scales"])
    assert {scale: set(mapping["outcomes"][scale]) for scale in mapping["scales"]} == seeded
