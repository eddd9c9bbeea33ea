-- Raking weights are expansion weights: within a weighted meting and group they add up to
-- DUO's population count (Tabel 2.9), and no weight is zero or negative.
select
    meting,
    group_label,
    population_count,
    sum_weight,
    min_weight
from {{ ref('mart_weighting_summary') }}
where
    weighted_respondents > 0
    and (abs(sum_weight - population_count) > 1e-6 * population_count or min_weight <= 0)
