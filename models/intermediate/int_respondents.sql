-- One row per respondent per meting: the harmonised codes of the background questions
-- side by side (a pivot of int_answers), before the covariates are derived in fct_respondent.

{%- set covariates = [
    'questionnaire_language', 'recruitment_route', 'gender', 'residence_permit_type',
    'education_level', 'dutch_level_self_rated', 'health_self_rated', 'benefit', 'living_situation',
    'leerroute', 'brede_intake_listened', 'work_status', 'work_since_permit_2023', 'work_current_2023',
    'started_course',
] %}
{%- set texts = ['municipality', 'start_time', 'end_time', 'pip_received_date'] %}

with answers as (
    select * from {{ ref('int_answers') }}
),

composite_items as (
    select
        answers.respondent_key,
        questions.composite,
        count(*) as items,
        count(*) filter (where answers.answer_status = 'valid' and answers.harmonised_code between 1 and 5)
            as valid_items,
        avg(answers.harmonised_code) filter (
            where answers.answer_status = 'valid' and answers.harmonised_code between 1 and 5
        ) as mean_score
    from answers
    inner join {{ ref('questions') }} as questions
        on answers.question_id = questions.question_id
    where questions.composite <> ''
    group by answers.respondent_key, questions.composite
),

composites as (
    -- a scale score needs every item answered (complete cases, as the report's models use)
    select
        respondent_key,
        max(case when composite = 'maatschappelijk_doel' and valid_items = items then mean_score end)
            as maatschappelijk_doel_score,
        max(case when composite = 'beleidsdoelen' and valid_items = items then mean_score end)
            as beleidsdoelen_score,
        max(case when composite = 'course_quality' and valid_items = items then mean_score end)
            as course_quality_score
    from composite_items
    group by respondent_key
),

pivoted as (
    select
        respondent_key,
        any_value(respondent_token) as respondent_token,
        any_value(meting) as meting,
        any_value(questionnaire) as questionnaire,
        {%- for question in covariates %}
            max(case when question_id = '{{ question }}' and answer_status = 'valid' then harmonised_code end)
                as {{ question }}_code,
        {%- endfor %}
        {%- for question in texts %}
            max(case when question_id = '{{ question }}' then value_text end) as {{ question }}_text,
        {%- endfor %}
        max(case when question_id = 'birth_year' then try_cast(value_text as integer) end) as birth_year
    from answers
    group by respondent_key
)

select
    pivoted.*,
    composites.maatschappelijk_doel_score,
    composites.beleidsdoelen_score,
    composites.course_quality_score
from pivoted
left join composites
    on pivoted.respondent_key = composites.respondent_key
