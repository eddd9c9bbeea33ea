"""New waves built by hand from generated exports, with the truth typed here, for the draft tests.

Every change is written out below (renames, reversals, re-wordings, drops, additions), so what
the draft should find is known independently of the draft's own code.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

from orchestration.codebook import Codebook
from orchestration.codebook_draft.review import make_draft, write_review
from orchestration.config import PROJECT_DIR

NEW, QUESTIONNAIRE = 2025, "Wi2021-asiel"
SEEDS = PROJECT_DIR / "seeds" / "codebook"

# Wave A (from 2024): questions whose question text is re-worded slightly
REWORDED_A = {
    "living_situation": "Wat is op dit moment uw woonsituatie?",
    "education_level": "Wat is de hoogste opleiding of studie die u heeft afgerond?",
    "waited_long": "Vond u dat u te lang moest wachten voordat u met de cursus kon beginnen?",
    "leerroute_satisfaction": "Hoe tevreden bent u met de leerroute die u gaat volgen?",
    "map_usefulness": "Hoe nuttig is de MAP voor uw toekomst in Nederland?",
    "exam_wait_time": "Wat vond u van de wachttijd voor het examen?",
    "goal_learn_dutch": "Door de inburgering leer ik goed de Nederlandse taal",
    "course_quality_travel_costs": "Wat vindt u van uw inburgeringscursus? De reiskosten",
    "practice_dutch__language_cafe": "Oefent u de Nederlandse taal buiten de cursus? - Ja, in een taalcafé",
}
REVERSED_A = ("goal_prepared_for_job", "course_quality_teachers", "health_self_rated",
              "leerbaarheidstoets_satisfaction", "municipality_explained_work", "exam_location_access")
DROPPED_A = ("benefit", "brede_intake_listened", "azc_info_wish__other", "exam_passed", "fixed_costs_satisfaction")
SKIPPED = "Geen antwoord (overgeslagen)"
NEW_A = {  # label -> value labels (None: open text)
    "Hoe vaak oefent u Nederlands met een app op uw telefoon?":
        {1: "Nooit", 2: "Soms", 3: "Vaak", 4: "Elke dag", -1: SKIPPED},
    "Heeft u thuis een computer of laptop die u kunt gebruiken?": {1: "Ja", 2: "Nee", -1: SKIPPED},
    "Hoe tevreden bent u over de kinderopvang tijdens de lessen?":
        {1: "Helemaal niet tevreden", 2: "Niet tevreden", 3: "Neutraal", 4: "Tevreden", 5: "Heel tevreden",
         -1: SKIPPED},
    "Wat wilt u verder nog kwijt over uw inburgering?": None,
}
# answer labels re-worded: the health scale ends as the questionnaire words them (a reviewed
# synonym of 2024), and one label nobody has reviewed yet
RELABELLED_A = {("health_self_rated", "Heel goed"): "Zeer goed", ("health_self_rated", "Slecht"): "Zeer slecht",
                ("work_guidance_satisfaction", "Heel ontevreden"): "Zeer ontevreden"}

# Wave B (the 2023 export, drafted against a codebook without 2023): its own wording plus these
REWORDED_B = {
    "gender": "Wat is uw gender?",
    "residence_type": "Waar woont u op dit moment?",
    "dutch_level_self_rated": "Hoe goed spreekt u Nederlands?",
    "azc_step__paid_work": "Welke stappen heeft u gezet toen u in het azc woonde? - Betaald gewerkt",
}


@dataclass
class Wave:
    path: Path
    truth: dict[str, str | None]  # export variable -> question_id (None: new question)
    reworded: set[str] = field(default_factory=set)  # variables whose question text changed
    reversed: set[str] = field(default_factory=set)  # variables whose 5-point scale was reversed here
    new: set[str] = field(default_factory=set)
    dropped: set[str] = field(default_factory=set)  # question ids no longer asked
    relabelled: dict[tuple[str, int], str] = field(default_factory=dict)  # (variable, code) -> new label


def _layout(meting: int) -> pd.DataFrame:
    layout = pd.read_csv(SEEDS / "source_variables.csv", dtype=str, keep_default_na=False)
    rows = layout[(layout["meting"] == str(meting)) & (layout["questionnaire"] == QUESTIONNAIRE)]
    return rows.set_index("source_variable")


def _export(directory: Path, meting: int) -> Path:
    return directory / f"perspectief_{meting}_{QUESTIONNAIRE.lower().replace('-', '_')}.sav"


def _write(data: pd.DataFrame, labels: dict, value_labels: dict, missing: dict, path: Path) -> Path:
    formats = {name: "F8.0" for name in data.columns
               if pd.api.types.is_numeric_dtype(data[name]) and not pd.api.types.is_datetime64_any_dtype(data[name])}
    pyreadstat.write_sav(data, str(path), column_labels=labels, variable_value_labels=value_labels,
                         missing_ranges=missing or None, variable_format=formats,
                         note=[f"meting={NEW}", f"questionnaire={QUESTIONNAIRE}", "synthetic=true"])
    return path


def build_wave_a(exports: Path, out: Path) -> Wave:
    """2024's Wi2021-asiel export as 2025: renamed W25_001.., scales reversed, questions re-worded,
    dropped and added, some answer labels re-worded."""
    data, meta = pyreadstat.read_sav(str(_export(exports, 2024)), user_missing=True)
    # interviewed a year later: the landing holds interview times to the meting's fieldwork year
    for name in data.columns[data.dtypes.map(pd.api.types.is_datetime64_any_dtype)]:
        data[name] = data[name] + pd.DateOffset(years=1)
    layout = _layout(2024)
    question_of = layout["question_id"].to_dict()
    labels = dict(zip(meta.column_names, meta.column_labels))
    value_labels = {k: {int(c): v for c, v in vl.items()} for k, vl in meta.variable_value_labels.items()}
    missing = {k: v for k, v in (meta.missing_ranges or {}).items()}
    wave = Wave(out / "wave_a_2025_wi2021_asiel.sav", {})
    for name in list(data.columns):
        question = question_of[name]
        if question in DROPPED_A:
            data = data.drop(columns=name)
            wave.dropped.add(question)
            continue
        if question in REVERSED_A:
            scale = value_labels[name]
            assert all(code in scale for code in range(1, 6)), name
            data[name] = data[name].map(lambda v: 6 - v if v in (1, 2, 3, 4, 5) else v)
            value_labels[name] = {(6 - c if 1 <= c <= 5 else c): text for c, text in scale.items()}
        if question in REWORDED_A:
            labels[name] = REWORDED_A[question]
    renamed = {name: f"W25_{position:03d}" for position, name in enumerate(data.columns, start=1)}
    for name, new_name in renamed.items():
        question = question_of[name]
        wave.truth[new_name] = question
        wave.reworded |= {new_name} if question in REWORDED_A else set()
        wave.reversed |= {new_name} if question in REVERSED_A else set()
        for (relabel_question, old), text in RELABELLED_A.items():
            if relabel_question == question:
                code = next(c for c, label in value_labels[name].items() if label == old)
                value_labels[name][code] = text
                wave.relabelled[(new_name, code)] = text
    data = data.rename(columns=renamed)
    rename = lambda mapping: {renamed[k]: v for k, v in mapping.items() if k in renamed}  # noqa: E731
    labels, value_labels, missing = rename(labels), rename(value_labels), rename(missing)
    rng = np.random.default_rng(2025)
    for number, (label, answers) in enumerate(NEW_A.items(), start=1):
        name = f"W25_N{number}"
        if answers is None:
            data[name] = ["" if rng.random() < 0.7 else "Het gaat goed." for _ in range(len(data))]
        else:
            data[name] = rng.choice([c for c in answers if c > 0], size=len(data)).astype(float)
            value_labels[name] = answers
        labels[name] = label
        wave.truth[name] = None
        wave.new.add(name)
    out.mkdir(parents=True, exist_ok=True)
    _write(data, labels, value_labels, missing, wave.path)
    return wave


def build_wave_b(exports: Path, out: Path) -> Wave:
    """2023's Wi2021-asiel export (its numbering, coding and wording) presented as 2025, with
    three more re-wordings; drafted against a codebook without meting 2023."""
    data, meta = pyreadstat.read_sav(str(_export(exports, 2023)), user_missing=True)
    layout = _layout(2023)
    labels = dict(zip(meta.column_names, meta.column_labels))
    wave = Wave(out / "wave_b_2025_wi2021_asiel.sav", {})
    asked_2024 = set(_layout(2024)["question_id"])
    for name in data.columns:
        question = layout.loc[name, "question_id"]
        wave.truth[name] = question
        assert question not in REWORDED_B or question in set(layout["question_id"])
        if question in REWORDED_B:
            labels[name] = REWORDED_B[question]
            wave.reworded.add(name)
        if layout.loc[name, "reversed"] == "true":
            wave.reversed.add(name)
    wave.dropped = asked_2024 - set(wave.truth.values())
    value_labels = {k: {int(c): v for c, v in vl.items()} for k, vl in meta.variable_value_labels.items()}
    out.mkdir(parents=True, exist_ok=True)
    _write(data, labels, value_labels, dict(meta.missing_ranges or {}), wave.path)
    return wave


def codebook_without(meting: int, target: Path) -> Path:
    """A copy of the codebook seeds without the rows of one meting."""
    shutil.copytree(SEEDS, target)
    for name in ("source_variables", "crosswalk", "question_availability", "label_synonyms"):
        path = target / f"{name}.csv"
        if path.exists():
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            frame[frame["meting"] != str(meting)].to_csv(path, index=False, lineterminator="\n")
    return target


@dataclass
class Score:
    automatic: int  # variables matched without a person
    correct: int
    existing: int  # variables whose question the codebook has
    unchanged: int
    unchanged_matched: int

    @property
    def precision(self) -> float:
        return self.correct / self.automatic if self.automatic else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.existing

    @property
    def unchanged_recall(self) -> float:
        return self.unchanged_matched / self.unchanged


def score(wave: Wave, matches) -> Score:
    automatic = {m.variable.name: m.question_id for m in matches if m.status == "matched" and m.how != "decided"}
    correct = sum(wave.truth[name] == question for name, question in automatic.items())
    existing = [name for name, question in wave.truth.items() if question is not None]
    unchanged = [name for name in existing if name not in wave.reworded]
    return Score(len(automatic), correct, len(existing), len(unchanged),
                 sum(automatic.get(name) == wave.truth[name] for name in unchanged))


# What the person reviewing wave A decides: the four new questions get codebook rows of their
# own (typed here), and the one answer label nobody reviewed before is the scale's negative end.
def _new_question(question_id: str, chapter: str, topic: str, text_nl: str, text_en: str, value_type: str,
                  answer_set_id: str = "") -> dict[str, str]:
    """A questions.csv row for a question new in 2025, asked of everyone."""
    return {"question_id": question_id, "question_group": question_id, "chapter": chapter, "topic": topic,
            "question_text_nl": text_nl, "question_text_en": text_en, "value_type": value_type,
            "answer_set_id": answer_set_id, "universe_nl": "Alle respondenten (nieuw in 2025)",
            "is_technical": "false", "percentage_base": "valid"}


NEW_QUESTIONS_A = {  # variable -> questions.csv row
    "W25_N1": _new_question("dutch_app_practice", "5", "Nederlands oefenen",
                            "Hoe vaak oefent u Nederlands met een app op uw telefoon?",
                            "How often do you practise Dutch with an app on your phone?", "categorical", "app_frequency_4"),
    "W25_N2": _new_question("home_computer", "2", "Achtergrond",
                            "Heeft u thuis een computer of laptop die u kunt gebruiken?",
                            "Do you have a computer or laptop at home that you can use?", "categorical", "yes_no_dk"),
    "W25_N3": _new_question("childcare_satisfaction", "4", "Inburgeringscursus",
                            "Hoe tevreden bent u over de kinderopvang tijdens de lessen?",
                            "How satisfied are you with childcare during lessons?", "categorical",
                            "satisfaction_ltoets_5"),
    "W25_N4": _new_question("remarks_text", "8", "Afsluiting", "Wat wilt u verder nog kwijt over uw inburgering?",
                            "Anything else you would like to say about your integration?", "text"),
}
APP_FREQUENCY = [("1", "Nooit", "Never"), ("2", "Soms", "Sometimes"), ("3", "Vaak", "Often"),
                 ("4", "Elke dag", "Every day"), ("-1", SKIPPED, "No answer (item skipped)")]


def add_new_questions(codebook: Path) -> None:
    """The reviewer's own rows for the new questions, in a codebook copy."""
    questions = pd.read_csv(codebook / "questions.csv", dtype=str, keep_default_na=False)
    rows = [{**{column: "" for column in questions.columns}, **row} for row in NEW_QUESTIONS_A.values()]
    pd.concat([questions, pd.DataFrame(rows)]).to_csv(codebook / "questions.csv", index=False, lineterminator="\n")
    answers = pd.read_csv(codebook / "answer_sets.csv", dtype=str, keep_default_na=False)
    extra = pd.DataFrame([{"answer_set_id": "app_frequency_4", "code": code, "label_nl": nl, "label_en": en,
                           "sort_order": code if code != "-1" else "99",
                           "missing_type": "skipped" if code == "-1" else "", "notes": ""}
                          for code, nl, en in APP_FREQUENCY])
    pd.concat([answers, extra]).to_csv(codebook / "answer_sets.csv", index=False, lineterminator="\n")


def decide(folder: Path, wave: Wave) -> int:
    """Fill decisions.csv as the reviewer: new questions by their new ids, the re-worded answer
    label 'Zeer ontevreden' as code 1 (satisfaction_heel_5's 'Heel ontevreden'). Returns rows decided."""
    path = folder / "decisions.csv"
    decisions = pd.read_csv(path, dtype=str, keep_default_na=False)
    for index, row in decisions.iterrows():
        if row["source_variable"] in NEW_QUESTIONS_A and not row["source_code"]:
            decisions.at[index, "decision"] = NEW_QUESTIONS_A[row["source_variable"]]["question_id"]
        elif row["export_label"] == "Zeer ontevreden":
            decisions.at[index, "decision"] = "1"
    decisions.to_csv(path, index=False, lineterminator="\n")
    return int((decisions["decision"] != "").sum())


def review(wave: Wave, codebook: Path, folder: Path) -> None:
    """The reviewer's round: `wave` drafted against `codebook` into `folder`, then the new
    questions' rows added to `codebook` and every open item decided (not yet applied)."""
    write_review(make_draft(wave.path, NEW, QUESTIONNAIRE, Codebook.load(codebook)), folder)
    add_new_questions(codebook)
    decide(folder, wave)


def reviewed_copy(wave: Wave, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the seeds in tmp_path/codebook, and wave's review in tmp_path/review, decided."""
    codebook, folder = tmp_path / "codebook", tmp_path / "review"
    shutil.copytree(SEEDS, codebook)
    review(wave, codebook, folder)
    return codebook, folder
