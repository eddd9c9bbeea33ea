-- One row per respondent per meting: harmonised covariates (int_respondent_covariates) and the
-- raking weight to DUO's population margins (int_respondent_weights). The grain analysts and the
-- analysis layer start from.
with covariates as (
    select * from {{ ref('int_respondent_covariates') }}
),

weights as (
    select * from {{ ref('int_respondent_weights') }}
)

select
    covariates.*,
    cast(weights.margins_meting as integer) as weight_margins_meting,
    cast(weights.base_weight as double) as base_weight,
    cast(weights.weight as double) as weight,
    cast(coalesce(weights.weight_trimmed, false) as boolean) as weight_trimmed,
    cast(weights.weighting_note as varchar) as weighting_note
from covariates
left join weights
    on covariates.respondent_key = weights.respondent_key
