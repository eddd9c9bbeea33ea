"""Which pages need drawing again: a page is redrawn only when what it is drawn from changed.

A page's fingerprint covers everything its bytes depend on: the marts' rows and labels it is
built from (report.Source, read before disclosure control, so an unchanged page costs no
suppression), its language and parameters, and the code of this package (which writes the
figures' SVG itself) and of the disclosure control. The manifest beside the pages
(`.pages.json`) keeps, per page, that fingerprint and the sha256 of every file written for it
(the page and its CSVs); a page is left as it is only when both still match, so a page edited
or deleted by hand is drawn again.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

MANIFEST = ".pages.json"
_PACKAGE = Path(__file__).parent


@lru_cache(maxsize=1)
def code_version() -> str:
    """This package's code and the disclosure control it applies: each can change a page's bytes."""
    digest = hashlib.sha256()
    for path in [*sorted(_PACKAGE.glob("*.py")), _PACKAGE.parent / "privacy" / "disclosure.py"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _frame(digest, frame: pd.DataFrame) -> None:
    digest.update(json.dumps([[str(name), str(dtype)] for name, dtype in frame.dtypes.items()]).encode())
    digest.update(str(len(frame)).encode())
    if len(frame):
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())


def fingerprint(*parts: pd.DataFrame | str | int | float | bool) -> str:
    """sha256 over the code version and the parts, in order (frames by column, type and value)."""
    digest = hashlib.sha256(code_version().encode())
    for part in parts:
        digest.update(b"\x00")
        if isinstance(part, pd.DataFrame):
            _frame(digest, part)
        else:
            digest.update(repr(part).encode())
    return digest.hexdigest()


def file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def read_manifest(directory: Path) -> dict:
    """Per page file: {'fingerprint', 'files': {relative path: sha256}, 'tables', 'figures'}; an
    unreadable manifest counts as empty (every page is drawn)."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def unchanged(directory: Path, entry: dict | None, value: str) -> bool:
    """Whether the page of `entry` was drawn from inputs with this fingerprint and every file
    written for it is still there as written."""
    if not entry or entry.get("fingerprint") != value:
        return False
    files = entry.get("files") or {}
    return bool(files) and all(file_sha256(directory / name) == sha for name, sha in files.items())


def write_manifest(directory: Path, manifest: dict) -> None:
    """The manifest, written (whole, then renamed over the old one) only when it changed."""
    text = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    if file_sha256(directory / MANIFEST) == fingerprint_text(text):
        return
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{MANIFEST}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, directory / MANIFEST)


def fingerprint_text(text: str) -> str:
    """The sha256 of a text as written (UTF-8), to compare with file_sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
