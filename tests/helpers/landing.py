"""Small exports and codebooks built on the spot, and a fingerprint of the raw tables.

The landing tests build every export they need (good and bad) with these, against a codebook
they write into a temporary folder, so they depend neither on the real seeds nor on the
synthetic generator.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyreadstat

from orchestration.landing.loader import LoadOutcome, land_files
from orchestration.landing.registry import HISTORY_SCHEMA, LOAD_LOG, RAW_SCHEMA, quoted


@dataclass(frozen=True)
class Var:
    """A codebook variable: question_id, value_type and (for coded types) the allowed codes
    and, in the same order, their answer labels (the codebook's answer set)."""

    question_id: str
    value_type: str
    codes: tuple[int, ...] = ()
    label: str = ""
    answers: tuple[str, ...] = ()

    def answer_labels(self) -> dict[int, str]:
        return dict(zip(self.codes, self.answers or [f"antwoord {code}" for code in self.codes]))


SKIPPED = "Geen antwoord (overgeslagen)"
LANGUAGES = ("Nederlands", "Engels", "Arabisch", "Turks", "Tigrinya")


# A miniature of the 2024 Wi2021-asiel layout: token, a categorical with a user-missing code,
# an integer, a date and open text.
MINI_LAYOUT = {
    "token": Var("respondent_token", "text"),
    "taal": Var("questionnaire_language", "categorical", (1, 2, 3, 4, 5), answers=LANGUAGES),
    "Q1": Var("gender", "categorical", (1, 2, 9, -1), answers=("Man", "Vrouw", "Wil ik niet zeggen", SKIPPED)),
    "Q2": Var("birth_year", "integer"),
    "Q6": Var("pip_received_date", "date"),
    "Q3_anders": Var("country_other_text", "text"),
}

OPEN_TEXT = [
    "أنا من سوريا وأتعلم اللغة الهولندية",  # Arabic
    "ካብ ኤርትራ እየ፡ ቋንቋ ሆላንድ ይመሃር ኣለኹ",  # Tigrinya, Ge'ez script
    "Türkiye'den geldim; İstanbul, Iğdır, şöyle böyle",  # Turkish, dotted/dotless i
    "",
    "  leading spaces and ‘quotes’, commas, \"double\" quotes",  # SPSS cannot keep trailing blanks
]


def write_codebook(directory: Path, layouts: dict[tuple[int, str], dict[str, Var]],
                   crosswalk: bool = True) -> Path:
    """source_variables.csv, crosswalk.csv, questions.csv and answer_sets.csv in the seed format,
    for the given exports (each coded variable its own answer set, named after its question).
    crosswalk=False leaves the crosswalk out: an incomplete codebook."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "source_variables.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["meting", "questionnaire", "source_variable", "question_id", "position",
                         "variable_label", "value_type", "reversed"])
        for (meting, questionnaire), layout in layouts.items():
            for position, (name, var) in enumerate(layout.items(), start=1):
                writer.writerow([meting, questionnaire, name, var.question_id, position, var.label,
                                 var.value_type, "false"])
    if crosswalk:
        with (directory / "crosswalk.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["meting", "questionnaire", "source_variable", "source_code", "question_id",
                             "harmonised_code", "missing_type"])
            for (meting, questionnaire), layout in layouts.items():
                for name, var in layout.items():
                    for code in var.codes:
                        writer.writerow([meting, questionnaire, name, code, var.question_id, code,
                                         "skipped" if code < 0 else ""])
    _write_answer_sets(directory, [var for layout in layouts.values() for var in layout.values()])
    return directory


def _write_answer_sets(directory: Path, variables: list[Var]) -> None:
    coded = {var.question_id: var for var in variables if var.codes}
    with (directory / "questions.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question_id", "value_type", "answer_set_id"])
        for var in {var.question_id: var for var in variables}.values():
            writer.writerow([var.question_id, var.value_type, var.question_id if var.codes else ""])
    with (directory / "answer_sets.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["answer_set_id", "code", "label_nl", "label_en", "sort_order", "missing_type", "notes"])
        for question_id, var in coded.items():
            for order, (code, label) in enumerate(var.answer_labels().items(), start=1):
                writer.writerow([question_id, code, label, "", order, "skipped" if code < 0 else "", ""])


ASIEL_2024 = (2024, "Wi2021-asiel")


def landing_env(tmp_path: Path, layouts: dict[tuple[int, str], dict[str, Var]] | None = None) -> dict[str, Path]:
    """A warehouse file, a landing folder and a codebook folder in `tmp_path`. The codebook
    describes `layouts` (by default MINI_LAYOUT as 2024 Wi2021-asiel); `{}` leaves it unwritten."""
    env = {"db": tmp_path / "w.duckdb", "landing": tmp_path / "landing", "codebook": tmp_path / "codebook"}
    layouts = {ASIEL_2024: MINI_LAYOUT} if layouts is None else layouts
    if layouts:
        write_codebook(env["codebook"], layouts)
    return env


def land(env: dict[str, Path], *paths: Path, **kwargs) -> list[LoadOutcome]:
    """land_files into the env's warehouse, from its landing folder, against its codebook."""
    return land_files(env["db"], list(paths), landing_dir=env["landing"], codebook_dir=env["codebook"], **kwargs)


# The value labels the mini exports carry: the codebook's own (write_codebook), as a platform would.
MINI_VALUE_LABELS = {name: {code: label for code, label in var.answer_labels().items() if code >= 0}
                     for name, var in MINI_LAYOUT.items() if var.codes}


def mini_frame(n: int = 5, seed: int = 0) -> pd.DataFrame:
    """n respondents fitting MINI_LAYOUT; `seed` varies the answers (a 'corrected' re-export)."""
    return pd.DataFrame({
        "token": [f"R{seed:02d}{i:010x}" for i in range(n)],
        "taal": [float(1 + (i + seed) % 5) for i in range(n)],
        "Q1": [float((1, 2, 9)[(i + seed) % 3]) for i in range(n)],
        "Q2": [float(1970 + (i * 7 + seed) % 40) for i in range(n)],
        "Q6": [date(2023, 1 + i % 12, 1 + (i + seed) % 28) for i in range(n)],
        "Q3_anders": [OPEN_TEXT[i % len(OPEN_TEXT)] for i in range(n)],
    })


@dataclass
class SavSpec:
    meting: object = 2024
    questionnaire: object = "Wi2021-asiel"
    synthetic: bool = False
    notes: list[str] | None = None  # overrides the provenance notes entirely
    value_labels: dict = field(default_factory=lambda: {name: dict(v) for name, v in MINI_VALUE_LABELS.items()})


def write_sav(path: Path, frame: pd.DataFrame, spec: SavSpec | None = None) -> Path:
    spec = spec or SavSpec()
    notes = spec.notes if spec.notes is not None else [
        f"meting={spec.meting}", f"questionnaire={spec.questionnaire}", f"synthetic={str(spec.synthetic).lower()}"]
    path.parent.mkdir(parents=True, exist_ok=True)
    numeric = [name for name, column in frame.items() if pd.api.types.is_float_dtype(column)]
    pyreadstat.write_sav(
        frame, str(path), note=notes or None,
        variable_value_labels={k: v for k, v in spec.value_labels.items() if k in frame},
        variable_format={name: "F8.0" for name in numeric if (frame[name].dropna() % 1 == 0).all()},
    )
    return path


def csv_types(layout: dict[str, Var]) -> dict[str, str]:
    kinds = {"categorical": "integer", "multi_response_option": "integer", "integer": "integer",
             "date": "date", "text": "text"}
    return {name: kinds[var.value_type] for name, var in layout.items()}


def write_csv(path: Path, frame: pd.DataFrame, types: dict[str, str], meting: object = 2024,
              questionnaire: object = "Wi2021-asiel", synthetic: bool = False, encoding: str = "utf-8",
              delimiter: str = ",", sidecar: bool = True) -> Path:
    """`<name>.csv` and `<name>.labels.json` in the agreed export format."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(list(frame.columns))
        for record in frame.itertuples(index=False):
            writer.writerow([_csv_value(value) for value in record])
    if sidecar:
        variables = {name: {"label": name, "type": types[name]} for name in frame.columns}
        for name, labels in MINI_VALUE_LABELS.items():
            if name in variables:
                variables[name]["value_labels"] = {str(code): label for code, label in labels.items()}
        if "Q1" in variables:
            variables["Q1"]["user_missing"] = [9]
        path.with_name(path.stem + ".labels.json").write_text(json.dumps(
            {"meting": meting, "questionnaire": questionnaire, "synthetic": synthetic, "variables": variables},
            ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _csv_value(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_manifest(path: Path, **fields: object) -> Path:
    manifest = path.with_name(path.name + ".manifest.json")
    manifest.write_text(json.dumps(fields), encoding="utf-8")
    return manifest


def fingerprint(duckdb_path: Path) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every table in `raw` and `raw_history` except the load log
    (which records failed attempts by design): equal fingerprints = warehouse unchanged."""
    if not duckdb_path.exists():
        return {}
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in (?, ?) order by 1", [RAW_SCHEMA, HISTORY_SCHEMA]).fetchall()
        result = {}
        for (table,) in tables:
            if table == LOAD_LOG:
                continue
            result[table] = con.execute(
                f"select count(*), coalesce(md5(string_agg(cast(t as varchar), chr(10) "
                f"order by cast(t as varchar))), '') from {quoted(table)} t").fetchone()
        return result


def load_log(duckdb_path: Path) -> pd.DataFrame:
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return con.execute(f"select * from {LOAD_LOG} order by attempt_id").df()


def re_export(source: Path, target: Path) -> Path:
    """The same export with one answer corrected (the first respondent's Q2 one higher): same
    provenance, another sha256, written as SPSS to `target`."""
    data, meta = pyreadstat.read_sav(str(source), user_missing=True)
    data.loc[0, "Q2"] = data.loc[0, "Q2"] + 1
    target.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(data, str(target), note=meta.notes, column_labels=meta.column_labels,
                         variable_value_labels=meta.variable_value_labels, missing_ranges=meta.missing_ranges,
                         variable_format=meta.original_variable_types)
    return target


def copies(paths: list[Path], folder: Path) -> list[Path]:
    """The files copied into `folder` (made if missing), to be landed from there: the loader moves
    a refused file aside, so shared files are never landed in place."""
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy2(path, folder / path.name)) for path in paths]
