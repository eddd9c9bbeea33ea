-- Sample and population shares add up to 100 over the rows that share a denominator (the
-- meting for dimension group, the group otherwise). Returns offenders.
with shares as (
    select
        meting,
        dimension,
        case when dimension = 'group' then '(all groups)' else group_label end as share_base,
        sum(sample_share_pct) as sample_total,
        count(sample_share_pct) as sample_cells,
        sum(population_share_pct) as population_total,
        count(population_share_pct) as population_cells
    from {{ ref('mart_response_vs_population') }}
    group by meting, dimension, share_base
)

select *
from shares
where
    (sample_cells > 0 and abs(sample_total - 100) > 1e-6)
    or (population_cells > 0 and abs(population_total - 100) > 1e-6)
