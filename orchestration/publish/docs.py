"""dbt's documentation site for analysts: every model and column with its description, the
lineage graph, and the catalog (types, row counts) read from a warehouse file."""

from __future__ import annotations

from pathlib import Path

from orchestration.config import PROJECT_DIR
from orchestration.dbt_runner import dbt_command, run_dbt

SITE_FILES = ("index.html", "manifest.json", "catalog.json")
# Not target/ itself: that manifest is the one Dagster loads, and its partial-parse cache
# speeds up every other dbt command.
DOCS_DIR = PROJECT_DIR / "target" / "docs"


class DocsFailed(RuntimeError):
    """dbt docs generate exited non-zero; the message holds the end of its output."""


def generate(database: Path, target_path: Path = DOCS_DIR) -> Path:
    """Write the site (index.html, manifest.json, catalog.json) to `target_path`; the catalog
    describes the tables as they are in `database`. Returns index.html."""
    if not database.is_file():
        raise DocsFailed(f"{database}: no warehouse file; build it first (the catalog is read from it)")
    # parse writes manifest.json; generate --no-compile then adds catalog.json and index.html.
    # No compile: the site shows model source, not compiled SQL, which keeps it small and free of
    # anything environment-specific (the pseudonym key itself is never in SQL: privacy/README.md).
    for command, *options in (("parse",), ("docs generate", "--no-compile")):
        result = run_dbt(command, database, target_path, PROJECT_DIR, *options, "--quiet")
        if result.returncode != 0:
            raise DocsFailed(f"dbt {' '.join([command, *options])} against {database} into {target_path} failed "
                             f"(exit {result.returncode}):\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    # dbt's partial-parse cache stores the environment variables it rendered; the server would
    # hand it to anyone who asks, and the site does not need it.
    (target_path / "partial_parse.msgpack").unlink(missing_ok=True)
    missing = [name for name in SITE_FILES if not (target_path / name).is_file()]
    if missing:
        raise DocsFailed(f"dbt docs generate against {database} left {target_path} without {missing}")
    return target_path / "index.html"


def serve_command(target_path: Path, port: int, host: str = "127.0.0.1") -> list[str]:
    """`dbt docs serve` on the generated site; it only serves files, the warehouse stays closed."""
    return dbt_command("docs serve", target_path, PROJECT_DIR, "--quiet", "--port", str(port), "--host", host,
                       "--no-browser")
