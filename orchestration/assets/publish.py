"""The analysts' read-only snapshot (orchestration/publish/) as the last asset of the refresh.

It depends on every mart and every analysis table, so the refresh job and `inburgering build`
publish only after all of them materialised; if any of them failed the snapshot step is
skipped and analysts keep reading the previous, complete snapshot. A snapshot in which a
combination of quasi-identifiers counts fewer than k respondent-waves is refused, so the asset
fails (and the build with it) while analysts keep the previous one. A refresh that changed
nothing the snapshot is made from keeps the published file (publish/snapshot.py).
"""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.assets.analysis import analysis_assets
from orchestration.assets.dbt import warehouse_dbt_models
from orchestration.config import snapshot_path_for
from orchestration.publish.snapshot import publish
from orchestration.resources import WarehouseResource

PUBLISHED_SNAPSHOT = AssetKey(["published", "snapshot"])


def snapshot_upstream() -> list[AssetKey]:
    """Every dbt model in the marts schema and every analysis table: what the snapshot copies."""
    marts = [key for key in warehouse_dbt_models.keys if key.path[0] == "marts"]
    analysis = [key for definition in analysis_assets for key in definition.keys]
    return sorted(marts + analysis, key=lambda key: key.to_user_string())


@asset(
    key=PUBLISHED_SNAPSHOT,
    deps=snapshot_upstream(),
    group_name="published",
    description="Read-only copy of the marts and analysis schemas for analysts, swapped in atomically "
                "(INBURGERING_SNAPSHOT_PATH, default warehouse/published/inburgering.duckdb); "
                "open it with duckdb.connect(path, read_only=True).",
)
def published_snapshot(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    # a refresh that changed nothing the snapshot holds leaves the published file as it is
    snapshot = publish(warehouse.db, snapshot_path_for(warehouse.db), unless_unchanged=True)
    privacy = snapshot.privacy
    if snapshot.reused:
        context.log.info(f"nothing new since the snapshot of {snapshot.built_at:%Y-%m-%d %H:%M:%S} UTC: "
                         f"{snapshot.path} stays as it is ({len(snapshot.tables)} tables, {snapshot.total_rows} rows)")
        return MaterializeResult(metadata={"path": MetadataValue.path(str(snapshot.path)), "republished": False,
                                           "rows": snapshot.total_rows, "fingerprint": snapshot.fingerprint,
                                           "seconds": MetadataValue.float(round(snapshot.seconds, 3))})
    context.log.info(f"published {len(snapshot.tables)} tables ({snapshot.total_rows} rows, "
                     f"{snapshot.bytes / 1e6:.1f} MB) to {snapshot.path} in {snapshot.seconds:.2f}s")
    context.log.info(f"privacy: {privacy.summary()}")
    if privacy.unmapped_municipalities:
        context.log.warning(f"{privacy.unmapped_municipalities} respondent-waves live in a municipality missing from "
                            "seeds/privacy/municipality_regions.csv: their region is suppressed; add it to the seed")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(snapshot.path)),
        "republished": True,
        "tables": MetadataValue.json(snapshot.rows),
        "rows": snapshot.total_rows,
        "seconds": MetadataValue.float(round(snapshot.seconds, 3)),
        "bytes": snapshot.bytes,
        "fingerprint": snapshot.fingerprint,
        "privacy_k_required": privacy.k_required,
        "privacy_k_reached": privacy.k_reached if privacy.k_reached is not None else 0,
        "privacy_values_coarsened": MetadataValue.json(privacy.coarsened),
        "privacy_values_suppressed": MetadataValue.json(privacy.suppressed),
        "privacy_records_with_suppression": privacy.records_with_suppression,
        "privacy_unmapped_municipalities": privacy.unmapped_municipalities,
        "privacy_excluded_tables": MetadataValue.json(privacy.excluded_tables),
        "privacy_aggregate_rows_left_out": MetadataValue.json(privacy.small_cells),
    })
