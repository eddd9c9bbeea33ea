"""The analysis layer end to end: the session's whole build (tests/conftest.py: synthetic
exports of both metingen landed, dbt, then every analysis asset and asset check materialised by
Dagster with the real resources, in the real `inburgering build`), then a second run of the
analyses on a copy of its warehouse. No mocks."""

import shutil
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, materialize

pytestmark = pytest.mark.integration

ANALYSIS_TABLES = [
    "regression_coefficients", "regression_models", "scale_reliability", "scale_items", "scale_item_correlations",
    "comparison_frequencies", "comparison_chi_square", "report_reproduction", "report_reproduction_cells",
]


@pytest.fixture(scope="module")
def analysed(full_build, tmp_path_factory):
    assert full_build["returncode"] == 0, full_build["output"][-5000:]
    root = tmp_path_factory.mktemp("analysis")
    outputs = root / "warehouse" / "outputs"
    database = root / "warehouse" / "inburgering.duckdb"
    database.parent.mkdir(parents=True)
    shutil.copy2(full_build["duckdb"], database)
    shutil.copytree(full_build["outputs"], outputs)

    patch = pytest.MonkeyPatch()
    patch.setenv("INBURGERING_DUCKDB_PATH", str(database))
    patch.setenv("INBURGERING_LANDING_DIR", str(root / "warehouse" / "landing"))
    patch.setenv("INBURGERING_OUTPUTS_DIR", str(outputs))
    from orchestration.assets.analysis import analysis_assets, analysis_checks
    from orchestration.resources import default_resources

    second = materialize([*analysis_assets, *analysis_checks], resources=default_resources(),
                         instance=DagsterInstance.ephemeral())
    # the session build's evaluations of the analysis checks
    first = {check["name"]: check for check in full_build["checks"] if check["asset"].startswith("analysis/")}
    yield {"database": database, "outputs": outputs, "first": first, "second": second,
           "materialised": set(full_build["materialised"])}
    patch.undo()


def _query(database: Path, sql: str):
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).df()


def test_every_analysis_table_is_materialised(analysed):
    assert {f"analysis/{table}" for table in ANALYSIS_TABLES} <= analysed["materialised"]
    tables = set(_query(analysed["database"],
                        "select table_name from information_schema.tables where table_schema = 'analysis'")
                 ["table_name"])
    assert set(ANALYSIS_TABLES) <= tables


def test_sixteen_models_per_meting_with_the_report_terms(analysed):
    from orchestration.reference import tables

    models = _query(analysed["database"], "select * from analysis.regression_models")
    assert sorted(models["meting"].unique()) == [2023, 2024]
    assert models.groupby("meting").size().tolist() == [16, 16]
    assert (models["status"] == "fitted").all()
    assert (models["n"] > models["n_terms"] + 1).all()
    assert models["adj_r_squared"].notna().all() and models["f_p_value"].notna().all()
    # health was not asked in 2023: that wave's models go without it, and say so
    assert models.loc[models["meting"] == 2023, "omitted_terms"].str.contains("Gezondheid").all()
    assert models.loc[models["meting"] == 2023, "note"].str.contains("Gezondheid left out: not asked in 2023").all()
    assert models.loc[models["meting"] == 2024, "omitted_terms"].isna().all()

    coefficients = _query(analysed["database"], "select * from analysis.regression_coefficients")
    assert {"meting", "report_table", "term", "estimate", "std_error", "t_value", "p_value", "stars"} <= set(
        coefficients.columns)
    reference = tables()
    for (meting, report_table), part in coefficients.groupby(["meting", "report_table"]):
        printed = [t["term"] for t in reference[f"T{report_table}"].raw["terms"]]
        assert part.sort_values("term_order")["term"].tolist() == printed
    health_2023 = coefficients[(coefficients["meting"] == 2023) & (coefficients["term"] == "Gezondheid")]
    assert health_2023["estimate"].isna().all() and health_2023["note"].str.contains("not asked in 2023").all()


def test_scale_reliability_per_group_and_meting(analysed):
    scales = _query(analysed["database"], "select * from analysis.scale_reliability")
    assert set(scales["scale"]) == {"maatschappelijk_doel", "beleidsdoelen", "course_quality"}
    assert {"Totaal", "Wi2021-asiel", "Wi2021-gezin", "Wi2013-asiel", "Wi2013-gezin"} <= set(scales["group_label"])
    base = scales[(scales["meting"] == 2024) & (scales["group_label"] == scales["published_group"])]
    assert len(base) == 3 and (base["alpha"] > 0.6).all()
    items = _query(analysed["database"], "select * from analysis.scale_items")
    assert items["item_rest_r"].between(-1, 1).all()


def test_comparison_tables_with_the_eight_point_rule_and_tests(analysed):
    frequencies = _query(analysed["database"], "select * from analysis.comparison_frequencies")
    assert set(frequencies["breakdown"]) == {"total", "group", "leerroute", "cohort", "gender"}
    assert (frequencies["meting"] == 2024).all() and (frequencies["previous_meting"] == 2023).all()
    comparable = frequencies[frequencies["difference_points"].notna()]
    assert (comparable["meaningful_difference"] == (comparable["difference_points"].abs() >= 8)).all()
    excludes_zero = (comparable["ci95_lower_points"] > 0) | (comparable["ci95_upper_points"] < 0)
    assert (comparable["significant"] == excludes_zero).all()
    assert (comparable["emphasised"] == (comparable["meaningful_difference"] & comparable["significant"])).all()
    # combined categories ("(zeer) eens") are compared beside the single answers
    assert set(frequencies["category_kind"]) == {"single", "combined"}
    # weighted beside unweighted: every comparable cell has both, and weighting moves some
    assert comparable["difference_points_weighted"].notna().all()
    assert (comparable["difference_points_weighted"] - comparable["difference_points"]).abs().max() > 0.5
    chi = _query(analysed["database"], "select * from analysis.comparison_chi_square where p_value is not null")
    assert len(chi) > 100 and chi["p_value"].between(0, 1).all()
    folder = analysed["outputs"] / "comparison" / "2024_vs_2023"
    for breakdown in ("total", "group", "leerroute", "cohort", "gender"):
        assert (folder / f"{breakdown}.html").stat().st_size > 10_000
        assert (folder / f"{breakdown}.csv").exists()
    assert "gewogen" in (folder / "group.html").read_text(encoding="utf-8")


def test_reproduction_is_stored_and_checked(analysed):
    summary = _query(analysed["database"], "select * from analysis.report_reproduction")
    tables_part = summary[summary["check_kind"] == "frequency_table"]
    coefficients = summary[summary["check_kind"] == "coefficient"]
    assert len(tables_part) >= 50 and len(coefficients) == 176
    assert tables_part["deviation"].notna().all()

    checks = analysed["first"]
    assert set(checks) == {"every_model_fitted", "alpha_near_published", "agrees_with_mart_meting_comparison",
                           "printed_tables_within_tolerance", "coefficients_within_two_se"}
    assert checks["every_model_fitted"]["passed"]
    assert checks["agrees_with_mart_meting_comparison"]["passed"]
    assert checks["printed_tables_within_tolerance"]["passed"], checks["printed_tables_within_tolerance"]["metadata"]
    within = int(coefficients["within"].sum())
    assert checks["coefficients_within_two_se"]["metadata"]["within_2se"] == within
    assert checks["coefficients_within_two_se"]["passed"] == (
        within / 176 >= 0.95 and coefficients["deviation"].max() <= 3)
    page = analysed["outputs"] / "reproduction" / "report_reproduction_2024.html"
    assert "176" in page.read_text(encoding="utf-8")
    assert (analysed["outputs"] / "index.html").exists()


def test_a_second_run_reuses_every_meting(analysed):
    result = analysed["second"]
    assert result.success
    metadata = {event.asset_key.path[-1]: event.materialization.metadata
                for event in result.get_asset_materialization_events()}
    assert metadata["regression_coefficients"]["metingen_computed"].value == "none"
    assert metadata["regression_coefficients"]["metingen_reused"].value == "2023, 2024"
    assert metadata["comparison_frequencies"]["metingen_reused"].value == "2024"
    first = {name: check["passed"] for name, check in analysed["first"].items()}
    second = {c.check_name: c.passed for c in result.get_asset_check_evaluations()}
    assert first == second


def test_published_comparison_csv_holds_no_small_cells(analysed):
    import pandas as pd

    published = pd.read_csv(analysed["outputs"] / "csv" / "comparison_frequencies.csv")
    for side in ("respondents_current", "respondents_previous"):
        shown = pd.to_numeric(published[side], errors="coerce")
        assert not shown.between(1, 9).any(), side
    assert published["suppressed_current"].eq("primary").any()  # the rule did have something to do
    for side in ("base_n_current", "base_n_previous"):  # a subgroup below the minimum is not published
        assert not pd.to_numeric(published[side], errors="coerce").between(1, 9).any(), side


def test_published_chi_square_csv_hides_lines_with_hidden_cells(analysed):
    import pandas as pd

    frequencies = pd.read_csv(analysed["outputs"] / "csv" / "comparison_frequencies.csv")
    chi = pd.read_csv(analysed["outputs"] / "csv" / "comparison_chi_square.csv")
    keys = ["meting", "previous_meting", "question_id", "breakdown", "breakdown_value"]
    hidden = frequencies[frequencies["suppressed_current"].notna() | frequencies["suppressed_previous"].notna()]
    joined = chi.merge(hidden[keys].drop_duplicates(), on=keys)
    assert len(joined) > 0 and joined["chi_square"].isna().all() and joined["max_abs_difference_points"].isna().all()
    assert chi["chi_square"].notna().any()  # lines without hidden cells keep their test
    for side in ("valid_n_current", "valid_n_previous"):
        assert not pd.to_numeric(chi[side], errors="coerce").between(1, 9).any(), side
