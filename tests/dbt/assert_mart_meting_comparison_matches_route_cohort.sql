-- The comparison's single categories repeat mart_route_cohort, which computes the same
-- percentages on its own in SQL (pct_of_base, over the question's percentage base): every cell
-- in the base of a meting with a predecessor is the current side of a row with the same
-- percentage (unweighted and weighted) and count, every cell of a meting with a successor is
-- the previous side of one, and previous_meting is the meting just before. Returns offenders.
with route_cohort as (
    select
        meting,
        question_id,
        breakdown,
        breakdown_value,
        cast(harmonised_code as varchar) as category_id,
        respondents,
        pct_of_base,
        pct_of_base_weighted
    from {{ ref('mart_route_cohort') }}
    where
        pct_of_base is not null
        and breakdown in ('total', 'group', 'leerroute', 'cohort', 'gender', 'group_x_leerroute', 'group_x_cohort')
),

metingen as (
    select
        meting,
        lag(meting) over (order by meting) as previous_meting,
        lead(meting) over (order by meting) as next_meting
    from (select distinct meting from {{ ref('fct_respondent') }}) as present
),

comparison as (
    select * from {{ ref('mart_meting_comparison') }}
    where category_kind = 'single'
),

comparison_sides as (
    -- every comparison row once per side: the meting that side holds and its numbers
    select
        'current side' as side,
        meting as side_meting,
        question_id,
        breakdown,
        breakdown_value,
        category_id,
        respondents_current as respondents,
        pct_current as pct,
        pct_current_weighted as pct_weighted
    from comparison
    union all
    select
        'previous side' as side,
        previous_meting as side_meting,
        question_id,
        breakdown,
        breakdown_value,
        category_id,
        respondents_previous as respondents,
        pct_previous as pct,
        pct_previous_weighted as pct_weighted
    from comparison
),

expected_sides as (
    -- a cell is the current side of a row when its meting has a predecessor, the previous side
    -- of one when it has a successor
    select
        'current side' as side,
        route_cohort.*
    from route_cohort
    inner join metingen
        on route_cohort.meting = metingen.meting
    where metingen.previous_meting is not null
    union all
    select
        'previous side' as side,
        route_cohort.*
    from route_cohort
    inner join metingen
        on route_cohort.meting = metingen.meting
    where metingen.next_meting is not null
),

sides as (
    select
        expected_sides.side as problem,
        expected_sides.meting,
        expected_sides.question_id,
        expected_sides.breakdown_value,
        expected_sides.category_id
    from expected_sides
    left join comparison_sides
        on
            expected_sides.side = comparison_sides.side
            and expected_sides.meting = comparison_sides.side_meting
            and expected_sides.question_id = comparison_sides.question_id
            and expected_sides.breakdown = comparison_sides.breakdown
            and expected_sides.breakdown_value = comparison_sides.breakdown_value
            and expected_sides.category_id = comparison_sides.category_id
    where
        comparison_sides.side is null
        or abs(comparison_sides.pct - expected_sides.pct_of_base) > 1e-9
        or comparison_sides.respondents <> expected_sides.respondents
        or (comparison_sides.pct_weighted is null) <> (expected_sides.pct_of_base_weighted is null)
        or abs(comparison_sides.pct_weighted - expected_sides.pct_of_base_weighted) > 1e-9
),

pairs as (
    select distinct
        'pair' as problem,
        comparison.meting,
        null as question_id,
        null as breakdown_value,
        null as category_id
    from comparison
    left join metingen
        on comparison.meting = metingen.meting
    where comparison.previous_meting is distinct from metingen.previous_meting
)

select * from sides
union all
select * from pairs
