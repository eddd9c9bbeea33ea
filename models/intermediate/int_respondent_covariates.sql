-- Respondent covariates: one row per respondent per meting, codes turned into the labels and
-- derived variables (group, age band, cohort, scales) that fct_respondent publishes with weights.
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
        case residence_permit_type_code when 1 then 'asiel' when 2 then 'gezin' end as permit_migrant_type
    from respondents
)

select
    respondent_key,
    meting,
    questionnaire,
    wet,
    -- Wi2021: the questionnaire sent (DUO's administration); Wi2013: the permit the respondent
    -- states, 'Wi2013-onbekend' when not stated (report footnote 4)
    case
        when wet = 'Wi2021' then questionnaire
        else 'Wi2013-' || coalesce(permit_migrant_type, 'onbekend')
    end as group_label,
    case when wet = 'Wi2021' then questionnaire_migrant_type else permit_migrant_type end as migrant_type,
    case questionnaire_language_code
        when 1 then 'nl' when 2 then 'en' when 3 then 'ar' when 4 then 'tr' when 5 then 'ti'
    end as questionnaire_language,
    case recruitment_route_code when 1 then 'DUO' when 2 then 'gemeenteroute' end as recruitment_route,
    municipality_text as municipality,
    try_cast(start_time_text as timestamp) as started_at,
    try_cast(end_time_text as timestamp) as finished_at,
    gender_code,
    case gender_code when 1 then 'man' when 2 then 'vrouw' when 3 then 'anders' end as gender,
    age,
    case
        when age between 18 and 21 then '18-21'
        when age between 22 and 30 then '22-30'
        when age between 31 and 45 then '31-45'
        when age between 46 and 76 then '46-76'
    end as age_band,
    education_level_code,
    case when education_level_code between 1 and 9 then education_level_code end as education_score,
    dutch_level_self_rated_code,
    6 - dutch_level_self_rated_code as dutch_level_score,
    health_self_rated_code,
    6 - health_self_rated_code as health_score,
    benefit_code,
    living_situation_code,
    case
        when wet = 'Wi2021' then
            case leerroute_code when 1 then 'B1' when 2 then 'O' when 3 then 'Z' end
    end as leerroute,
    pip_received_date,
    case
        when wet <> 'Wi2021' or pip_received_date is null then null
        when pip_received_date < date '2024-01-01' then 1
        else 2
    end as cohort,
    brede_intake_listened_code as brede_intake,
    case
        when coalesce(work_status_code, greatest(work_since_permit_2023_code, work_current_2023_code)) is null
            then null
        when 2 in (work_status_code, work_since_permit_2023_code, work_current_2023_code) then 'betaald'
        when 3 in (work_status_code, work_since_permit_2023_code, work_current_2023_code) then 'vrijwilligers'
        else 'geen'
    end as work_experience,
    started_course_code = 1 as started_course,
    residence_permit_type_code as permit_answer_code,
    coalesce(
        (questionnaire = 'Wi2021-asiel' and residence_permit_type_code = 2)
        or (questionnaire = 'Wi2021-gezin' and residence_permit_type_code = 1),
        false
    ) as permit_mismatch,
    maatschappelijk_doel_score,
    beleidsdoelen_score,
    course_quality_score
from derived
