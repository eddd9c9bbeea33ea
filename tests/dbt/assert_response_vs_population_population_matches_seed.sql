-- Every row of the seed population_margins appears once in the mart with the same population
-- and printed figures, and no row without a seed row carries population figures. Returns
-- offenders.
with margins as (
    select * from {{ ref('population_margins') }}
),

mart as (
    select * from {{ ref('mart_response_vs_population') }}
)

select
    coalesce(margins.meting, mart.meting) as meting,
    coalesce(margins.dimension, mart.dimension) as dimension,
    coalesce(margins.group_label, mart.group_label) as group_label,
    coalesce(margins.category, mart.category) as category,
    margins.population_count as seed_population_count,
    mart.population_count as mart_population_count
from margins
full outer join mart
    on
        margins.meting = mart.meting
        and margins.dimension = mart.dimension
        and margins.group_label = mart.group_label
        and margins.category = mart.category
where
    mart.meting is null
    or margins.population_count is distinct from mart.population_count
    or margins.population_pct_printed is distinct from mart.population_pct_printed
    or margins.sample_count_printed is distinct from mart.sample_count_printed
    or margins.sample_pct_printed is distinct from mart.sample_pct_printed
    or margins.source_table is distinct from mart.source_table
