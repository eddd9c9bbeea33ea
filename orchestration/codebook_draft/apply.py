"""Appending a reviewed draft to the codebook seeds.

The draft is made again from the export and the decisions in the review folder, against the
codebook it is applied to, so what enters the seeds is exactly what the review showed plus
what the person decided. Refused, with every reason, while the review holds an undecided item,
when the wave is already in the seeds, when the export changed since the draft, or when a
decision does not resolve what it answers (a question that is not in questions.csv, a code
outside the answer set). The seeds are written only when all of that holds, and all of them
or none.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

from orchestration.codebook import Codebook
from orchestration.codebook_draft.dictionary import read_dictionary
from orchestration.codebook_draft.review import SEED_COLUMNS, make_draft, read_decisions, whole

WAVE_FILES = ("source_variables", "crosswalk", "question_availability")


class DraftRefused(ValueError):
    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def apply_review(folder: Path, codebook_dir: Path) -> dict[str, int]:
    """Append the reviewed rows to the seeds in `codebook_dir`; returns rows added per file."""
    summary = _summary(folder)
    meting, questionnaire, export = int(summary["meting"]), summary["questionnaire"], Path(summary["export"])
    codebook = Codebook.load(codebook_dir)
    reasons = _wave_present(codebook, meting, questionnaire)
    decisions = read_decisions(folder)
    undecided = [row for row in decisions if not (row.get("decision") or "").strip()]
    reasons += [f"{row['source_variable']}{' code ' + row['source_code'] if row['source_code'] else ''}: "
                f"{row['issue']} is not decided (decisions.csv)" for row in undecided]
    reasons += [f"{row['source_variable']} code {row['source_code']}: decision {row['decision']!r} is not a "
                "harmonised code (a whole number)" for row in decisions
                if (row.get("source_code") or "").strip() and (row.get("decision") or "").strip()
                and not whole(row["decision"])]
    if export.exists() and read_dictionary(export).sha256 != summary["sha256"]:
        reasons.append(f"{export} changed since the draft; draft it again")
    elif not export.exists():
        reasons.append(f"the export {export} is gone")
    if reasons:
        raise DraftRefused(reasons)
    draft = make_draft(export, meting, questionnaire, codebook, decisions)
    still_open = draft.open_items()
    if still_open:
        raise DraftRefused([f"{item['source_variable']}{' code ' + item['source_code'] if item['source_code'] else ''}"
                            f": still {item['issue']} after the decisions ({item['evidence']})" for item in still_open])
    rows = draft.rows()
    _write_all(Path(codebook_dir), {name: new_rows for name, new_rows in rows.items() if new_rows})
    (folder / "applied.json").write_text(json.dumps(
        {"codebook": str(codebook_dir), "rows": {k: len(v) for k, v in rows.items()}}, indent=1) + "\n",
        encoding="utf-8")
    return {name: len(new_rows) for name, new_rows in rows.items()}


def _summary(folder: Path) -> dict:
    path = folder / "review.json"
    if not path.exists():
        raise DraftRefused([f"{folder} is not a review folder: it has no review.json"])
    return json.loads(path.read_text(encoding="utf-8"))


def _wave_present(codebook: Codebook, meting: int, questionnaire: str) -> list[str]:
    tables = {"source_variables": codebook.source_variables, "crosswalk": codebook.crosswalk,
              "question_availability": codebook.availability}
    return [f"{name}.csv already has rows for meting {meting} x {questionnaire}; nothing was applied"
            for name, frame in tables.items()
            if ((frame["meting"] == meting) & (frame["questionnaire"] == questionnaire)).any()]


def _write_all(codebook_dir: Path, rows: dict[str, list[dict[str, str]]]) -> None:
    """All seeds change or none: every new file is written beside its seed first, then all are
    moved in; a move that fails puts the seeds already moved back from their backups. A half-
    applied wave would be refused by `_wave_present` ever after."""
    staged: list[tuple[Path, Path]] = []  # (new file, seed)
    try:
        for name, new_rows in rows.items():
            path = codebook_dir / f"{name}.csv"
            staged.append((_stage(path, SEED_COLUMNS[name], new_rows), path))
        _replace_all(staged)
    except OSError as error:
        raise DraftRefused([f"writing the seeds failed ({error}); no seed was changed"]) from error
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


def _replace_all(staged: list[tuple[Path, Path]]) -> None:
    backups: dict[Path, Path] = {}
    moved: list[Path] = []
    try:
        for _, path in staged:
            if path.exists():
                backups[path] = path.with_name(path.name + ".before-apply")
                shutil.copy2(path, backups[path])
        for temporary, path in staged:
            os.replace(temporary, path)
            moved.append(path)
    except OSError as error:
        try:
            _restore(moved, backups)
        except OSError as failed:  # the backups stay: they are the seeds as they were
            raise DraftRefused([f"writing the seeds failed ({error}) and so did putting them back ({failed}); "
                                "the seeds as they were are in " + ", ".join(map(str, backups.values()))]) from failed
        raise
    for backup in backups.values():
        backup.unlink()


def _restore(moved: list[Path], backups: dict[Path, Path]) -> None:
    for path in moved:
        if path in backups:
            os.replace(backups.pop(path), path)
        else:
            path.unlink()
    for backup in backups.values():
        backup.unlink(missing_ok=True)


def _stage(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> Path:
    """The seed with `rows` appended, in the file's own column order, written beside it."""
    if path.exists():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle))
        text = path.read_text(encoding="utf-8")
    else:
        header, text = list(columns), ",".join(columns) + "\n"
    missing = [column for column in columns if column not in header]
    if missing:
        raise DraftRefused([f"{path.name} lacks columns {', '.join(missing)}"])
    if text and not text.endswith("\n"):
        text += "\n"
    temporary = path.with_name(path.name + ".applying")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n", restval="")
        writer.writerows(rows)
    return temporary
