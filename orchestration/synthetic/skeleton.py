"""The walking skeleton's export: meting 2024, questionnaire Wi2021-asiel, a handful of
variables. Distributions follow the report where it prints them (Tabel 2.6 health);
the statement is generated from a linear model so a regression has something to recover.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.synthetic.sav import SavExport, write_sav

METING = 2024
QUESTIONNAIRE = "Wi2021-asiel"
N_RESPONDENTS = 2651  # Tabel 2.9, sample column

LANGUAGES = {1: "Nederlands", 2: "Engels", 3: "Arabisch", 4: "Turks", 5: "Tigrinya"}
GENDER = {1: "Man", 2: "Vrouw", 9: "Wil ik niet zeggen"}
LEERROUTE = {1: "B1-route", 2: "Onderwijsroute", 3: "Z-route", 9: "Weet ik niet"}
HEALTH = {1: "Heel goed", 2: "Goed", 3: "Redelijk (niet goed, niet slecht)", 4: "Niet zo goed", 5: "Slecht"}
AGREEMENT = {
    1: "Helemaal oneens",
    2: "Oneens",
    3: "Neutraal",
    4: "Eens",
    5: "Helemaal eens",
    6: "Weet ik niet",
}

# Linear model behind the statement (latent 1-5 score); the skeleton's regression
# fits the same terms, so a working chain recovers these signs.
TRUE_EFFECTS = {
    "const": 2.4,
    "age": 0.012,
    "female": -0.08,
    "health_score": 0.15,
    "leerroute_b1": -0.10,
    "leerroute_o": 0.05,
    "cohort_1": -0.13,
}


def build_export(seed: int = 2024, n: int = N_RESPONDENTS) -> SavExport:
    rng = np.random.default_rng(seed)
    token = [f"R{v:012x}" for v in rng.integers(0, 2**48, size=n)]
    language = rng.choice(list(LANGUAGES), size=n, p=[0.22, 0.18, 0.38, 0.07, 0.15])
    gender = rng.choice([1, 2, 9], size=n, p=[0.60, 0.39, 0.01])
    age = np.clip(np.round(rng.gamma(9.0, 3.6, size=n) + 5), 18, 76).astype(int)
    birth_year = METING - age
    leerroute = rng.choice([1, 2, 3, 9], size=n, p=[0.62, 0.18, 0.09, 0.11])
    pip_date = [date(2022, 3, 1) + timedelta(days=int(d)) for d in rng.integers(0, 915, size=n)]
    health = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.22, 0.43, 0.26, 0.07, 0.02])

    cohort_1 = np.array([d < date(2024, 1, 1) for d in pip_date], dtype=float)
    latent = (
        TRUE_EFFECTS["const"]
        + TRUE_EFFECTS["age"] * age
        + TRUE_EFFECTS["female"] * (gender == 2)
        + TRUE_EFFECTS["health_score"] * (6 - health)
        + TRUE_EFFECTS["leerroute_b1"] * (leerroute == 1)
        + TRUE_EFFECTS["leerroute_o"] * (leerroute == 2)
        + TRUE_EFFECTS["cohort_1"] * cohort_1
        + rng.normal(0, 0.9, size=n)
    )
    statement = np.clip(np.round(latent), 1, 5).astype(float)
    statement[rng.random(n) < 0.05] = 6  # "weet ik niet"
    statement[rng.random(n) < 0.10] = np.nan  # skipped the item

    data = pd.DataFrame(
        {
            "token": token,
            "taal": language.astype(float),
            "Q1": gender.astype(float),
            "Q2": birth_year.astype(float),
            "Q5": leerroute.astype(float),
            "Q6": pip_date,
            "Q8": health.astype(float),
            "Q20_1": statement,
        }
    )
    return SavExport(
        data=data,
        meting=METING,
        questionnaire=QUESTIONNAIRE,
        seed=seed,
        variable_labels={
            "token": "Pseudoniem respondentnummer",
            "taal": "Taal van de vragenlijst",
            "Q1": "Wat is uw geslacht?",
            "Q2": "Wat is uw geboortejaar?",
            "Q5": "Welke leerroute volgt u?",
            "Q6": "Wanneer heeft u uw PIP ontvangen?",
            "Q8": "Hoe is over het algemeen uw gezondheid?",
            "Q20_1": "Door de inburgering voel ik mij goed voorbereid op een baan in Nederland",
        },
        value_labels={"taal": LANGUAGES, "Q1": GENDER, "Q5": LEERROUTE, "Q8": HEALTH, "Q20_1": AGREEMENT},
        user_missing={"Q1": [9], "Q5": [9], "Q20_1": [6]},
    )


def export_file_name(meting: int = METING, questionnaire: str = QUESTIONNAIRE) -> str:
    return f"perspectief_{meting}_{questionnaire.lower().replace('-', '_')}.sav"


def generate(landing_dir: Path, seed: int = 2024, n: int = N_RESPONDENTS) -> list[Path]:
    export = build_export(seed=seed, n=n)
    created = datetime(2024, 12, 1, 9, 0, 0)  # end of fieldwork, fixed for reproducibility
    return [write_sav(export, landing_dir / export_file_name(), created)]
