"""Setting refused exports aside: `<landing>/quarantine/<file>` plus `<file>.reason.txt`.

A file that cannot be landed (damaged, or contradicting the codebook) would otherwise be
retried by every sensor tick and every scheduled refresh. Its companions (CSV labels
sidecar, manifest) go with it so the set can be fixed and dropped back in as a whole.

A file inside the landing folder is moved; a file loaded by hand from elsewhere is copied,
because the warehouse does not remove files from folders it does not own.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Sequence

from orchestration.landing.errors import Problem
from orchestration.landing.export import companions


def quarantine_dir(landing_dir: Path) -> Path:
    return landing_dir / "quarantine"


def quarantine(path: Path, problems: Sequence[Problem], landing_dir: Path, when: datetime,
               advice: str | None = None) -> Path | None:
    """Set `path` (and companions) aside with a reason file; returns where the file went.
    `advice` says what to do with it, instead of "fix the export" ('{file}' in it becomes
    the quarantined file's path)."""
    if not path.exists():
        return None
    target_dir = quarantine_dir(landing_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    inside_landing = path.resolve().parent == landing_dir.resolve()
    # A second bad file of the same name must not overwrite the first one's evidence.
    stamp = "" if not (target_dir / path.name).exists() else when.strftime("%Y%m%dT%H%M%S%f") + "."
    placed = []
    for source in [path, *companions(path)]:
        destination = target_dir / (stamp + source.name)
        (shutil.move if inside_landing else shutil.copy2)(str(source), str(destination))
        placed.append(destination)
    target = placed[0]
    reason = target.with_name(target.name + ".reason.txt")
    advice = advice.replace("{file}", str(target)) if advice else FIX_IT
    reason.write_text(_reason_text(path, problems, when, inside_landing, placed[1:], advice), encoding="utf-8")
    return target


FIX_IT = "Fix the export and drop it into the landing folder again (a corrected file has a new sha256)."


def _reason_text(path: Path, problems: Sequence[Problem], when: datetime, moved: bool,
                 others: list[Path], advice: str) -> str:
    lines = [
        f"file:        {path.resolve()}",
        f"quarantined: {when.isoformat(timespec='seconds')}Z",
        f"action:      {'moved here from the landing folder' if moved else 'copied here; the original was left in place'}",
    ]
    if others:
        lines.append(f"with:        {', '.join(other.name for other in others)}")
    lines += ["", f"{len(problems)} problem(s):"]
    lines += [f"- {problem}" for problem in problems]
    lines += ["", advice]
    return "\n".join(lines) + "\n"
