"""The generator and the analysis layer check each other only if neither reads the other's
code: every import of every module, walked with ast."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
GENERATOR = ROOT / "orchestration" / "synthetic"
ANALYSIS = ROOT / "orchestration" / "analysis"


def imported_modules(source: str, package: str) -> list[str]:
    """Every module a file of `package` imports, at any depth (functions too), relative
    imports resolved."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return names


def forbidden_imports(directory: Path, prefixes: tuple[str, ...]) -> list[str]:
    return [f"{path.relative_to(ROOT)}: {name}" for path in sorted(directory.rglob("*.py"))
            for name in imported_modules(path.read_text(encoding="utf-8"), _package(path))
            if name.startswith(prefixes)]


def _package(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).parts[:-1])


def test_the_generator_imports_nothing_of_the_analysis_layer_or_the_dbt_models():
    assert forbidden_imports(GENERATOR, ("orchestration.analysis", "orchestration.assets", "models",
                                         "orchestration.dbt_runner")) == []


def test_the_analysis_layer_imports_nothing_of_the_generator():
    assert forbidden_imports(ANALYSIS, ("orchestration.synthetic",)) == []


@pytest.mark.parametrize("source, expected", [
    ("from orchestration.analysis.specs import design_matrix\n", "orchestration.analysis.specs.design_matrix"),
    ("def f():\n    import orchestration.analysis.reproduction\n", "orchestration.analysis.reproduction"),
    ("from ..analysis import specs\n", "orchestration.analysis.specs"),
])
def test_the_walk_sees_every_form_of_import(source, expected):
    """A check that could not fail proves nothing: each form of import is seen."""
    assert expected in imported_modules(source, "orchestration.synthetic")


def test_both_folders_hold_modules_to_walk():
    assert len(list(GENERATOR.rglob("*.py"))) >= 10 and len(list(ANALYSIS.rglob("*.py"))) >= 8
