-- For every question, meting and breakdown: count and percentage per answer. pct_valid is over
-- valid answers; pct_answered also counts "weet ik niet" and refusals; pct_of_base is over the
-- answers the question's percentage_base counts (seeds questions.csv), as the report prints
-- that question. The *_weighted percentages use the raking weights (fct_respondent.weight),
-- NULL where a respondent in the subgroup has no weight (a meting without population margins).
--
-- The dimensions of a breakdown are columns of their own (group_label, leerroute, cohort,
-- gender, age_band; NULL where not part of the breakdown); breakdown_value is their display
-- label. An unknown value is the subgroup 'onbekend', never dropped. Leerroute and cohort exist
-- only where the law has them (seeds laws and cohorts: the Wi2021), so Wi2013 respondents are
-- outside the breakdowns that use them.
{{ config(materialized='table') }}

{%- set unknown = "'onbekend'" %}
{%- set dimensions = {
    'group_label': 'group_label',
    'leerroute': "case when has_leerroute then coalesce(leerroute, " ~ unknown ~ ") end",
    'cohort': "case when has_cohort then coalesce(cast(cohort as varchar), " ~ unknown ~ ") end",
    'gender': 'coalesce(gender, ' ~ unknown ~ ')',
    'age_band': 'coalesce(age_band, ' ~ unknown ~ ')',
} %}
{%- set breakdowns = {
    'total': [],
    'group': ['group_label'],
    'leerroute': ['leerroute'],
    'cohort': ['cohort'],
    'gender': ['gender'],
    'age_band': ['age_band'],
    'leerroute_x_cohort': ['leerroute', 'cohort'],
    'group_x_gender': ['group_label', 'gender'],
    'group_x_leerroute': ['group_label', 'leerroute'],
    'group_x_cohort': ['group_label', 'cohort'],
} %}
{%- set base_statuses = {
    'valid': "['valid']",
    'valid_and_dont_know': "['valid', 'dont_know']",
    'answered': "['valid', 'dont_know', 'no_answer']",
} %}

with joined as (
    select
        fct_answer.meting,
        fct_answer.question_id,
        fct_answer.harmonised_code,
        fct_answer.answer_status,
        fct_respondent.weight,
        coalesce(laws.has_leerroute, false) as has_leerroute,
        fct_respondent.wet in (select cohorts.wet from {{ ref('cohorts') }} as cohorts) as has_cohort,
        fct_respondent.group_label,
        fct_respondent.leerroute,
        fct_respondent.cohort,
        fct_respondent.gender,
        fct_respondent.age_band
    from {{ ref('fct_answer') }} as fct_answer
    inner join {{ ref('fct_respondent') }} as fct_respondent
        on fct_answer.respondent_key = fct_respondent.respondent_key
    left join {{ ref('laws') }} as laws
        on fct_respondent.wet = laws.wet
    where fct_answer.answer_status in ('valid', 'dont_know', 'no_answer')
),

answers as (
    select
        meting,
        question_id,
        harmonised_code,
        answer_status,
        weight,
        {{ dimensions['group_label'] }} as group_label,
        {{ dimensions['leerroute'] }} as leerroute,
        {{ dimensions['cohort'] }} as cohort,
        {{ dimensions['gender'] }} as gender,
        {{ dimensions['age_band'] }} as age_band
    from joined
),

question_bases as (
    select
        question_id,
        percentage_base,
        case percentage_base
            {%- for base, statuses in base_statuses.items() %}
                when '{{ base }}' then {{ statuses }}
            {%- endfor %}
        end as base_statuses
    from {{ ref('questions') }}
),

broken_down as (
    {%- for name, used in breakdowns.items() %}
        select
            meting,
            question_id,
            '{{ name }}' as breakdown,
            {{ (used | join(" || ' | ' || ")) if used else "'Totaal'" }} as breakdown_value,
            {%- for dimension in dimensions %}
                {{ dimension if dimension in used else 'cast(null as varchar)' }} as {{ dimension }},
            {%- endfor %}
            harmonised_code,
            answer_status,
            weight
        from answers
        {%- if used %}
            where {{ used | join(' is not null and ') }} is not null
        {%- endif %}
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
        group_label,
        leerroute,
        cohort,
        gender,
        age_band,
        harmonised_code,
        any_value(answer_status) as answer_status,
        count(*) as respondents,
        -- NULL unless every respondent in the cell has a weight
        case when count(weight) = count(*) then sum(weight) end as weighted_respondents
    from broken_down
    group by all
),

based as (
    select
        counted.*,
        question_bases.percentage_base,
        list_contains(question_bases.base_statuses, counted.answer_status) as in_base
    from counted
    inner join question_bases
        on counted.question_id = question_bases.question_id
)

select
    meting,
    question_id,
    breakdown,
    breakdown_value,
    group_label,
    leerroute,
    cohort,
    gender,
    age_band,
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
    end as pct_valid_weighted,
    percentage_base,
    cast(sum(respondents) filter (where in_base)
        over (partition by meting, question_id, breakdown, breakdown_value)
    as bigint) as base_n,
    case
        when in_base then
            100.0 * respondents
            / sum(respondents) filter (where in_base)
                over (partition by meting, question_id, breakdown, breakdown_value)
    end as pct_of_base,
    case
        when
            in_base
            and count(*) filter (where in_base and weighted_respondents is null) over (
                partition by meting, question_id, breakdown, breakdown_value
            ) = 0
            then
                100.0 * weighted_respondents
                / sum(weighted_respondents) filter (where in_base)
                    over (partition by meting, question_id, breakdown, breakdown_value)
    end as pct_of_base_weighted
from based
