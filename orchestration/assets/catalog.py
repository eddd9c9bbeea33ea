"""What the Dagster UI shows about every asset, in one place: owners, kinds and tags by layer.

Owners, kinds and tags are applied to every asset of the code location (definitions.py), the
dbt assets through their translator (assets/dbt.py), so no asset module repeats them.
"""

from __future__ import annotations

from collections.abc import Iterable

from dagster import AssetsDefinition, AssetSpec, map_asset_specs

# Who answers for the warehouse: its data engineers (a Dagster owner is an e-mail or team:<name>).
OWNERS = ["team:inburgering-data"]

# Kinds by the first part of an asset key (its layer); Dagster shows at most three per asset.
KINDS = {
    "raw": {"python", "duckdb", "spss"},
    "analysis": {"python", "duckdb", "statsmodels"},
    "outputs": {"python", "html"},
    "published": {"python", "duckdb"},
}
DBT_KINDS = {"dbt", "duckdb"}


def tags_for(layer: str) -> dict[str, str]:
    """Tags to filter the asset list by: the layer and the product."""
    return {"layer": layer, "product": "perspectief_inburgeraars"}


def _with_catalog(spec: AssetSpec) -> AssetSpec:
    layer = spec.key.path[0]
    return spec.replace_attributes(owners=list(spec.owners) or OWNERS).merge_attributes(
        kinds=set() if spec.kinds else KINDS.get(layer, {"python"}),
        tags={key: value for key, value in tags_for(layer).items() if key not in spec.tags})


def with_catalog(assets: Iterable[AssetsDefinition]) -> list[AssetsDefinition]:
    """`assets` with owners, kinds and layer tags wherever their own definition has none."""
    return list(map_asset_specs(_with_catalog, list(assets)))
