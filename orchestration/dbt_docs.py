"""dbt YAML that follows from the codebook: the raw sources and the staging models, one
column per export variable, each described with its question. Regenerate after changing the
seeds (`inburgering dbt-docs`); a test fails when the files are out of step with the seeds."""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestration.codebook import Codebook
from orchestration.config import PROJECT_DIR

STAGING = PROJECT_DIR / "models" / "staging"
LINEAGE = {
    "_source_file": "File name of the landed export.",
    "_source_sha256": "sha256 of the landed file's bytes.",
    "_loaded_at": "When the file was landed (UTC).",
    "_meting": "Meting read from the file's metadata.",
    "_questionnaire": "Questionnaire read from the file's metadata.",
}
HEADER = "# Generated from seeds/codebook by `inburgering dbt-docs`; edit the seeds, not this file.\n"


def slug(questionnaire: str) -> str:
    return questionnaire.lower().replace("-", "_")


def _describe(codebook: Codebook, question_id: str) -> str:
    question = codebook.questions.loc[question_id]
    text = question["question_text_en"] or question["question_text_nl"]
    item = f" - {question['item_label_en']}" if question.get("item_label_en") else ""
    return f"{text}{item} [{question['value_type']}]"


def sources_yaml(codebook: Codebook) -> dict:
    tables = []
    for meting, questionnaire in codebook.exports():
        layout = codebook.layout(meting, questionnaire)
        columns = [{"name": row.source_variable, "description": f"{row.variable_label} ({row.question_id})"}
                   for row in layout.itertuples(index=False)]
        columns += [{"name": name, "description": text} for name, text in LINEAGE.items()]
        tables.append({
            "name": f"export_{meting}_{slug(questionnaire)}",
            "description": f"Meting {meting}, questionnaire {questionnaire}, as exported (source codes), plus lineage.",
            "columns": columns,
        })
    return {"version": 2, "sources": [{
        "name": "raw",
        "description": "Survey exports as landed by the loader: one table per meting x questionnaire.",
        "schema": "raw",
        "loaded_at_field": "_loaded_at",
        "freshness": {"warn_after": {"count": 400, "period": "day"}},
        "tables": tables,
    }]}


def staging_yaml(codebook: Codebook) -> dict:
    models = []
    for meting, questionnaire in codebook.exports():
        layout = codebook.layout(meting, questionnaire)
        columns = [{"name": row.question_id, "description": f"{row.source_variable}: {_describe(codebook, row.question_id)}"}
                   for row in layout.itertuples(index=False)]
        columns[0]["data_tests"] = ["present_and_unique"] if columns[0]["name"] == "respondent_token" else []
        columns += [
            {"name": "meting", "description": "Survey wave (year of fieldwork)."},
            {"name": "questionnaire", "description": "Questionnaire the export belongs to."},
            {"name": "source_file", "description": "Landed export file name (lineage)."},
            {"name": "source_sha256", "description": "sha256 of the landed export (lineage)."},
            {"name": "loaded_at", "description": "When the export was landed (lineage)."},
        ]
        models.append({
            "name": f"stg_{meting}__{slug(questionnaire)}",
            "description": (f"Meting {meting}, {questionnaire}: export variables renamed to codebook question ids and "
                            "typed; codes are still the export's own (the crosswalk maps them in intermediate)."),
            "columns": columns,
        })
    return {"version": 2, "models": models}


def render(document: dict) -> str:
    return HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def write(codebook: Codebook | None = None, directory: Path = STAGING) -> list[Path]:
    codebook = codebook or Codebook.load()
    outputs = {directory / "_raw__sources.yml": sources_yaml(codebook),
               directory / "_staging__models.yml": staging_yaml(codebook)}
    for path, document in outputs.items():
        path.write_text(render(document), encoding="utf-8")
    return list(outputs)
