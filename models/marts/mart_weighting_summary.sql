-- The weights at a glance, per meting and group: how far raking moved the sample (range of the
-- weights, respondents trimmed) and what it costs in precision (Kish's design effect
-- n * sum(w^2) / sum(w)^2 and the effective sample size n / deff).
with respondents as (
    select * from {{ ref('fct_respondent') }}
),

population as (
    select
        meting as margins_meting,
        group_label,
        population_count
    from {{ ref('population_margins') }}
    where dimension = 'group'
)

select
    cast(respondents.meting as integer) as meting,
    cast(respondents.group_label as varchar) as group_label,
    cast(any_value(respondents.weight_margins_meting) as integer) as margins_meting,
    cast(count(*) as bigint) as respondents,
    cast(any_value(population.population_count) as bigint) as population_count,
    cast(count(respondents.weight) as bigint) as weighted_respondents,
    cast(sum(respondents.weight) as double) as sum_weight,
    cast(min(respondents.weight) as double) as min_weight,
    cast(max(respondents.weight) as double) as max_weight,
    cast(max(respondents.weight) / any_value(respondents.base_weight) as double) as max_weight_to_base,
    cast(count(*) filter (where respondents.weight_trimmed) as bigint) as trimmed_respondents,
    cast(
        count(respondents.weight) * sum(respondents.weight * respondents.weight) / (sum(respondents.weight) ^ 2)
        as double
    ) as design_effect,
    cast((sum(respondents.weight) ^ 2) / sum(respondents.weight * respondents.weight) as double)
        as effective_sample_size,
    cast(string_agg(distinct respondents.weighting_note, '; ' order by respondents.weighting_note) as varchar)
        as weighting_note
from respondents
left join population
    on
        respondents.weight_margins_meting = population.margins_meting
        and respondents.group_label = population.group_label
group by respondents.meting, respondents.group_label
