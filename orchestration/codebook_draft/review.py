"""A draft of a new wave's codebook rows, and the review folder a person reads and answers.

The folder holds:
- `source_variables.csv`, `crosswalk.csv`, `question_availability.csv`, `label_synonyms.csv`:
  the draft rows of every variable matched without doubt, in the seeds' own columns;
- `decisions.csv`: what a person must decide, one row per variable or code, with the
  candidates; the `decision` column takes a question_id (variable) or a harmonised code
  (code). A row may be added for any variable to overrule its automatic match;
- `review.md` and `review.json`: the report (matched with evidence and confidence, re-worded
  questions, reversed and renumbered scales, new questions, questions no longer asked, what
  could not be matched).
Nothing here touches the seeds: apply.py does, after review.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from orchestration.codebook import Codebook
from orchestration.codebook_draft.dictionary import ExportDictionary, read_dictionary
from orchestration.codebook_draft.matching import VariableMatch, match_variables
from orchestration.codebook_draft.reference import Reference, build_reference
from orchestration.landing.labels import normalise

DECISIONS = "decisions.csv"
DECISION_COLUMNS = ("source_variable", "source_code", "issue", "export_label", "proposal", "candidates",
                    "evidence", "decision")
SEED_COLUMNS = {
    "source_variables": ("meting", "questionnaire", "source_variable", "question_id", "position", "variable_label",
                         "value_type", "reversed"),
    "crosswalk": ("meting", "questionnaire", "source_variable", "source_code", "question_id", "harmonised_code",
                  "missing_type"),
    "question_availability": ("question_id", "meting", "questionnaire", "notes"),
    "label_synonyms": ("meting", "answer_set_id", "harmonised_code", "export_label", "note"),
}


@dataclass
class Draft:
    export: ExportDictionary
    meting: int
    questionnaire: str
    reference: Reference
    matches: list[VariableMatch]

    @property
    def matched(self) -> list[VariableMatch]:
        return [m for m in self.matches if m.status == "matched"]

    @property
    def dropped(self) -> list[str]:
        asked = {m.question_id for m in self.matched}
        return [q for q in self.reference.previous_questions if q not in asked]

    def _candidate_for(self, question_id: str) -> str:
        """Unresolved variables that may be this question after all (a re-wording too far to be sure)."""
        return ", ".join(m.variable.name for m in self.matches
                         if m.status != "matched" and question_id in {c.question_id for c in m.candidates})

    def open_items(self) -> list[dict[str, str]]:
        """Everything a person must still decide; empty: the draft can be applied."""
        items = []
        for match in self.matches:
            if match.status != "matched":
                proposal = match.candidates[0].question_id if match.candidates and match.status != "new" else ""
                items.append({"source_variable": match.variable.name, "source_code": "", "issue": match.status,
                              "export_label": match.variable.label, "proposal": proposal,
                              "candidates": "; ".join(f"{c.question_id} ({c.score:.2f}, {c.answers})"
                                                      for c in match.candidates),
                              "evidence": match.evidence, "decision": ""})
                continue
            for code in match.codes:
                if code.needs_review:
                    items.append({"source_variable": match.variable.name, "source_code": str(code.source_code),
                                  "issue": code.how, "export_label": code.label,
                                  "proposal": "" if code.harmonised_code is None else str(code.harmonised_code),
                                  "candidates": code.codebook_label,
                                  "evidence": f"{match.question_id}: {code.how}", "decision": ""})
        return items

    def rows(self) -> dict[str, list[dict[str, str]]]:
        """Seed rows of every matched variable whose codes are all settled."""
        rows: dict[str, list[dict[str, str]]] = {name: [] for name in SEED_COLUMNS}
        meting, questionnaire = str(self.meting), self.questionnaire
        synonyms = set()
        for match in self.matches:
            if not match.resolved:
                continue
            question = self.reference.question(match.question_id)
            rows["source_variables"].append({
                "meting": meting, "questionnaire": questionnaire, "source_variable": match.variable.name,
                "question_id": match.question_id, "position": str(match.variable.position),
                "variable_label": match.variable.label, "value_type": question["value_type"],
                "reversed": "true" if match.scale == "reversed" else "false"})
            for code in match.codes:
                rows["crosswalk"].append({
                    "meting": meting, "questionnaire": questionnaire, "source_variable": match.variable.name,
                    "source_code": str(code.source_code), "question_id": match.question_id,
                    "harmonised_code": str(code.harmonised_code), "missing_type": code.missing_type})
                key = (question["answer_set_id"], code.harmonised_code, normalise(code.label))
                if code.label and normalise(code.label) != normalise(code.codebook_label) and key not in synonyms:
                    synonyms.add(key)
                    rows["label_synonyms"].append({
                        "meting": meting, "answer_set_id": question["answer_set_id"],
                        "harmonised_code": str(code.harmonised_code), "export_label": code.label,
                        "note": _synonym_note(code.how, code.codebook_label)})
        asked = dict.fromkeys(m.question_id for m in self.matches if m.resolved)
        rows["question_availability"] = [{"question_id": q, "meting": meting, "questionnaire": questionnaire,
                                          "notes": ""} for q in asked]
        return rows

    def summary(self) -> dict[str, object]:
        matched = self.matched
        return {
            "export": str(self.export.path), "sha256": self.export.sha256, "format": self.export.format,
            "meting": self.meting, "questionnaire": self.questionnaire,
            "previous_meting": self.reference.previous_meting, "codebook": str(self.reference.codebook.directory),
            "variables": len(self.matches),
            "matched": [_matched_entry(m) for m in matched],
            "reworded": [_matched_entry(m) for m in matched if m.how == "reworded"],
            "scales": [{"source_variable": m.variable.name, "variable_label": m.variable.label,
                        "question_id": m.question_id, "scale": m.scale,
                        "changed_since_previous_meting": m.coding_changed,
                        "codes": {str(c.source_code): c.harmonised_code for c in m.codes}}
                       for m in matched if m.scale in ("reversed", "renumbered") or m.coding_changed],
            "new": [{"source_variable": m.variable.name, "variable_label": m.variable.label, "evidence": m.evidence}
                    for m in self.matches if m.status == "new"],
            "no_longer_asked": [{"question_id": q, "question_text_nl": self.reference.question(q)["question_text_nl"],
                                 "unless": self._candidate_for(q)} for q in self.dropped],
            "unresolved": self.open_items(),
        }


def _synonym_note(how: str, codebook_label: str) -> str:
    if how.startswith("synonym of meting"):
        return f"The export's wording of {codebook_label!r}, the same as the reviewed {how}."
    return f"The export's wording of {codebook_label!r}; reviewed in the codebook draft as the same answer."


def _matched_entry(match: VariableMatch) -> dict[str, object]:
    return {"source_variable": match.variable.name, "variable_label": match.variable.label,
            "question_id": match.question_id, "how": match.how, "confidence": round(match.confidence, 3),
            "evidence": match.evidence}


def make_draft(export: Path, meting: int, questionnaire: str, codebook: Codebook,
               decisions: list[dict[str, str]] | None = None) -> Draft:
    dictionary = read_dictionary(export)
    dictionary.check_provenance(meting, questionnaire)
    reference = build_reference(codebook, meting, questionnaire)
    decided, decided_codes = _decisions(decisions or [])
    matches = match_variables(dictionary.variables, reference, decided, decided_codes)
    return Draft(dictionary, meting, questionnaire, reference, matches)


def _decisions(rows: list[dict[str, str]]) -> tuple[dict[str, str], dict[tuple[str, int], int]]:
    decided, decided_codes = {}, {}
    for row in rows:
        decision = (row.get("decision") or "").strip()
        if not decision:
            continue
        code = (row.get("source_code") or "").strip()
        if not code:
            decided[row["source_variable"]] = decision
        elif whole(code) and whole(decision):  # anything else stays open (apply says why)
            decided_codes[(row["source_variable"], int(code))] = int(decision)
    return decided, decided_codes


def whole(text: str) -> bool:
    try:
        int(text.strip())
    except ValueError:
        return False
    return True


def write_review(draft: Draft, folder: Path, decisions: list[dict[str, str]] | None = None) -> Path:
    """The review folder. Decisions already taken (a draft made again with them) are kept in
    decisions.csv, followed by whatever they still leave open, such as the codes of a variable
    whose question was just decided."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in draft.rows().items():
        _write_csv(folder / f"{name}.csv", SEED_COLUMNS[name], rows)
    taken = [row for row in decisions or [] if (row.get("decision") or "").strip()]
    answered = {(row["source_variable"], (row.get("source_code") or "").strip()) for row in taken}
    still_open = [item for item in draft.open_items() if (item["source_variable"], item["source_code"]) not in answered]
    _write_csv(folder / DECISIONS, DECISION_COLUMNS, [{c: row.get(c, "") for c in DECISION_COLUMNS} for row in taken]
               + still_open)
    summary = draft.summary()
    (folder / "review.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (folder / "review.md").write_text(markdown(summary), encoding="utf-8")
    return folder


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def read_decisions(folder: Path) -> list[dict[str, str]]:
    path = folder / DECISIONS
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def markdown(summary: dict) -> str:
    lines = [f"# Codebook draft: meting {summary['meting']}, {summary['questionnaire']}", "",
             f"Export `{summary['export']}` (sha256 {summary['sha256'][:12]}), {summary['variables']} variables, "
             f"against the codebook in `{summary['codebook']}`; previous meting of this questionnaire: "
             f"{summary['previous_meting']}.", "",
             f"- matched: {len(summary['matched'])} (of which re-worded: {len(summary['reworded'])})",
             f"- reversed or renumbered scales: {len(summary['scales'])}",
             f"- new in this wave: {len(summary['new'])}",
             f"- no longer asked: {len(summary['no_longer_asked'])}",
             f"- to decide before apply: {len(summary['unresolved'])} (`decisions.csv`)", "",
             "Decide in `decisions.csv`, column `decision`: for a variable the question_id it asks (a question "
             "new to the study needs its rows in questions.csv, and answer_sets.csv if no set fits, first); for "
             "a code the harmonised code its label means. A row added for any other variable overrules its "
             "match. Then `inburgering codebook draft --apply <this folder>` appends the rows to the seeds; it "
             "refuses while a decision is missing.", ""]
    lines += _section("To decide", ("source_variable", "source_code", "issue", "export_label", "proposal",
                                    "candidates", "evidence"), summary["unresolved"])
    lines += _section("Re-worded questions", ("source_variable", "variable_label", "question_id", "confidence",
                                              "evidence"), summary["reworded"])
    columns = ("source_variable", "question_id", "scale", "codes")
    previous = summary["previous_meting"]
    lines += _section(f"Coded differently from meting {previous}: reversed or renumbered scales", columns,
                      [s for s in summary["scales"] if s["changed_since_previous_meting"]])
    lines += _section(f"Coded differently from the harmonised codes, as in meting {previous}", columns,
                      [s for s in summary["scales"] if not s["changed_since_previous_meting"]])
    lines += _section("New in this wave", ("source_variable", "variable_label", "evidence"), summary["new"])
    lines += _section("No longer asked (unless one of the variables to decide is the question)",
                      ("question_id", "question_text_nl", "unless"), summary["no_longer_asked"])
    lines += _section("Matched", ("source_variable", "question_id", "how", "confidence", "evidence"),
                      summary["matched"])
    return "\n".join(lines) + "\n"


def _section(title: str, columns: tuple[str, ...], rows: list[dict]) -> list[str]:
    lines = [f"## {title} ({len(rows)})", ""]
    if not rows:
        return lines + ["None.", ""]
    lines += ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for row in rows:
        cells = [str(row.get(c, "")).replace("|", "\\|").replace("\n", " ") for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]

