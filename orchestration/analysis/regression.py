"""OLS regressions on the respondent facts, with the report's output shape."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm


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
    columns = [spec.outcome, *spec.terms]
    complete = frame[columns].dropna().astype(float)
    if len(complete) <= len(spec.terms) + 1:
        raise ValueError(f"model {spec.name}: {len(complete)} complete cases for {len(spec.terms)} terms")
    design = sm.add_constant(complete[list(spec.terms)], has_constant="add")
    result = sm.OLS(complete[spec.outcome], design).fit()
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
    }
    return coefficients, stats
