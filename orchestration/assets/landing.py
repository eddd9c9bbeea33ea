"""Landing asset: every raw table the dbt sources declare, filled from the landing folder."""

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from orchestration.landing.loader import RAW_SCHEMA, land_files
from orchestration.landing.reader import read_sav
from orchestration.resources import WarehouseResource, dbt_project


def raw_table_specs() -> list[AssetSpec]:
    """One spec per `raw` source table in the dbt manifest, so dbt's staging models
    depend on the landing asset without a second list to keep in step."""
    import json

    manifest = json.loads(dbt_project.manifest_path.read_text())
    tables = sorted(
        source["name"] for source in manifest["sources"].values() if source["source_name"] == RAW_SCHEMA
    )
    return [
        AssetSpec(
            key=AssetKey([RAW_SCHEMA, table]),
            group_name="landing",
            description=f"Raw export landed into {RAW_SCHEMA}.{table}",
            skippable=True,
        )
        for table in tables
    ]


@multi_asset(specs=raw_table_specs(), can_subset=True, name="land_raw_exports")
def land_raw_exports(context: AssetExecutionContext, warehouse: WarehouseResource):
    wanted = {key.path[-1] for key in context.selected_asset_keys}
    files = sorted(warehouse.landing.glob("*.sav"))
    exports = [export for export in map(read_sav, files) if export.table_name in wanted]
    missing = wanted - {export.table_name for export in exports}
    if missing:
        context.log.warning(f"no export in {warehouse.landing} for: {', '.join(sorted(missing))}")
    for result in land_files(warehouse.db, [export.path for export in exports]):
        yield MaterializeResult(
            asset_key=AssetKey(result.table.split(".")),
            metadata={"rows": result.rows, "source_file": result.file, "sha256": result.sha256},
        )
