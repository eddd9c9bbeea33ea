-- Both sides come from mart_route_cohort (breakdown group, valid answers): every valid cell of
-- a meting with a predecessor is the current side of a row with the same percentage and
-- count, every cell of a meting with a successor is the previous side of one, and
-- previous_meting is the meting just before. Returns offenders.
with route_cohort as (
    select
        meting,
        question_id,
        breakdown_value as group_label,
        harmonised_code,
        respondents,
        pct_valid
    from {{ ref('mart_route_cohort') }}
    where breakdown = 'group' and answer_status = 'valid'
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
),

current_side as (
    select
        'current side' as problem,
        route_cohort.meting,
        route_cohort.question_id,
        route_cohort.group_label,
        route_cohort.harmonised_code
    from route_cohort
    inner join metingen
        on route_cohort.meting = metingen.meting
    left join comparison
        on
            route_cohort.meting = comparison.meting
            and route_cohort.question_id = comparison.question_id
            and route_cohort.group_label = comparison.group_label
            and route_cohort.harmonised_code = comparison.harmonised_code
    where
        metingen.previous_meting is not null
        and (
            comparison.meting is null
            or abs(comparison.pct_current - route_cohort.pct_valid) > 1e-9
            or comparison.respondents_current <> route_cohort.respondents
        )
),

previous_side as (
    select
        'previous side' as problem,
        route_cohort.meting,
        route_cohort.question_id,
        route_cohort.group_label,
        route_cohort.harmonised_code
    from route_cohort
    inner join metingen
        on route_cohort.meting = metingen.meting
    left join comparison
        on
            route_cohort.meting = comparison.previous_meting
            and route_cohort.question_id = comparison.question_id
            and route_cohort.group_label = comparison.group_label
            and route_cohort.harmonised_code = comparison.harmonised_code
    where
        metingen.next_meting is not null
        and (
            comparison.meting is null
            or abs(comparison.pct_previous - route_cohort.pct_valid) > 1e-9
            or comparison.respondents_previous <> route_cohort.respondents
        )
),

pairs as (
    select distinct
        'pair' as problem,
        comparison.meting,
        null as question_id,
        null as group_label,
        null as harmonised_code
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
