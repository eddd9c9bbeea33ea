"""Every package the product imports is declared in pyproject.toml, so a fresh install that
pip resolves differently cannot lose one that came along by chance."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    return {re.split(r"[\[<>=~!; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
            for requirement in requirements}


def _imported(folder: Path) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    local = {path.stem for path in (ROOT / "tests").rglob("*.py")} | {path.name for path in (ROOT / "tests").iterdir()}
    return names - set(sys.stdlib_module_names) - local - {"orchestration", "tests", "__future__"}


def test_every_imported_package_is_declared():
    distributions = packages_distributions()
    undeclared = {}
    for module in sorted(_imported(ROOT / "orchestration") | _imported(ROOT / "tests") | _imported(ROOT / "models")):
        candidates = {name.lower().replace("_", "-") for name in distributions.get(module, [module])}
        if not candidates & _declared():
            undeclared[module] = sorted(candidates)
    assert undeclared == {}
