"""Analysis assets downstream of the dbt marts; results land in the `analysis` schema and, as
pages, under Settings.outputs_dir.

| asset (multi_asset)  | tables                                                             | keyed by          |
| -------------------- | ------------------------------------------------------------------ | ----------------- |
| regressions          | regression_coefficients, regression_models                         | meting            |
| scale_reliability    | scale_reliability, scale_items, scale_item_correlations            | meting            |
| meting_comparison    | comparison_frequencies, comparison_chi_square                      | meting (vs prev.) |
| report_reproduction  | report_reproduction, report_reproduction_cells                     | the report meting |

Not Dagster partitions: the dbt assets upstream are unpartitioned and the refresh job, the
schedule and `inburgering build` run the whole graph without a partition key. Every table
carries `meting` instead, and each asset recomputes only the metingen whose input changed
(orchestration.analysis.incremental): a new wave adds its own work, the earlier ones are kept.
When no dbt build ran a model since an asset last computed, and neither the code nor the
published reference changed, the asset reads nothing and reports its tables as they are.
Asset checks (below) read the stored tables, so a failing reproduction is visible in the UI.
"""

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset_check,
    multi_asset,
)

from orchestration.analysis import comparison as comparison_module
from orchestration.analysis import incremental, render
from orchestration.analysis.frame import asked, metingen_present, model_frame, term_columns
from orchestration.analysis.regression import fit_report_models
from orchestration.analysis.reliability import scale_reliability as reliability_tables
from orchestration.analysis.reproduction import (
    MAX_SE,
    MIN_SHARE_WITHIN,
    REPORT_METING,
    WITHIN_SE,
    coefficients_pass,
    reproduction,
    tables_pass,
    verdict,
)
from orchestration.analysis.specs import scales
from orchestration.config import Settings
from orchestration.privacy.publishing import publishable_chi_square, publishable_comparison
from orchestration.resources import WarehouseResource
from orchestration.warehouse import connect

ANALYSIS_SCHEMA = "analysis"


def _published_comparison(con) -> dict[str, pd.DataFrame]:
    """The comparison tables as they may leave the warehouse (privacy/publishing.py): disclosure
    control runs once, for the CSV files and the pages alike."""
    frequencies = publishable_comparison(con.execute(f"select * from {ANALYSIS_SCHEMA}.comparison_frequencies").df())
    tests = con.execute(f"select * from {ANALYSIS_SCHEMA}.comparison_chi_square").df()
    return {"comparison_frequencies": frequencies,
            "comparison_chi_square": publishable_chi_square(tests, frequencies)}


# tables whose counts leave the warehouse only after disclosure control (privacy/publishing.py)
PUBLISH_SUPPRESSED = frozenset({"comparison_frequencies", "comparison_chi_square"})
FCT_RESPONDENT = AssetKey(["marts", "fct_respondent"])
FCT_ANSWER = AssetKey(["marts", "fct_answer"])
MART_ROUTE_COHORT = AssetKey(["marts", "mart_route_cohort"])
MART_METING_COMPARISON = AssetKey(["marts", "mart_meting_comparison"])
DIM_QUESTION = AssetKey(["marts", "dim_question"])
DIM_ANSWER_OPTION = AssetKey(["marts", "dim_answer_option"])


def key(table: str) -> AssetKey:
    return AssetKey([ANALYSIS_SCHEMA, table])


def spec(table: str, description: str, deps: list) -> AssetSpec:
    return AssetSpec(key=key(table), deps=deps, group_name=ANALYSIS_SCHEMA, description=description)


def _results(rows: dict[str, int], work: incremental.Plan, extra: dict | None = None):
    for table, count in rows.items():
        yield MaterializeResult(asset_key=key(table), metadata={"rows": count, "recomputed": bool(work.compute),
                                                                **work.metadata(), **(extra or {})})


def _outputs_dir():
    return Settings.from_env().outputs_dir


def _gate(warehouse: WarehouseResource, asset: str, tables: list[str],
          pages: str) -> tuple[str | None, list[MaterializeResult] | None]:
    """(the asset's inputs version, its results as they stand when its tables, CSV files and
    pages are up to date with that version, else None: compute)."""
    outputs = _outputs_dir()
    with connect(warehouse.db) as con:
        version = incremental.inputs_version(con, outputs)
        written = (outputs / pages).is_dir() and all((outputs / "csv" / f"{t}.csv").exists() for t in tables)
        if not (written and incremental.up_to_date(con, asset, version, tables)):
            return version, None
        return version, [MaterializeResult(asset_key=key(table), metadata={"rows": count, "recomputed": False})
                         for table, count in incremental.table_rows(con, tables).items()]


def _export_csv(con, tables: list[str], published: dict[str, pd.DataFrame] | None = None) -> None:
    """Each table as a CSV file; a table under disclosure control only from its published frame."""
    folder = _outputs_dir() / "csv"
    folder.mkdir(parents=True, exist_ok=True)
    for table in tables:
        target = folder / f"{table}.csv"
        if table in PUBLISH_SUPPRESSED:  # counts leave the warehouse only after disclosure control
            if published is None or table not in published:
                raise ValueError(f"{table}: its counts are published only after disclosure control; "
                                 "pass the published frame")
            published[table].to_csv(target, index=False)
            continue
        quoted = str(target).replace("'", "''")
        con.execute(f"copy (select * from {ANALYSIS_SCHEMA}.{table}) to '{quoted}' (header)")


def _refresh_index() -> None:
    outputs = _outputs_dir()
    pages = sorted(path.relative_to(outputs).as_posix() for path in outputs.rglob("*.html") if path.name != "index.html")
    render.write(outputs / "index.html", render.index_page([(page, page) for page in pages]))


# --- regressions ----------------------------------------------------------------------------

REGRESSION_TABLES = ["regression_coefficients", "regression_models"]


@multi_asset(
    specs=[
        spec("regression_coefficients",
             "The report's 16 regression models (models.yaml) per meting: B, SE, t, p and stars per term, "
             "named as in report_tables.yaml; a term a meting could not estimate (not asked) is a row with "
             "a note and no estimate.", [FCT_RESPONDENT, FCT_ANSWER]),
        spec("regression_models",
             "Fit per meting and model: N (complete cases), R2, adjusted R2, F and its p-value, and which "
             "terms were left out and why.", [FCT_RESPONDENT, FCT_ANSWER]),
    ],
    name="regressions",
)
def regressions(context: AssetExecutionContext, warehouse: WarehouseResource):
    version, kept = _gate(warehouse, "regressions", REGRESSION_TABLES, "regression")
    if kept is not None:
        yield from kept
        return
    with connect(warehouse.db) as con:
        frame = model_frame(con)
        questions = asked(con, sorted(term_columns()))
        fingerprints = {
            int(meting): incremental.fingerprint(part, str(sorted(q for q in questions if q[0] == meting)))
            for meting, part in frame.groupby("meting")
        }
        work = incremental.plan(con, "regressions", fingerprints, REGRESSION_TABLES, inputs_version=version)
        coefficients, models = fit_report_models(frame[frame["meting"].isin(work.compute)], questions)
        rows = incremental.write(con, work, {"regression_coefficients": coefficients, "regression_models": models})
        stored_coefficients = con.execute(f"select * from {ANALYSIS_SCHEMA}.regression_coefficients").df()
        stored_models = con.execute(f"select * from {ANALYSIS_SCHEMA}.regression_models").df()
        _export_csv(con, REGRESSION_TABLES)
    for meting in sorted(stored_models["meting"].unique()):
        path = _outputs_dir() / "regression" / f"regression_{meting}.html"
        if int(meting) in work.compute or not path.exists():
            render.write(path, render.regression_page(stored_coefficients, stored_models, int(meting)))
    _refresh_index()
    not_fitted = models[models["status"] != "fitted"]
    for row in not_fitted.itertuples():
        context.log.warning(f"{row.meting} {row.report_table}: {row.note}")
    yield from _results(rows, work, {"models_fitted": int((stored_models["status"] == "fitted").sum())})


@asset_check(asset=key("regression_models"), name="every_model_fitted",
             description="Every model of models.yaml is fitted for every meting in the warehouse.")
def every_model_fitted(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
    with connect(warehouse.db, read_only=True) as con:
        models = con.execute(f"select * from {ANALYSIS_SCHEMA}.regression_models").df()
        present = metingen_present(con)
    missing = sorted(set(present) - set(models["meting"].astype(int)))
    failed = models[models["status"] != "fitted"]
    omitted = models[models["omitted_terms"].notna()]
    return AssetCheckResult(
        passed=failed.empty and not missing,
        metadata={
            "models": len(models),
            "not_fitted": MetadataValue.md(_markdown(failed, ["meting", "report_table", "note"])) if len(failed) else "none",
            "metingen_missing": ", ".join(map(str, missing)) or "none",
            "fitted_without_a_term": MetadataValue.md(
                _markdown(omitted, ["meting", "report_table", "omitted_terms", "note"])) if len(omitted) else "none",
        },
    )


# --- scale reliability ----------------------------------------------------------------------

RELIABILITY_TABLES = ["scale_reliability", "scale_items", "scale_item_correlations"]
ALPHA_TOLERANCE = 0.05


@multi_asset(
    specs=[
        spec("scale_reliability",
             "Cronbach's alpha per composite scale, meting and group (and Totaal): complete cases, "
             "mean/min/max inter-item correlation, the published alpha beside it.", [FCT_RESPONDENT, FCT_ANSWER]),
        spec("scale_items", "Per scale item: mean, SD, corrected item-total (item-rest) correlation and alpha "
                            "if the item is deleted.", [FCT_RESPONDENT, FCT_ANSWER]),
        spec("scale_item_correlations", "Pearson correlation of every pair of items of a scale.",
             [FCT_RESPONDENT, FCT_ANSWER]),
    ],
    name="scale_reliability",
)
def scale_reliability(context: AssetExecutionContext, warehouse: WarehouseResource):
    version, kept = _gate(warehouse, "scale_reliability", RELIABILITY_TABLES, "csv")
    if kept is not None:
        yield from kept
        return
    with connect(warehouse.db) as con:
        frame = model_frame(con)
        fingerprints = {int(m): incremental.fingerprint(part) for m, part in frame.groupby("meting")}
        work = incremental.plan(con, "scale_reliability", fingerprints, RELIABILITY_TABLES, inputs_version=version)
        summary, items, pairs = reliability_tables(frame[frame["meting"].isin(work.compute)])
        rows = incremental.write(con, work, dict(zip(RELIABILITY_TABLES, (summary, items, pairs))))
        _export_csv(con, RELIABILITY_TABLES)
    yield from _results(rows, work)


@asset_check(asset=key("scale_reliability"), name="alpha_near_published",
             description=f"In the report's meting ({REPORT_METING}), each scale's alpha in the group the printed "
                         f"alpha describes lies within {ALPHA_TOLERANCE} of it (warning only).")
def alpha_near_published(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
    with connect(warehouse.db, read_only=True) as con:
        table = con.execute(
            f"select * from {ANALYSIS_SCHEMA}.scale_reliability where meting = ? and group_label = published_group",
            [REPORT_METING]).df()
    expected = {scale.name for scale in scales() if scale.published_alpha is not None}
    table["difference"] = (table["alpha"] - table["published_alpha"]).abs()
    within = table[table["difference"] <= ALPHA_TOLERANCE]
    return AssetCheckResult(
        passed=set(within["scale"]) == expected,
        severity=AssetCheckSeverity.WARN,
        metadata={"alphas": MetadataValue.md(_markdown(
            table, ["scale", "group_label", "n", "alpha", "published_alpha", "difference"]))},
    )


# --- comparison tables ----------------------------------------------------------------------

COMPARISON_TABLES = ["comparison_frequencies", "comparison_chi_square"]


@multi_asset(
    specs=[
        spec("comparison_frequencies",
             "The report's frequency tables, meting against the previous meting, by total, group, leerroute, "
             "cohort and gender: marts.mart_meting_comparison for the report's questions (percentage base, "
             "single and combined categories, 8-point rule, unweighted and design-based weighted intervals and "
             "tests, emphasis where both hold), with the chi-square p-value of the line beside it.",
             [MART_METING_COMPARISON, MART_ROUTE_COHORT, DIM_QUESTION]),
        spec("comparison_chi_square",
             "Per question x breakdown value: chi-square test of the whole answer distribution, meting "
             "against the previous meting.", [MART_METING_COMPARISON, MART_ROUTE_COHORT, DIM_QUESTION]),
    ],
    name="meting_comparison",
)
def meting_comparison(context: AssetExecutionContext, warehouse: WarehouseResource):
    version, kept = _gate(warehouse, "meting_comparison", COMPARISON_TABLES, "comparison")
    if kept is not None:
        yield from kept
        return
    with connect(warehouse.db) as con:
        pairs = dict(comparison_module.meting_pairs(con))
        reference = con.execute(
            "select question_id, value_type, report_tables, question_text_nl, item_label_nl, question_group "
            "from marts.dim_question order by all").df()
        fingerprints = {}
        for meting, previous in pairs.items():
            compared = con.execute(
                "select * exclude (harmonised_codes), cast(harmonised_codes as varchar) as harmonised_codes "
                "from marts.mart_meting_comparison where meting = ? and list_contains(?, breakdown) order by all",
                [meting, list(comparison_module.BREAKDOWNS)]).df()
            counts = con.execute(
                "select * from marts.mart_route_cohort where list_contains(?, meting) and list_contains(?, breakdown) "
                "and answer_status = 'valid' order by all",
                [[meting, previous], list(comparison_module.BREAKDOWNS)]).df()
            fingerprints[meting] = incremental.fingerprint(compared, counts, reference, str(previous))
        work = incremental.plan(con, "meting_comparison", fingerprints, COMPARISON_TABLES, inputs_version=version)
        frequencies, tests = [], []
        for meting in work.compute:
            f, t = comparison_module.comparison(con, meting, pairs[meting])
            frequencies.append(f)
            tests.append(t)
        frequencies = comparison_module.order(pd.concat(frequencies, ignore_index=True)) if frequencies else \
            comparison_module._typed(pd.DataFrame(columns=comparison_module.FREQUENCY_COLUMNS))
        tests = pd.concat(tests, ignore_index=True) if tests else \
            comparison_module._typed(pd.DataFrame(columns=comparison_module.CHI_SQUARE_COLUMNS))
        rows = incremental.write(con, work, {"comparison_frequencies": frequencies, "comparison_chi_square": tests})
        published = _published_comparison(con)
        _export_csv(con, COMPARISON_TABLES, published)
    missing_pages = [m for m in work.reuse
                     if not (_outputs_dir() / "comparison" / f"{m}_vs_{pairs[m]}" / "group.html").exists()]
    # pages of the metingen computed now or whose pages are gone (disclosure is per meting)
    drawn = {table: frame[frame["meting"].isin(work.compute + missing_pages)] for table, frame in published.items()}
    frequencies = drawn["comparison_frequencies"]
    written = render.comparison_pages(frequencies, drawn["comparison_chi_square"],
                                      _outputs_dir() / "comparison") if len(frequencies) else []
    _refresh_index()
    if not pairs:
        context.log.info("one meting in the warehouse: nothing to compare yet")
    yield from _results(rows, work, {"pages_written": len(written),
                                     "pairs": ", ".join(f"{m} vs {p}" for m, p in pairs.items()) or "none"})


@asset_check(asset=key("comparison_frequencies"), name="agrees_with_mart_meting_comparison",
             additional_deps=[MART_METING_COMPARISON],
             description="Nothing lost or changed in the reading: every comparable cell of marts.mart_meting_comparison "
                         "for the report's questions and breakdowns is a row of comparison_frequencies with the same "
                         "difference (unweighted and weighted) and the same flags, and there are no other rows.")
def agrees_with_mart_meting_comparison(context: AssetCheckExecutionContext,
                                       warehouse: WarehouseResource) -> AssetCheckResult:
    with connect(warehouse.db, read_only=True) as con:
        expected, missing, mismatched, extra = con.execute(
            f"""
            with mart as (
                select m.* from marts.mart_meting_comparison as m
                inner join marts.dim_question as q on m.question_id = q.question_id
                where m.is_comparable and list_contains($breakdowns, m.breakdown)
                  and coalesce(q.report_tables, '') <> ''
                  and (q.value_type <> 'multi_response_option' or m.harmonised_code = 1)
            ),
            analysed as (
                select * from {ANALYSIS_SCHEMA}.comparison_frequencies where difference_points is not null
            ),
            joined as (
                select m.question_id as m_question, a.question_id as a_question,
                       m.difference_points as m_diff, a.difference_points as a_diff,
                       m.difference_points_weighted as m_wdiff, a.difference_points_weighted as a_wdiff,
                       m.meaningful_difference as m_meaningful, a.meaningful_difference as a_meaningful,
                       m.significant_at_95_weighted as m_sig, a.significant_weighted as a_sig,
                       m.emphasised as m_emph, a.emphasised as a_emph
                from mart as m
                full join analysed as a
                    on a.meting = m.meting and a.question_id = m.question_id and a.breakdown = m.breakdown
                    and a.breakdown_value = m.breakdown_value and a.category_kind = m.category_kind
                    and a.category_id = m.category_id
            )
            select count(m_question),
                   count(*) filter (where a_question is null),
                   count(*) filter (where m_question is not null and a_question is not null and (
                       abs(a_diff - m_diff) > 1e-9 or a_meaningful <> m_meaningful or a_emph <> m_emph
                       or (a_wdiff is null) <> (m_wdiff is null) or abs(a_wdiff - m_wdiff) > 1e-9
                       or a_sig is distinct from m_sig)),
                   count(*) filter (where m_question is null)
            from joined
            """, {"breakdowns": list(comparison_module.BREAKDOWNS)}).fetchall()[0]
    return AssetCheckResult(passed=missing == 0 and mismatched == 0 and extra == 0,
                            metadata={"compared": expected, "missing": missing, "mismatched": mismatched,
                                      "extra": extra})


# --- reproduction of the published report ---------------------------------------------------

REPRODUCTION_TABLES = ["report_reproduction", "report_reproduction_cells"]


@multi_asset(
    specs=[
        spec("report_reproduction",
             f"Meting {REPORT_METING} against the published report: per rebuildable frequency table the largest "
             "deviation and whether every cell is within tolerance; per published coefficient whether the "
             "estimate lies within two published standard errors.",
             [MART_ROUTE_COHORT, key("regression_coefficients"), key("regression_models")]),
        spec("report_reproduction_cells", "Every printed percentage the warehouse can rebuild, beside the "
                                          "warehouse's, with its tolerance.", [MART_ROUTE_COHORT]),
    ],
    name="report_reproduction",
)
def report_reproduction(context: AssetExecutionContext, warehouse: WarehouseResource):
    version, kept = _gate(warehouse, "report_reproduction", REPRODUCTION_TABLES, "reproduction")
    if kept is not None:
        yield from kept
        return
    with connect(warehouse.db) as con:
        present = metingen_present(con)
        summary, cells = reproduction(con, REPORT_METING)
        work = incremental.Plan("report_reproduction", {REPORT_METING: "always"},
                                compute=[REPORT_METING] if REPORT_METING in present else [], inputs_version=version)
        rows = incremental.write(con, work, {"report_reproduction": summary, "report_reproduction_cells": cells})
        _export_csv(con, REPRODUCTION_TABLES)
    numbers = verdict(summary)
    extra = {k: v for k, v in numbers.items() if v is not None}
    if REPORT_METING in present:
        path = _outputs_dir() / "reproduction" / f"report_reproduction_{REPORT_METING}.html"
        render.write(path, render.reproduction_page(summary, numbers, REPORT_METING))
        _refresh_index()
        extra["page"] = MetadataValue.path(str(path))
        context.log.info(f"reproduction of the report (meting {REPORT_METING}): {numbers}")
    else:
        context.log.warning(f"meting {REPORT_METING}, the one the report describes, is not in the warehouse: "
                            "nothing to compare with the printed numbers")
    yield from _results(rows, work, extra)


def _reproduction(warehouse: WarehouseResource):
    with connect(warehouse.db, read_only=True) as con:
        return con.execute(f"select * from {ANALYSIS_SCHEMA}.report_reproduction").df()


@asset_check(asset=key("report_reproduction"), name="printed_tables_within_tolerance",
             description="Every frequency table of the report the warehouse can rebuild lies within sampling "
                         "tolerance (3 SE at the printed N + 0.5 point) in every cell.")
def printed_tables_within_tolerance(context: AssetCheckExecutionContext,
                                    warehouse: WarehouseResource) -> AssetCheckResult:
    summary = _reproduction(warehouse)
    numbers = verdict(summary)
    tables_part = summary[summary["check_kind"] == "frequency_table"]
    outside = tables_part[~tables_part["within"].astype(bool)]
    return AssetCheckResult(
        passed=tables_pass(numbers),
        description=None if numbers["tables"] else f"meting {REPORT_METING} has no rebuildable table here",
        metadata={
            "tables": numbers["tables"], "tables_within": numbers["tables_within"], "cells": numbers["cells"],
            "cells_within": numbers["cells_within"],
            "largest_deviation_points": numbers["largest_table_deviation"] or 0.0,
            "outside": MetadataValue.md(_markdown(outside, ["reference_key", "deviation", "note"])) if len(outside)
            else "none",
        },
    )


@asset_check(asset=key("report_reproduction"), name="coefficients_within_two_se",
             description=f"At least {MIN_SHARE_WITHIN:.0%} of the published coefficients are recovered within "
                         f"{WITHIN_SE:g} published standard errors, and none is further than {MAX_SE:g}.")
def coefficients_within_two_se(context: AssetCheckExecutionContext,
                               warehouse: WarehouseResource) -> AssetCheckResult:
    summary = _reproduction(warehouse)
    numbers = verdict(summary)
    coefficients = summary[summary["check_kind"] == "coefficient"]
    outside = coefficients[~coefficients["within"].astype(bool)]
    return AssetCheckResult(
        passed=coefficients_pass(numbers),
        metadata={
            "coefficients": numbers["coefficients"],
            "within_2se": numbers["coefficients_within_2se"],
            "within_3se": numbers["coefficients_within_3se"],
            "share_within_2se": numbers["share_within_2se"] or 0.0,
            "largest_distance_se": numbers["largest_distance_se"] or 0.0,
            "outside_2se": MetadataValue.md(_markdown(
                outside, ["report_table", "item", "printed", "printed_se", "reproduced", "deviation"]))
            if len(outside) else "none",
        },
    )


def _markdown(frame, columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    for row in frame[columns].itertuples(index=False):
        lines.append("| " + " | ".join(
            f"{value:.3f}" if isinstance(value, float) else str(value).replace("|", "/") for value in row) + " |")
    return "\n".join(lines)


analysis_assets = [regressions, scale_reliability, meting_comparison, report_reproduction]
analysis_checks = [every_model_fitted, alpha_near_published, agrees_with_mart_meting_comparison,
                   printed_tables_within_tolerance, coefficients_within_two_se]
