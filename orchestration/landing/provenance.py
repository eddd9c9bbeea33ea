"""Which meting and questionnaire an export holds.

They come from the export's own metadata (SPSS document notes, or the CSV labels sidecar)
and/or from an optional manifest beside the file, `<file>.manifest.json`:
    {"meting": 2024, "questionnaire": "Wi2021-asiel"}
The file name is never used. When two sources both give a field they must agree; a field no
source gives is an error. Whether the pair is one the study knows is the validator's job
(against the codebook), not this module's.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Mapping

from orchestration.landing.errors import ExportError, Problem

FIELDS = ("meting", "questionnaire")
# The questionnaire becomes part of a table name: only letters, digits, '-' and '_'.
_QUESTIONNAIRE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


def read_manifest(path: Path) -> dict[str, object] | None:
    """The manifest beside `path`, or None when there is none."""
    manifest = manifest_path(path)
    if not manifest.exists():
        return None
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExportError([Problem(path.name, f"manifest {manifest.name} is not valid UTF-8 JSON ({exc})",
                                   expected='{"meting": 2024, "questionnaire": "Wi2021-asiel"}')]) from exc
    if not isinstance(content, dict):
        raise ExportError([Problem(path.name, f"manifest {manifest.name} is not a JSON object",
                                   expected='{"meting": 2024, "questionnaire": "Wi2021-asiel"}')])
    return content


def resolve(path: Path, sources: Mapping[str, Mapping[str, object]]) -> tuple[int, str]:
    """Merge provenance from named sources ({"document notes": {...}, "x.manifest.json": {...}}).

    Every disagreement and every missing field is reported, not just the first.
    """
    problems: list[Problem] = []
    resolved: dict[str, str] = {}
    for name in FIELDS:
        given = {source: str(fields[name]).strip() for source, fields in sources.items()
                 if fields.get(name) not in (None, "")}
        if not given:
            problems.append(Problem(
                path.name, f"the file does not say which {name} it holds",
                expected=f"'{name}=…' in the SPSS document notes, the CSV labels sidecar, "
                         f"or {manifest_path(path).name}"))
        elif len(set(given.values())) > 1:
            says = ", ".join(f"{value!r} in {source}" for source, value in given.items())
            problems.append(Problem(path.name, f"conflicting {name}: {says}", expected="sources that agree"))
        else:
            resolved[name] = next(iter(given.values()))
    if "meting" in resolved and not re.fullmatch(r"(19|20)\d\d", resolved["meting"]):
        problems.append(Problem(path.name, f"meting {resolved['meting']!r} is not a year", expected="e.g. 2024"))
    if "questionnaire" in resolved and not _QUESTIONNAIRE_PATTERN.fullmatch(resolved["questionnaire"]):
        problems.append(Problem(path.name, f"questionnaire {resolved['questionnaire']!r} is not a questionnaire name",
                                expected="letters, digits, '-' and '_', e.g. Wi2021-asiel"))
    if problems:
        raise ExportError(problems)
    return int(resolved["meting"]), resolved["questionnaire"]


def from_notes(notes: list[str], keys: tuple[str, ...] = FIELDS) -> dict[str, str]:
    """`key=value` lines of SPSS document notes (other lines are free text and ignored)."""
    fields = {}
    for line in notes:
        key, sep, value = line.partition("=")
        if sep and key.strip() in keys:
            fields[key.strip()] = value.strip()
    return fields


def from_file_label(label: str) -> dict[str, str]:
    """Older exports only carry a file label like 'Perspectief inburgeraars 2024 Wi2021-asiel'.
    Used only when the notes say nothing, and still checked against the codebook."""
    match = re.search(r"\b((?:19|20)\d\d)\s+(Wi20\d\d-[A-Za-z]+)\b", label or "")
    return {"meting": match.group(1), "questionnaire": match.group(2)} if match else {}


def is_synthetic(*sources: Mapping[str, object] | None) -> bool:
    """True when the export's metadata or manifest says `synthetic=true`."""
    return any(str((source or {}).get("synthetic", "")).strip().lower() == "true" for source in sources)
