-- Over the valid answers of a question, group and meting the percentages add up to 100 on
-- each side that is present. Returns offenders.
select
    question_id,
    group_label,
    meting,
    sum(pct_previous) as previous_total,
    sum(pct_current) as current_total
from {{ ref('mart_meting_comparison') }}
group by question_id, group_label, meting
having
    (count(pct_previous) > 0 and abs(sum(pct_previous) - 100) > 1e-6)
    or (count(pct_current) > 0 and abs(sum(pct_current) - 100) > 1e-6)
