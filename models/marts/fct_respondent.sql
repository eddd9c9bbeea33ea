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
    covariates.respondent_key,
    covariates.meting,
    covariates.questionnaire,
    covariates.wet,
    covariates.group_label,
    covariates.migrant_type,
    covariates.questionnaire_language,
    covariates.recruitment_route,
    covariates.municipality,
    -- month and duration only: exact times would link the pseudonym to the platform's files
    cast(date_trunc('month', covariates.started_at) as date) as interview_month,
    cast(case
        when covariates.finished_at >= covariates.started_at
            then date_diff('minute', covariates.started_at, covariates.finished_at)
    end as integer) as interview_minutes,
    covariates.gender_code,
    covariates.gender,
    covariates.age,
    covariates.age_band,
    covariates.education_level_code,
    covariates.education_score,
    covariates.dutch_level_self_rated_code,
    covariates.dutch_level_score,
    covariates.health_self_rated_code,
    covariates.health_score,
    covariates.benefit_code,
    covariates.living_situation_code,
    covariates.leerroute,
    covariates.leerroute_code,
    covariates.pip_received_date,
    covariates.cohort,
    covariates.brede_intake,
    covariates.work_experience,
    covariates.work_experience_code,
    covariates.started_course,
    covariates.permit_answer_code,
    covariates.permit_mismatch,
    {%- for scale in composite_scales() %}
        covariates.{{ scale }}_score,
    {%- endfor %}
    cast(weights.margins_meting as integer) as weight_margins_meting,
    cast(weights.base_weight as double) as base_weight,
    cast(weights.weight as double) as weight,
    cast(coalesce(weights.weight_trimmed, false) as boolean) as weight_trimmed,
    cast(weights.weighting_note as varchar) as weighting_note
from covariates
left join weights
    on covariates.respondent_key = weights.respondent_key
