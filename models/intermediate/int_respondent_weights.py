"""Raking weights per meting and group to DUO's population margins (seeds.population_margins),
as a dbt Python model so that fct_respondent can carry them. The rules live in
orchestration/weighting.py (svy's raking, trimming, unknown categories); this file only
hands it the respondents, the margins and the per-meting targets."""

from orchestration.weighting import DIMENSIONS, targets_from_frame, weigh


def model(dbt, session):
    dbt.config(materialized="table")
    respondents = dbt.ref("int_respondent_covariates").project(
        ", ".join(["respondent_key", "meting", "group_label", *DIMENSIONS])
    ).df()
    margins = dbt.ref("population_margins").df()
    targets = targets_from_frame(dbt.ref("weighting_targets").df())
    return weigh(respondents, margins, targets)
