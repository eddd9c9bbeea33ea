-- After raking, each weighted margin matches DUO's: among the respondents whose category is in
-- the margin, the weighted share of each category equals its population share (categories
-- nobody in the sample falls into are dropped and the rest rescaled, as the weighting does).
{%- set dimensions = ['gender', 'leerroute', 'age_band'] %}

with respondents as (
    select * from {{ ref('fct_respondent') }}
    where weight is not null
),

margins as (
    select
        targets.meting,
        population_margins.dimension,
        population_margins.group_label,
        population_margins.category,
        population_margins.population_count
    from {{ ref('population_margins') }} as population_margins
    inner join {{ ref('weighting_targets') }} as targets
        on population_margins.meting = targets.margins_meting
),

weighted as (
    {%- for dimension in dimensions %}
        select
            meting,
            group_label,
            '{{ dimension }}' as dimension,
            {{ dimension }} as category,
            sum(weight) as weighted_count
        from respondents
        group by meting, group_label, {{ dimension }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

compared as (
    select
        margins.meting,
        margins.group_label,
        margins.dimension,
        margins.category,
        100.0 * margins.population_count
        / sum(margins.population_count) over (partition by margins.meting, margins.group_label, margins.dimension)
            as population_pct,
        100.0 * weighted.weighted_count
        / sum(weighted.weighted_count) over (partition by margins.meting, margins.group_label, margins.dimension)
            as weighted_pct
    from margins
    inner join weighted
        on
            margins.meting = weighted.meting
            and margins.group_label = weighted.group_label
            and margins.dimension = weighted.dimension
            and margins.category = weighted.category
)

select *
from compared
where abs(population_pct - weighted_pct) > 0.01
