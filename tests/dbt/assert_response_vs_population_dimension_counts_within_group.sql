-- Tabellen 2.10-2.12: the sample counts of a group's categories add up to at most the group's
-- respondents (those without a printed category are left out), and each denominator
-- (sample_base) is the sum of the counts it divides. Returns offenders.
with groups as (
    select
        meting,
        group_label,
        count(*) as respondents
    from {{ ref('fct_respondent') }}
    group by meting, group_label
),

by_dimension as (
    select
        meting,
        dimension,
        group_label,
        sum(sample_count) as counted,
        min(sample_base) as min_base,
        max(sample_base) as max_base
    from {{ ref('mart_response_vs_population') }}
    where dimension <> 'group' and sample_count is not null
    group by meting, dimension, group_label
)

select
    by_dimension.*,
    groups.respondents
from by_dimension
left join groups
    on by_dimension.meting = groups.meting and by_dimension.group_label = groups.group_label
where
    by_dimension.counted > coalesce(groups.respondents, 0)
    or by_dimension.min_base <> by_dimension.counted
    or by_dimension.max_base <> by_dimension.counted
