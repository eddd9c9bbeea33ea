"""The analysts' read-only snapshot (orchestration/publish/) as the last asset of the refresh.

It depends on every mart and every analysis table, so the refresh job and `inburgering build`
publish only after all of them materialised; if any of them failed the snapshot step is
skipped and analysts keep reading the previous, complete snapshot.
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
    snapshot = publish(warehouse.db, snapshot_path_for(warehouse.db))
    context.log.info(f"published {len(snapshot.tables)} tables ({snapshot.total_rows} rows, "
                     f"{snapshot.bytes / 1e6:.1f} MB) to {snapshot.path} in {snapshot.seconds:.2f}s")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(snapshot.path)),
        "tables": MetadataValue.json(snapshot.rows),
        "rows": snapshot.total_rows,
        "seconds": MetadataValue.float(round(snapshot.seconds, 3)),
        "bytes": snapshot.bytes,
        "fingerprint": snapshot.fingerprint,
    })
