-- For every question, meting and breakdown: count and percentage per answer. pct_valid is over
-- valid answers; pct_answered also counts "weet ik niet" and refusals; pct_of_base is over the
-- answers the question's percentage_base counts (seeds questions.csv), as the report prints
-- that question. The *_weighted percentages use the raking weights (fct_respondent.weight),
-- NULL where a respondent in the subgroup has no weight (a meting without population margins).
--
-- The dimensions of a breakdown are columns of their own (group_label, leerroute, cohort,
-- gender, age_band; NULL where not part of the breakdown); breakdown_value is their display
-- label. An unknown value is the subgroup 'onbekend' (var unknown_subgroup), never dropped.
-- Leerroute and cohort exist only where the law has them (seeds laws and cohorts: the Wi2021), so
-- Wi2013 respondents are outside the breakdowns that use them. The answer statuses each
-- percentage base counts are var percentage_base_statuses (dbt_project.yml).
{{ config(materialized='table') }}

{%- set unknown = "'" ~ var('unknown_subgroup') ~ "'" %}
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
            {%- for base, statuses in var('percentage_base_statuses').items() %}
                {%- set listed = "['" ~ (statuses | join("', '")) ~ "']" %}
                when '{{ base }}' then {{ listed }}
            {%- endfor %}
        end as base_statuses
    from {{ ref('questions') }}
),

{#- grouping() over the dimensions: a bit for each dimension left out of the grouping set, the
    first dimension the highest -#}
{%- set dimension_names = dimensions.keys() | list %}
{%- set grouping = 'grouping(' ~ (dimension_names | join(', ')) ~ ')' %}
{%- set masks = {} %}
{%- for name, used in breakdowns.items() %}
    {%- set ns = namespace(mask=0) %}
    {%- for dimension in dimension_names if dimension not in used %}
        {%- set ns.mask = ns.mask + 2 ** (dimension_names | length - 1 - dimension_names.index(dimension)) %}
    {%- endfor %}
    {%- do masks.update({name: ns.mask}) %}
{%- endfor %}
{%- set outside = [] %}
{%- for dimension in dimension_names %}
    {%- do outside.append('not (grouping(' ~ dimension ~ ') = 0 and ' ~ dimension ~ ' is null)') %}
{%- endfor %}

-- every breakdown in one pass over the answers: a grouping set each
counted as (
    select
        meting,
        question_id,
        case {{ grouping }}
            {%- for name in breakdowns %}
                when {{ masks[name] }} then '{{ name }}'
            {%- endfor %}
        end as breakdown,
        case {{ grouping }}
            {%- for name, used in breakdowns.items() %}
                when {{ masks[name] }} then {{ (used | join(" || ' | ' || ")) if used else "'Totaal'" }}
            {%- endfor %}
        end as breakdown_value,
        {%- for dimension in dimension_names %}
            {{ dimension }},
        {%- endfor %}
        harmonised_code,
        any_value(answer_status) as answer_status,
        count(*) as respondents,
        -- NULL unless every respondent in the cell has a weight
        case when count(weight) = count(*) then sum(weight) end as weighted_respondents
    from answers
    -- sqlfluff's duckdb dialect cannot parse grouping sets yet (DuckDB runs them)
    group by grouping sets ( -- noqa: PRS
        {%- for used in breakdowns.values() %}
            (meting, question_id, harmonised_code{% for dimension in used %}, {{ dimension }}{% endfor %})
            {{- "," if not loop.last }}
        {%- endfor %}
    )
    -- outside a subgroup (NULL: leerroute for a Wi2013 respondent) is no line of its breakdown
    having {{ outside | join('\n        and ') }}
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
