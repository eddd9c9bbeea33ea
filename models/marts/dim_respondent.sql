-- The pseudonymous person across metingen: who answered in which wave. The token itself is
-- kept out; person_key is a keyed hash of it (macros/respondent_key.sql), the same in every meting.
with waves as (
    select
        {{ person_key('respondent_token') }} as person_key,
        meting,
        questionnaire
    from {{ ref('int_respondents') }}
)

select
    person_key,
    min(meting) as first_meting,
    max(meting) as last_meting,
    cast(count(distinct meting) as integer) as meting_count,
    count(distinct meting) > 1 as answered_in_several_metingen,
    string_agg(distinct cast(meting as varchar), ', ' order by cast(meting as varchar)) as metingen,
    any_value(questionnaire order by meting desc) as latest_questionnaire
from waves
group by person_key
