"""The publication report as a Dagster asset: pages under Settings.outputs_dir/publication/,
written from the marts on every refresh; a page whose inputs did not change is left as it is
(orchestration/publication/README.md)."""

import time

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.assets.analysis import _outputs_dir, _refresh_index
from orchestration.privacy.disclosure import min_cell_count
from orchestration.publication import Page, write_reports
from orchestration.resources import WarehouseResource
from orchestration.warehouse import connect

PUBLICATION_DIR = "publication"


@asset(
    key=AssetKey(["outputs", "publication_report"]),
    group_name="outputs",
    deps=[AssetKey(["marts", "mart_route_cohort"]), AssetKey(["marts", "mart_meting_comparison"]),
          AssetKey(["marts", "dim_question"]), AssetKey(["marts", "dim_answer_option"])],
    description="The publication report: per meting and for each meting against the previous one an HTML "
                "page (Dutch and English) with stacked-bar figures per group, leerroute and cohort and their "
                "tables (each also as CSV), after disclosure control; one estimate per page, weighted when the "
                "marts have weights; an index of the pages with their titles in both languages.",
)
def publication_report(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    started = time.perf_counter()
    directory = _outputs_dir() / PUBLICATION_DIR

    def written(page: Page) -> None:
        if page.drawn:
            context.log.info(f"{page.path.name}: drawn, {page.tables} tables, {page.charts} figures, "
                             f"{page.bytes / 1e6:.1f} MB, {page.seconds:.1f} s")
        else:
            context.log.info(f"{page.path.name}: skipped, inputs unchanged")

    context.log.info(f"publication report: drawing the pages whose inputs changed, under {directory}")
    # read-only: the pages need no writes, and a reader never blocks another reader
    with connect(warehouse.db, read_only=True) as con:
        pages = write_reports(con, directory, progress=written)
    _refresh_index()
    seconds = time.perf_counter() - started
    drawn = [page for page in pages if page.drawn]
    return MaterializeResult(metadata={
        "pages": MetadataValue.md("\n".join(
            f"- `{page.path}` ({page.tables} tables, {page.charts} figures; "
            + ("drawn" if page.drawn else "skipped: inputs unchanged") + ")" for page in pages) or "none"),
        "page_count": len(pages),
        "pages_drawn": len(drawn),
        "pages_skipped": len(pages) - len(drawn),
        "skipped": MetadataValue.md("\n".join(f"- `{page.path.name}`: skipped, inputs unchanged"
                                              for page in pages if not page.drawn) or "none"),
        "tables": sum(page.tables for page in pages),
        "charts": sum(page.charts for page in pages),
        "csv_files": sum(page.csvs for page in pages),
        "min_cell_count": min_cell_count(),
        "seconds": round(seconds, 1),
        "directory": MetadataValue.path(str(directory)),
    })


publication_assets = [publication_report]
