"""The staging YAML follows from the codebook: out of step means someone edited one side."""

from __future__ import annotations

from orchestration import dbt_docs
from orchestration.codebook import Codebook


def test_generated_dbt_yaml_matches_the_seeds():
    codebook = Codebook.load()
    for path, document in ((dbt_docs.STAGING / "_raw__sources.yml", dbt_docs.sources_yaml(codebook)),
                           (dbt_docs.STAGING / "_staging__models.yml", dbt_docs.staging_yaml(codebook))):
        assert path.read_text(encoding="utf-8") == dbt_docs.render(document), (
            f"{path.name} is out of date: run `inburgering dbt-docs`")

