-- Every answer of every export in long form, source codes mapped to harmonised codes through
-- the crosswalk. One row per respondent x question asked in that export. answer_status keeps
-- what the report's percentages need apart: valid, dont_know, no_answer (refused), skipped
-- (asked, left open), not_asked (routed past: system-missing in the export).
-- Every export the seeds describe is staged here from its raw table, with the macro the staging
-- views use (macros/codebook.sql): dbt fixes a model's refs when it parses, before the seeds can
-- be read, so reading the exports by ref would need a line per wave. A new meting is seed rows.
-- depends_on: {{ ref('source_variables') }}

{%- set coded_types = ('categorical', 'multi_response_option') %}
{#- read the seeds and the warehouse once; both loops below use the same list -#}
{%- set exports = staged_exports() %}

with

{% for export in exports %}
{%- set layout = export_layout(export.meting, export.questionnaire) %}
{%- set coded = layout | selectattr(2, 'in', coded_types) | map(attribute=1) | list %}
{%- set other = layout | rejectattr(2, 'in', coded_types) | map(attribute=1)
                       | reject('equalto', 'respondent_token') | list %}
{#- the keyed hash once per respondent, not once per answer (two sha256 a row) -#}
respondents_{{ loop.index }} as (
    select
        {{ respondent_key('staged.meting', 'staged.respondent_token') }} as respondent_key,
        staged.*
    from ({{ export.sql }}) as staged
),

export_{{ loop.index }} as (
    select
        respondent_key,
        respondent_token,
        meting,
        questionnaire,
        unnest([{% for q in coded %}'{{ q }}'{{ ", " if not loop.last }}{% endfor %}]) as question_id,
        unnest([{% for q in coded %}{{ q }}{{ ", " if not loop.last }}{% endfor %}]) as source_code,
        cast(null as varchar) as value_text
    from respondents_{{ loop.index }}
    {%- if other %}
    union all
    select
        respondent_key,
        respondent_token,
        meting,
        questionnaire,
        unnest([{% for q in other %}'{{ q }}'{{ ", " if not loop.last }}{% endfor %}]) as question_id,
        cast(null as integer) as source_code,
        unnest([{% for q in other %}cast({{ q }} as varchar){{ ", " if not loop.last }}{% endfor %}]) as value_text
    from respondents_{{ loop.index }}
    {%- endif %}
),
{% endfor %}

answers as (
    {% for export in exports %}
    select * from export_{{ loop.index }}
    {% if not loop.last %}union all{% endif %}
    {%- else %}
        {#- nothing to read: no export landed yet -#}
        select
            cast(null as varchar) as respondent_key,
            cast(null as varchar) as respondent_token,
            cast(null as integer) as meting,
            cast(null as varchar) as questionnaire,
            cast(null as varchar) as question_id,
            cast(null as integer) as source_code,
            cast(null as varchar) as value_text
        where false
    {% endfor %}
),

crosswalk as (
    select * from {{ ref('crosswalk') }}
),

questions as (
    select * from {{ ref('questions') }}
)

select
    answers.respondent_key,
    answers.respondent_token,
    answers.meting,
    answers.questionnaire,
    answers.question_id,
    questions.value_type,
    answers.source_code,
    crosswalk.harmonised_code,
    answers.value_text,
    case
        when questions.value_type not in ('categorical', 'multi_response_option')
            then case when answers.value_text is null then 'not_asked' else 'valid' end
        when answers.source_code is null then 'not_asked'
        when crosswalk.harmonised_code is null then 'unmapped'
        when crosswalk.missing_type = '' or crosswalk.missing_type is null then 'valid'
        else crosswalk.missing_type
    end as answer_status
from answers
inner join questions
    on answers.question_id = questions.question_id
left join crosswalk
    on
        answers.meting = crosswalk.meting
        and answers.questionnaire = crosswalk.questionnaire
        and answers.question_id = crosswalk.question_id
        and answers.source_code = crosswalk.source_code
