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

current_side as (
    select
        'current side' as problem,
        route_cohort.meting,
        route_cohort.question_id,
        route_cohort.breakdown_value,
        route_cohort.category_id
    from route_cohort
    inner join metingen
        on route_cohort.meting = metingen.meting
    left join comparison
        on
            route_cohort.meting = comparison.meting
            and route_cohort.question_id = comparison.question_id
            and route_cohort.breakdown = comparison.breakdown
            and route_cohort.breakdown_value = comparison.breakdown_value
            and route_cohort.category_id = comparison.category_id
    where
        metingen.previous_meting is not null
        and (
            comparison.meting is null
            or abs(comparison.pct_current - route_cohort.pct_of_base) > 1e-9
            or comparison.respondents_current <> route_cohort.respondents
            or (comparison.pct_current_weighted is null) <> (route_cohort.pct_of_base_weighted is null)
            or abs(comparison.pct_current_weighted - route_cohort.pct_of_base_weighted) > 1e-9
        )
),

previous_side as (
    select
        'previous side' as problem,
        route_cohort.meting,
        route_cohort.question_id,
        route_cohort.breakdown_value,
        route_cohort.category_id
    from route_cohort
    inner join metingen
        on route_cohort.meting = metingen.meting
    left join comparison
        on
            route_cohort.meting = comparison.previous_meting
            and route_cohort.question_id = comparison.question_id
            and route_cohort.breakdown = comparison.breakdown
            and route_cohort.breakdown_value = comparison.breakdown_value
            and route_cohort.category_id = comparison.category_id
    where
        metingen.next_meting is not null
        and (
            comparison.meting is null
            or abs(comparison.pct_previous - route_cohort.pct_of_base) > 1e-9
            or comparison.respondents_previous <> route_cohort.respondents
            or (comparison.pct_previous_weighted is null) <> (route_cohort.pct_of_base_weighted is null)
            or abs(comparison.pct_previous_weighted - route_cohort.pct_of_base_weighted) > 1e-9
        )
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

select * from current_side
union all
select * from previous_side
union all
select * from pairs
