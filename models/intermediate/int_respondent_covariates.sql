-- Respondent covariates: one row per respondent per meting, codes turned into the labels and
-- derived variables (group, age band, cohort, scales) that fct_respondent publishes with weights.
-- Every rule is a seed row (seeds/derived): the short keys of codes, the age bands, the cohorts,
-- how each wet forms its groups, the scores and the variables several questions feed.
{%- set work = combined_answers('work_experience') %}
{%- set scales = composite_scales() %}

with respondents as (
    select * from {{ ref('int_respondents') }}
),

derived as (
    select
        *,
        split_part(questionnaire, '-', 1) as wet,
        split_part(questionnaire, '-', 2) as questionnaire_migrant_type,
        meting - birth_year as age,
        try_cast(pip_received_date_text as date) as pip_received_date,
        {{ value_key('residence_permit', 'residence_permit_type_code') }} as permit_migrant_type
    from respondents
),

work_answers as (
    -- one variable that several questions feed (a wave may split one question into two):
    -- the answer that ranks first (seed value_keys precedence) of those given
    select
        answered.respondent_key,
        arg_min(value_keys.value_key, value_keys.precedence) as work_experience,
        arg_min(value_keys.code, value_keys.precedence) as work_experience_code
    from (
        select
            respondent_key,
            unnest([
                {%- for question in work.questions %}
                    {{ question }}_code{{ "," if not loop.last }}
                {%- endfor %}
            ]) as code
        from respondents
    ) as answered
    inner join {{ ref('value_keys') }} as value_keys
        on answered.code = value_keys.code and value_keys.answer_set_id = '{{ work.answer_set_id }}'
    group by answered.respondent_key
),

laws as (
    select * from {{ ref('laws') }}
),

age_bands as (
    select * from {{ ref('age_bands') }}
),

cohorts as (
    select * from {{ ref('cohorts') }}
),

covariates as (
    select
        derived.respondent_key,
        derived.meting,
        derived.questionnaire,
        derived.wet,
        -- seed laws: the group a wet's respondents are counted in (Wi2021 the questionnaire sent, DUO's
        -- administration; Wi2013 the permit the respondent states, report footnote 4)
        case laws.group_by
            when 'questionnaire' then derived.questionnaire
            when 'stated_permit'
                then derived.wet || '-' || coalesce(derived.permit_migrant_type, laws.group_not_stated)
        end as group_label,
        case laws.group_by
            when 'questionnaire' then derived.questionnaire_migrant_type
            when 'stated_permit' then derived.permit_migrant_type
        end as migrant_type,
        {{ value_key('questionnaire_language', 'derived.questionnaire_language_code') }} as questionnaire_language,
        {{ value_key('recruitment_route', 'derived.recruitment_route_code') }} as recruitment_route,
        derived.municipality_text as municipality,
        try_cast(derived.start_time_text as timestamp) as started_at,
        try_cast(derived.end_time_text as timestamp) as finished_at,
        derived.gender_code,
        {{ value_key('gender', 'derived.gender_code') }} as gender,
        derived.age,
        age_bands.age_band,
        derived.education_level_code,
        {{ score('education_score', 'derived.education_level_code') }} as education_score,
        derived.dutch_level_self_rated_code,
        {{ score('dutch_level_score', 'derived.dutch_level_self_rated_code') }} as dutch_level_score,
        derived.health_self_rated_code,
        {{ score('health_score', 'derived.health_self_rated_code') }} as health_score,
        derived.benefit_code,
        derived.living_situation_code,
        case when laws.has_leerroute then {{ value_key('leerroute', 'derived.leerroute_code') }} end as leerroute,
        case when laws.has_leerroute then derived.leerroute_code end as leerroute_code,
        derived.pip_received_date,
        cohorts.cohort,
        derived.brede_intake_listened_code as brede_intake,
        work_answers.work_experience,
        work_answers.work_experience_code,
        derived.started_course_code = 1 as started_course,
        derived.residence_permit_type_code as permit_answer_code,
        -- a stated permit that contradicts the questionnaire sent (groups by questionnaire only)
        coalesce(
            laws.group_by = 'questionnaire' and derived.permit_migrant_type <> derived.questionnaire_migrant_type,
            false
        ) as permit_mismatch
    from derived
    left join laws
        on derived.wet = laws.wet
    left join age_bands
        on derived.age between age_bands.min_age and age_bands.max_age
    left join cohorts
        on
            derived.wet = cohorts.wet
            and derived.pip_received_date >= coalesce(cohorts.pip_received_from, date '-infinity')
            and derived.pip_received_date < coalesce(cohorts.pip_received_before, date 'infinity')
    left join work_answers
        on derived.respondent_key = work_answers.respondent_key
),

scale_scores as (
    select
        {%- for scale in scales %}
            {{ scale }}_score,
        {%- endfor %}
        respondent_key
    from respondents
)

select
    covariates.*,
    -- sqlfluff reads the excluded column as a reference
    scale_scores.* exclude (respondent_key)  -- noqa: RF02
from covariates
inner join scale_scores
    on covariates.respondent_key = scale_scores.respondent_key
