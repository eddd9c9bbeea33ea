"""Analysis assets downstream of the marts; results land in the `analysis` schema."""

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, multi_asset

from orchestration.analysis import skeleton_model
from orchestration.resources import WarehouseResource
from orchestration.warehouse import connect, replace_table

ANALYSIS_SCHEMA = "analysis"
FCT_RESPONDENT = AssetKey(["marts", "fct_respondent"])


@multi_asset(
    specs=[
        AssetSpec(
            key=AssetKey([ANALYSIS_SCHEMA, "regression_coefficients"]),
            deps=[FCT_RESPONDENT],
            group_name=ANALYSIS_SCHEMA,
            description="OLS coefficients per meting and group (estimate, SE, t, p, stars).",
        ),
        AssetSpec(
            key=AssetKey([ANALYSIS_SCHEMA, "regression_models"]),
            deps=[FCT_RESPONDENT],
            group_name=ANALYSIS_SCHEMA,
            description="Model fit per meting and group: N, R2, adjusted R2, F and its p-value.",
        ),
    ],
    name="regressions",
)
def regressions(context: AssetExecutionContext, warehouse: WarehouseResource):
    with connect(warehouse.db) as con:
        frame = skeleton_model.model_frame(con)
        coefficients, models = skeleton_model.fit_per_meting(frame)
        replace_table(con, ANALYSIS_SCHEMA, "regression_coefficients", coefficients)
        replace_table(con, ANALYSIS_SCHEMA, "regression_models", models)
    yield MaterializeResult(
        asset_key=AssetKey([ANALYSIS_SCHEMA, "regression_coefficients"]),
        metadata={"rows": len(coefficients)},
    )
    yield MaterializeResult(
        asset_key=AssetKey([ANALYSIS_SCHEMA, "regression_models"]),
        metadata={"rows": len(models), "n": int(models["n"].sum())},
    )
