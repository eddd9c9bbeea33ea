"""What a refresh has to rebuild in dbt: everything, what reads the exports, what depends on a changed
definition, or nothing.

After every successful refresh build the warehouse records what the project was built from, in
`refresh.dbt_inputs` (one row per input, a fingerprint each) and dbt's manifest of that build:

- exports: the current version (sha256) of every raw table in raw.load_registry, and the raw
  tables present; a new, replaced or removed export rebuilds what reads the exports (the dbt
  selector `reads_the_exports` in selectors.yml): every model downstream of a raw table, with its
  data tests. The seeds, the models built from seeds only, their tests and dbt's unit tests are
  kept: the exports cannot change them. With anything else changed as well, everything;
- pseudonym_key: the keyed hash of a fixed text (it tells keys apart and reveals none); another
  key rebuilds everything, so no table ever holds keys of two keys;
- python: the project modules the dbt Python models import; dbt does not see them change;
- dbt: the dbt-core version;
- project: the dbt project's files (orchestration.dbt_runner.DBT_PARTS: models, macros, seeds,
  tests, dbt_project.yml, profiles.yml, selectors.yml).
  When only these changed, dbt itself says which nodes differ from the recorded manifest:
  `dbt build --select state:modified+` rebuilds those and everything downstream of them.

No refresh runs dbt's unit tests (orchestration.dbt_runner.WITHOUT_UNIT_TESTS): they test the
project's SQL, which `make test` does. With every fingerprint equal and every model's relation in
place there is nothing to do, and dbt is not started. The record is written only after a build
that succeeded, in the warehouse itself: a failed build leaves the last good record, so the next
refresh tries the same work again, and a warehouse file replaced by another carries its own
record, or none (a full build).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import duckdb

from orchestration.config import PROJECT_DIR
from orchestration.dbt_runner import DBT_PARTS, WITHOUT_UNIT_TESTS
from orchestration.privacy.pseudonym_key import key

SCHEMA = "refresh"
INPUTS = f"{SCHEMA}.dbt_inputs"
# the recorded manifest and the id of the last build that ran any model
MANIFEST_ROW, BUILD_ROW = "manifest", "build"
# inputs whose change rebuilds everything; "project" is compared by dbt, node by node, and
# "exports" alone rebuilds what reads them
WHOLE_BUILD_INPUTS = ("exports", "pseudonym_key", "python", "dbt")
EXPORTS_SELECTOR = "reads_the_exports"
_IMPORT = re.compile(r"^\s*(?:from|import)\s+(orchestration(?:\.\w+)+)", re.MULTILINE)


@dataclass(frozen=True)
class Plan:
    """`kind` is everything, exports, modified or nothing; `reason` says why, for the run's log."""

    kind: str
    reason: str
    inputs: dict[str, str] = field(default_factory=dict)
    manifest: str | None = None  # the recorded manifest, for --state

    def dbt_args(self, state_dir: Path) -> list[str]:
        if self.kind == "modified":
            return ["--select", "state:modified+", "--state", str(state_dir), *WITHOUT_UNIT_TESTS]
        if self.kind == "exports":
            return ["--selector", EXPORTS_SELECTOR]  # the selector leaves the unit tests out itself
        if self.kind == "everything":
            return list(WITHOUT_UNIT_TESTS)
        return []  # nothing: dbt is not started


def _digest(*chunks: bytes) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(len(chunk).to_bytes(8, "big"))
        digest.update(chunk)
    return digest.hexdigest()


def files_digest(root: Path, paths: list[Path]) -> str:
    chunks = []
    for path in sorted(paths):
        chunks += [path.relative_to(root).as_posix().encode(), path.read_bytes()]
    return _digest(*chunks)


def project_fingerprint(project_dir: Path = PROJECT_DIR) -> str:
    files = []
    for part in DBT_PARTS:
        path = project_dir / part
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return files_digest(project_dir, files)


def python_modules(project_dir: Path = PROJECT_DIR) -> list[Path]:
    """The project modules the dbt Python models import, and the modules those import."""
    package_root = PROJECT_DIR  # the orchestration package, also for a copy of the dbt project
    pending = list((project_dir / "models").rglob("*.py"))
    found: set[Path] = set()
    while pending:
        text = pending.pop().read_text(encoding="utf-8")
        for name in _IMPORT.findall(text):
            parts = name.split(".")
            for end in range(len(parts), 1, -1):  # `from orchestration.a.b import c`: a/b.py or a/b/__init__.py
                candidates = [package_root.joinpath(*parts[:end]).with_suffix(".py"),
                              package_root.joinpath(*parts[:end], "__init__.py")]
                module = next((c for c in candidates if c.exists()), None)
                if module is not None:
                    if module not in found:
                        found.add(module)
                        pending.append(module)
                    break
    return sorted(found)


def key_fingerprint() -> str:
    return hmac.new(key().encode("utf-8"), b"pseudonym key fingerprint", hashlib.sha256).hexdigest()


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                       [schema, table]).fetchall()[0][0] > 0


def exports_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """The raw tables present and the current version of each export in the landing registry."""
    tables = con.execute("select table_name from information_schema.tables where table_schema = 'raw' "
                         "order by table_name").fetchall()
    versions = []
    if _table_exists(con, "raw", "load_registry"):
        versions = con.execute("select export_table, sha256, load_id from raw.load_registry "
                               "where status = 'current' order by export_table").fetchall()
    return _digest(json.dumps([tables, versions], default=str).encode())


def current_inputs(con: duckdb.DuckDBPyConnection, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    return {
        "exports": exports_fingerprint(con),
        "pseudonym_key": key_fingerprint(),
        "python": files_digest(PROJECT_DIR, python_modules(project_dir)),
        "dbt": version("dbt-core"),
        "project": project_fingerprint(project_dir),
    }


def recorded(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if not _table_exists(con, SCHEMA, "dbt_inputs"):
        return {}
    return dict(con.execute(f"select input, fingerprint from {INPUTS}").fetchall())


def last_build(con: duckdb.DuckDBPyConnection) -> str | None:
    """The id of the last build that ran any model: changes whenever a dbt table may have."""
    return recorded(con).get(BUILD_ROW)


def _missing_relations(con: duckdb.DuckDBPyConnection, manifest: dict) -> list[str]:
    present = {(s, t) for s, t in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall()}
    return sorted(f"{node['schema']}.{node['alias']}" for node in manifest["nodes"].values()
                  if node["resource_type"] in ("model", "seed") and node["config"].get("enabled", True)
                  and node["config"].get("materialized") != "ephemeral"
                  and (node["schema"], node["alias"]) not in present)


def plan(con: duckdb.DuckDBPyConnection, project_dir: Path = PROJECT_DIR) -> Plan:
    inputs = current_inputs(con, project_dir)
    before = recorded(con)
    if not before.get(MANIFEST_ROW):
        return Plan("everything", "no record of an earlier complete build", inputs)
    changed = [name for name in WHOLE_BUILD_INPUTS if before.get(name) != inputs[name]]
    project_changed = before.get("project") != inputs["project"]
    exports_only = changed == ["exports"] and not project_changed
    if changed and not exports_only:
        also = ["project"] if project_changed else []
        return Plan("everything", f"changed since the last build: {', '.join(changed + also)}", inputs)
    manifest = before[MANIFEST_ROW]
    missing = _missing_relations(con, json.loads(manifest))
    if missing:
        return Plan("everything", f"missing from the warehouse: {', '.join(missing[:5])}", inputs)
    if exports_only:
        return Plan("exports", "the exports changed: what reads them (the seeds, the models built from seeds only "
                    "and the unit tests kept)", inputs)
    if project_changed:
        return Plan("modified", "the dbt project changed: its modified nodes and what depends on them",
                    inputs, manifest)
    return Plan("nothing", "nothing changed since the last build", inputs)


def write_state(plan_: Plan, state_dir: Path) -> Path:
    """The recorded manifest where `dbt --state` reads it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "manifest.json").write_text(plan_.manifest or "", encoding="utf-8")
    return state_dir


def record(con: duckdb.DuckDBPyConnection, inputs: dict[str, str], manifest_path: Path, models_ran: bool) -> None:
    """After a successful build: what it was built from, in one transaction."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    build = uuid.uuid4().hex if models_ran else (recorded(con).get(BUILD_ROW) or uuid.uuid4().hex)
    rows = [*inputs.items(), (MANIFEST_ROW, manifest_path.read_text(encoding="utf-8")), (BUILD_ROW, build)]
    con.execute("begin transaction")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(f"create table if not exists {INPUTS} (input varchar primary key, fingerprint varchar not null, "
                    "recorded_at timestamp not null)")
        con.execute(f"delete from {INPUTS}")
        con.executemany(f"insert into {INPUTS} values (?, ?, ?)", [(name, value, now) for name, value in rows])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
