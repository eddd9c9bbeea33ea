-- mart_route_cohort has one row per meting, question, breakdown, subgroup and answer.
select
    meting,
    question_id,
    breakdown,
    breakdown_value,
    harmonised_code,
    count(*) as rows_found
from {{ ref('mart_route_cohort') }}
group by meting, question_id, breakdown, breakdown_value, harmonised_code
having count(*) > 1
