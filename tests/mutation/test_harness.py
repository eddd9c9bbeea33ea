"""The mutation harness itself: a mutation whose text is gone is an error, never a silent pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from .harness import PROJECT, Edit, Mutation, MutationNotApplicable, apply, load_mutations


def test_every_listed_mutation_applies_to_the_project_exactly_once(tmp_path: Path) -> None:
    for mutation in load_mutations():
        for edit in mutation.edits:
            target = tmp_path / mutation.id / edit.file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text((PROJECT / edit.file).read_text(encoding="utf-8"), encoding="utf-8")
        apply(mutation, tmp_path / mutation.id)
        for edit in mutation.edits:
            assert edit.new in (tmp_path / mutation.id / edit.file).read_text(encoding="utf-8")


def test_a_mutation_whose_text_is_missing_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.sql").write_text("select 1\n", encoding="utf-8")
    mutation = Mutation("gone", "text no longer there", (Edit("model.sql", "select 2", "select 3"),), "build")
    with pytest.raises(MutationNotApplicable, match="0 times"):
        apply(mutation, tmp_path)
