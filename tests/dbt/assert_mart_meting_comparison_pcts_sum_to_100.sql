-- Over the single categories of a question and line (the answers in its percentage base) the
-- percentages add up to 100 on each side that is present, unweighted and weighted; a combined
-- category is the sum of its member answers. Returns offenders.
with comparison as (
    select * from {{ ref('mart_meting_comparison') }}
),

singles as (
    select
        question_id,
        breakdown,
        breakdown_value,
        meting,
        'singles do not add up to 100' as problem
    from comparison
    where category_kind = 'single'
    group by question_id, breakdown, breakdown_value, meting
    having
        (count(pct_previous) > 0 and abs(sum(pct_previous) - 100) > 1e-6)
        or (count(pct_current) > 0 and abs(sum(pct_current) - 100) > 1e-6)
        or (count(pct_previous_weighted) > 0 and abs(sum(pct_previous_weighted) - 100) > 1e-6)
        or (count(pct_current_weighted) > 0 and abs(sum(pct_current_weighted) - 100) > 1e-6)
),

members as (
    select
        combined.question_id,
        combined.breakdown,
        combined.breakdown_value,
        combined.meting,
        combined.category_id,
        any_value(combined.pct_current) as combined_current,
        any_value(combined.pct_current_weighted) as combined_current_weighted,
        sum(single.pct_current) as members_current,
        sum(single.pct_current_weighted) as members_current_weighted,
        count(single.category_id) as member_count,
        any_value(len(combined.harmonised_codes)) as codes_listed
    from comparison as combined
    left join comparison as single
        on
            combined.question_id = single.question_id
            and combined.breakdown = single.breakdown
            and combined.breakdown_value = single.breakdown_value
            and combined.meting = single.meting
            and single.category_kind = 'single'
            and list_contains(combined.harmonised_codes, single.harmonised_code)
    where combined.category_kind = 'combined'
    group by all
),

combined_sums as (
    select
        question_id,
        breakdown,
        breakdown_value,
        meting,
        'combined is not the sum of its answers' as problem
    from members
    where
        member_count <> codes_listed
        or abs(combined_current - members_current) > 1e-6
        or abs(combined_current_weighted - members_current_weighted) > 1e-6
)

select * from singles
union all
select * from combined_sums
