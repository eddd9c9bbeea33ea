"""OLS regressions with the report's output shape: `fit_ols` for any outcome ~ terms, and the
report's own models (report_mapping.yaml, terms coded per models.yaml) fitted per meting with `fit_report_models`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.analysis.specs import ReportModel, complete_cases, design_matrix, report_models, term_definitions


@dataclass(frozen=True)
class ModelSpec:
    name: str
    outcome: str
    # column in the prepared frame -> term label as the report prints it
    terms: dict[str, str]


def stars(p_value: float) -> str:
    """The report's legend: *** p <= .001, ** p <= .01, * p <= .05."""
    if p_value <= 0.001:
        return "***"
    if p_value <= 0.01:
        return "**"
    if p_value <= 0.05:
        return "*"
    return ""


def fit_ols(frame: pd.DataFrame, spec: ModelSpec) -> tuple[pd.DataFrame, dict]:
    """Fit outcome ~ terms on complete cases; return a coefficient table and model stats."""
    # imported on use, so loading the Dagster code location stays fast; the two modules only, not
    # statsmodels.api, which imports every model family (a second more)
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    columns = [spec.outcome, *spec.terms]
    complete = frame[columns].dropna().astype(float)
    if len(complete) <= len(spec.terms) + 1:
        raise ValueError(f"model {spec.name}: {len(complete)} complete cases for {len(spec.terms)} terms")
    design = add_constant(complete[list(spec.terms)], has_constant="add")
    result = OLS(complete[spec.outcome], design).fit()
    labels = {"const": "Constante", **spec.terms}
    coefficients = pd.DataFrame(
        {
            "model": spec.name,
            "term": [labels[name] for name in result.params.index],
            "estimate": result.params.to_numpy(),
            "std_error": result.bse.to_numpy(),
            "t_value": result.tvalues.to_numpy(),
            "p_value": result.pvalues.to_numpy(),
        }
    )
    coefficients["stars"] = coefficients["p_value"].map(stars)
    stats = {
        "model": spec.name,
        "n": int(result.nobs),
        "r_squared": float(result.rsquared),
        "adj_r_squared": float(result.rsquared_adj),
        "f_value": float(result.fvalue) if np.isfinite(result.fvalue) else None,
        "f_p_value": float(result.f_pvalue) if np.isfinite(result.f_pvalue) else None,
        "df_model": float(result.df_model),
        "df_resid": float(result.df_resid),
    }
    return coefficients, stats


# --- the report's models (report_mapping.yaml), fitted per meting -----------------------------

CONSTANT = "Constante"


def _term_question(term: str) -> str:
    return term_definitions()[term]["column"]


def _omission(term: str, values: pd.Series, meting: int, group: str, asked: set[tuple[int, str]] | None) -> str | None:
    """Why a term cannot enter this meting's model (None: it can)."""
    present = values.dropna()
    if present.empty:
        question = _term_question(term)
        if asked is not None and question not in DERIVED and (meting, question) not in asked:
            return f"not asked in {meting}"
        return f"no valid values in {group}, {meting}"
    if present.nunique() < 2:
        return f"no variation in {group}, {meting}"
    return None


# frame columns that are derived, not asked as such (age from birth year, cohort from the PIP
# date, work_status for 2023 from two work questions)
DERIVED = {"age", "cohort", "work_status"}


def fit_report_model(part: pd.DataFrame, model: ReportModel, meting: int,
                     asked: set[tuple[int, str]] | None = None) -> tuple[pd.DataFrame, dict]:
    """One published model on one meting's respondents of its group: outcome = mean of the
    items (complete cases), predictors per models.yaml. A term that cannot be estimated in this
    meting (not asked, no values, no variation) is left out; the output names it and why."""
    x_all = design_matrix(part, model.terms)
    omitted = {}
    for term in model.terms:
        reason = _omission(term, x_all[term], meting, model.group, asked)
        if reason:
            omitted[term] = reason
    kept = tuple(term for term in model.terms if term not in omitted)
    fitted_model = ReportModel(model.report_table, model.outcome, model.group, kept, model.items)
    y, x = complete_cases(part, fitted_model)
    base = {"meting": int(meting), "report_table": model.report_table, "group_label": model.group,
            "outcome": model.outcome}
    note = "; ".join(f"{term} left out: {reason}" for term, reason in omitted.items()) or None
    order = {term: index for index, term in enumerate((CONSTANT, *model.terms))}
    model_row = {**base, "status": "fitted", "n": len(y), "n_terms": len(kept), "r_squared": None,
                 "adj_r_squared": None, "f_value": None, "f_p_value": None, "df_model": None, "df_resid": None,
                 "omitted_terms": ", ".join(omitted) or None, "note": note}
    rows = []
    try:
        coefficients, stats = fit_ols(pd.concat([y.rename("y"), x], axis=1),
                                      ModelSpec(model.report_table, "y", {term: term for term in kept}))
    except ValueError as exc:
        model_row.update(status="not fitted", note="; ".join(filter(None, [str(exc), note])))
        coefficients = pd.DataFrame(columns=["term", "estimate", "std_error", "t_value", "p_value", "stars"])
    else:
        model_row.update({key: stats[key] for key in ("r_squared", "adj_r_squared", "f_value", "f_p_value")},
                         df_model=stats["df_model"], df_resid=stats["df_resid"])
        rows = coefficients.drop(columns="model").to_dict("records")
    rows += [{"term": term, "estimate": None, "std_error": None, "t_value": None, "p_value": None, "stars": None,
              "note": f"{reason}: model fitted without it"} for term, reason in omitted.items()]
    table = pd.DataFrame(rows, columns=["term", "estimate", "std_error", "t_value", "p_value", "stars", "note"])
    table = table.assign(**base, n=model_row["n"] if model_row["status"] == "fitted" else None)
    table["term_order"] = table["term"].map(order)
    table = table.sort_values("term_order", kind="stable")
    return table[COEFFICIENT_COLUMNS], model_row


COEFFICIENT_COLUMNS = ["meting", "report_table", "group_label", "outcome", "term_order", "term", "estimate",
                       "std_error", "t_value", "p_value", "stars", "n", "note"]
MODEL_COLUMNS = ["meting", "report_table", "group_label", "outcome", "status", "n", "n_terms", "r_squared",
                 "adj_r_squared", "f_value", "f_p_value", "df_model", "df_resid", "omitted_terms", "note"]


def fit_report_models(frame: pd.DataFrame, asked: set[tuple[int, str]] | None = None,
                      models: list[ReportModel] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every model of the report mapping for every meting in the frame (group = fct_respondent.group_label)."""
    coefficient_tables, model_rows = [], []
    for meting, wave in frame.groupby("meting", sort=True):
        for model in models or report_models():
            part = wave[wave["group_label"] == model.group]
            coefficients, row = fit_report_model(part, model, int(meting), asked)
            coefficient_tables.append(coefficients)
            model_rows.append(row)
    coefficients = pd.concat([t for t in coefficient_tables if not t.empty], ignore_index=True) \
        if any(not t.empty for t in coefficient_tables) else pd.DataFrame(columns=COEFFICIENT_COLUMNS)
    return _typed_coefficients(coefficients), _typed_models(pd.DataFrame(model_rows, columns=MODEL_COLUMNS))


def _typed_coefficients(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("estimate", "std_error", "t_value", "p_value"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in ("meting", "term_order", "n"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    for column in ("report_table", "group_label", "outcome", "term", "stars", "note"):
        out[column] = out[column].astype("string")
    return out[COEFFICIENT_COLUMNS].reset_index(drop=True)


def _typed_models(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("r_squared", "adj_r_squared", "f_value", "f_p_value", "df_model", "df_resid"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in ("meting", "n", "n_terms"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    for column in ("report_table", "group_label", "outcome", "status", "omitted_terms", "note"):
        out[column] = out[column].astype("string")
    return out[MODEL_COLUMNS].reset_index(drop=True)
