-- One row per respondent per meting: the harmonised codes of the background questions
-- side by side (a pivot of int_answers), before the covariates are derived in fct_respondent.

{#- the questions put side by side and the composite scales: seeds respondent_variables and
    questions (composite), read by macros/derived_variables.sql -#}
{%- set variables = respondent_variables() %}
{#- how each kind of variable is read from its answers, and its column's name -#}
{%- set pivots = {
    'code': "case when answer_status = 'valid' then harmonised_code end",
    'text': 'value_text',
    'integer': 'try_cast(value_text as integer)',
} %}
{%- set suffixes = {'code': '_code', 'text': '_text', 'integer': ''} %}
{%- set scales = composite_scales() %}

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
        {%- for scale in scales %}
            max(case when composite = '{{ scale }}' and valid_items = items then mean_score end) as {{ scale }}_score,
        {%- endfor %}
        respondent_key
    from composite_items
    group by respondent_key
),

pivoted as (
    select
        {%- for question, value_kind in variables %}
            max(case when question_id = '{{ question }}' then {{ pivots[value_kind] }} end)
                as {{ question ~ suffixes[value_kind] }},
        {%- endfor %}
        respondent_key,
        any_value(respondent_token) as respondent_token,
        any_value(meting) as meting,
        any_value(questionnaire) as questionnaire
    from answers
    group by respondent_key
)

select
    pivoted.respondent_key,
    pivoted.respondent_token,
    pivoted.meting,
    pivoted.questionnaire,
    {%- for question, value_kind in variables %}
        pivoted.{{ question ~ suffixes[value_kind] }},
    {%- endfor %}
    -- the scale scores, one column per scale of questions.composite (all but the join key)
    composites.* exclude (respondent_key)  -- noqa: RF02
from pivoted
left join composites
    on pivoted.respondent_key = composites.respondent_key
