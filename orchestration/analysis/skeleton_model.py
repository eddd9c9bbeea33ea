"""The walking skeleton's model: 'voorbereid op een baan' on background characteristics."""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.analysis.regression import ModelSpec, fit_ols

SPEC = ModelSpec(
    name="goal_prepared_for_job",
    outcome="goal_prepared_for_job_code",
    terms={
        "age": "Leeftijd",
        "female": "Geslacht (vrouw)",
        "health_score": "Gezondheid",
        "leerroute_b1": "Leerroute: B1",
        "leerroute_o": "Leerroute: O",
        "cohort_1": "Cohort 1",
    },
)


def model_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    # Dummies are made in SQL so the reference categories (man, Z-route, cohort 2) are explicit.
    return con.sql(
        """
        select
            meting,
            group_label,
            goal_prepared_for_job_code,
            age,
            case gender when 'vrouw' then 1 when 'man' then 0 end as female,
            health_score,
            case when leerroute is null then null when leerroute = 'B1' then 1 else 0 end as leerroute_b1,
            case when leerroute is null then null when leerroute = 'O' then 1 else 0 end as leerroute_o,
            case cohort when 1 then 1 when 2 then 0 end as cohort_1
        from marts.fct_respondent
        """
    ).df()


def fit_per_meting(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    coefficient_tables, model_rows = [], []
    for (meting, group), part in frame.groupby(["meting", "group_label"], sort=True):
        coefficients, stats = fit_ols(part, SPEC)
        coefficient_tables.append(coefficients.assign(meting=int(meting), group_label=group))
        model_rows.append({**stats, "meting": int(meting), "group_label": group})
    coefficients = pd.concat(coefficient_tables, ignore_index=True)
    leading = ["meting", "group_label", "model"]
    coefficients = coefficients[leading + [c for c in coefficients if c not in leading]]
    return coefficients, pd.DataFrame(model_rows)
