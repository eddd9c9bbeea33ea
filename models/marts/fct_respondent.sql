-- One row per respondent per meting with harmonised covariates.
with respondents as (
    select * from {{ ref('stg_2024__wi2021_asiel') }}
),

typed as (
    select
        *,
        meting - birth_year as age,
        split_part(questionnaire, '-', 1) as wet,
        split_part(questionnaire, '-', 2) as migrant_type
    from respondents
)

select
    md5(meting::varchar || '|' || respondent_token) as respondent_key,
    respondent_token,
    meting,
    questionnaire as group_label,
    wet,
    migrant_type,
    case questionnaire_language_code
        when 1 then 'nl' when 2 then 'en' when 3 then 'ar' when 4 then 'tr' when 5 then 'ti'
    end as questionnaire_language,
    case gender_code when 1 then 'man' when 2 then 'vrouw' end as gender,
    age,
    case
        when age between 18 and 21 then '18-21'
        when age between 22 and 30 then '22-30'
        when age between 31 and 45 then '31-45'
        when age between 46 and 76 then '46-76'
    end as age_band,
    case leerroute_code when 1 then 'B1' when 2 then 'O' when 3 then 'Z' end as leerroute,
    pip_received_date,
    case
        when pip_received_date < date '2024-01-01' then 1
        when pip_received_date >= date '2024-01-01' then 2
    end as cohort,
    health_code,
    -- reversed so that higher means healthier, the direction the report's models use
    6 - health_code as health_score,
    goal_prepared_for_job_code,
    source_file,
    loaded_at
from typed
