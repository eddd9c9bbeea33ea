-- For every question, meting and breakdown: count and percentage per answer. Percentages are
-- over valid answers (pct_valid), as the report computes them; pct_answered also counts
-- "weet ik niet" and refusals in the denominator, for the tables that print them.
-- pct_valid_weighted is the same percentage with the raking weights (fct_respondent.weight),
-- NULL where a respondent in the subgroup has no weight (a meting without population margins).
{{ config(materialized='table') }}

{%- set breakdowns = {
    'total': "'Totaal'",
    'group': 'group_label',
    'leerroute': 'leerroute',
    'cohort': "cast(cohort as varchar)",
    'gender': 'gender',
    'age_band': 'age_band',
    'leerroute_x_cohort': "leerroute || ' | ' || cast(cohort as varchar)",
    'group_x_gender': "group_label || ' | ' || gender",
    'group_x_leerroute': "group_label || ' | ' || leerroute",
    'group_x_cohort': "group_label || ' | ' || cast(cohort as varchar)",
} %}

with answers as (
    select
        fct_answer.meting,
        fct_answer.question_id,
        fct_answer.harmonised_code,
        fct_answer.answer_status,
        fct_respondent.group_label,
        fct_respondent.leerroute,
        fct_respondent.cohort,
        fct_respondent.gender,
        fct_respondent.age_band,
        fct_respondent.weight
    from {{ ref('fct_answer') }} as fct_answer
    inner join {{ ref('fct_respondent') }} as fct_respondent
        on fct_answer.respondent_key = fct_respondent.respondent_key
    where fct_answer.answer_status in ('valid', 'dont_know', 'no_answer')
),

broken_down as (
    {%- for name, expression in breakdowns.items() %}
        select
            meting,
            question_id,
            '{{ name }}' as breakdown,
            {{ expression }} as breakdown_value,
            harmonised_code,
            answer_status,
            weight
        from answers
        where {{ expression }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

counted as (
    select
        meting,
        question_id,
        breakdown,
        breakdown_value,
        harmonised_code,
        any_value(answer_status) as answer_status,
        count(*) as respondents,
        -- NULL unless every respondent in the cell has a weight
        case when count(weight) = count(*) then sum(weight) end as weighted_respondents
    from broken_down
    group by meting, question_id, breakdown, breakdown_value, harmonised_code
)

select
    meting,
    question_id,
    breakdown,
    breakdown_value,
    harmonised_code,
    answer_status,
    respondents,
    cast(sum(respondents) filter (where answer_status = 'valid')
        over (partition by meting, question_id, breakdown, breakdown_value)
    as bigint) as valid_n,
    cast(sum(respondents) over (partition by meting, question_id, breakdown, breakdown_value) as bigint)
        as answered_n,
    case
        when answer_status = 'valid' then
            100.0 * respondents
            / sum(respondents) filter (where answer_status = 'valid')
                over (partition by meting, question_id, breakdown, breakdown_value)
    end as pct_valid,
    100.0 * respondents
    / sum(respondents) over (partition by meting, question_id, breakdown, breakdown_value) as pct_answered,
    weighted_respondents,
    case
        when
            answer_status = 'valid'
            and count(*) filter (where answer_status = 'valid' and weighted_respondents is null) over (
                partition by meting, question_id, breakdown, breakdown_value
            ) = 0
            then
                100.0 * weighted_respondents
                / sum(weighted_respondents) filter (where answer_status = 'valid')
                    over (partition by meting, question_id, breakdown, breakdown_value)
    end as pct_valid_weighted
from counted
