-- Meting on meting: for every coded question, subgroup (breakdowns of mart_answer_shares) and
-- category (every answer in the question's percentage base, and the answer set's combined
-- categories), the share in a meting beside the one in the previous meting present in the
-- warehouse, the difference in points, the report's 8-point rule, and a 95 % interval and test
-- of the difference: unweighted (simple-random-sampling standard errors) and weighted (the
-- raking weights, design-based standard errors from mart_answer_shares). A difference is
-- emphasised only when it is both meaningful (8 points) and significant.
--
-- The shares and their standard errors come from mart_answer_shares, the one place they are
-- computed; this model pairs them. Generic over metingen: each meting is paired with the one
-- before it (2024 with 2023, a 2025 with 2024). The first meting has no row of its own. A
-- question or subgroup present in one meting of a pair only still appears, the missing side
-- NULL and comparison_note saying why.
{%- set meaningful_points = 8 %}
{%- set z_95 = 1.96 %}

with shares as (
    select * from {{ ref('mart_answer_shares') }}
),

respondents as (
    select * from {{ ref('fct_respondent') }}
),

availability as (
    select * from {{ ref('question_availability') }}
),

metingen as (
    select
        meting,
        lag(meting) over (order by meting) as previous_meting
    from (select distinct meting from respondents) as present
),

meting_pairs as (
    select
        previous_meting,
        meting
    from metingen
    where previous_meting is not null
),

group_questionnaires as (
    -- which questionnaires a group's respondents answered: one for a Wi2021 group; the Wi2013
    -- groups follow the permit respondents state, so either Wi2013 questionnaire can feed them
    select distinct
        meting,
        group_label,
        questionnaire
    from respondents
),

asked_in_meting as (
    select distinct
        question_id,
        meting
    from availability
),

question_metingen as (
    select
        question_id,
        count(distinct meting) as meting_count
    from availability
    group by question_id
),

asked_to_group as (
    select distinct
        availability.question_id,
        group_questionnaires.meting,
        group_questionnaires.group_label
    from availability
    inner join group_questionnaires
        on
            availability.meting = group_questionnaires.meting
            and availability.questionnaire = group_questionnaires.questionnaire
),

line_values as (
    -- a subgroup is in a meting's sample when any question has a share for it there
    select distinct
        meting,
        breakdown,
        breakdown_value
    from shares
),

categories as (
    select distinct
        question_id,
        percentage_base,
        category_kind,
        category_id,
        harmonised_code,
        harmonised_codes,
        answer_status,
        label_nl,
        sort_order
    from shares
),

lines as (
    -- a line belongs in a meting when it has shares there, or (groups) the codebook says the
    -- question was put to the group
    select distinct
        question_id,
        meting,
        breakdown,
        breakdown_value,
        group_label,
        leerroute,
        cohort,
        gender
    from shares
    union
    select
        question_id,
        meting,
        'group' as breakdown,
        group_label as breakdown_value,
        group_label,
        null as leerroute,
        null as cohort,
        null as gender
    from asked_to_group
),

pair_lines as (
    select distinct
        meting_pairs.previous_meting,
        meting_pairs.meting,
        lines.question_id,
        lines.breakdown,
        lines.breakdown_value,
        lines.group_label,
        lines.leerroute,
        lines.cohort,
        lines.gender
    from meting_pairs
    inner join lines
        on lines.meting in (meting_pairs.previous_meting, meting_pairs.meting)
),

cells as (
    select
        pair_lines.*,
        categories.percentage_base,
        categories.category_kind,
        categories.category_id,
        categories.harmonised_code,
        categories.harmonised_codes,
        categories.answer_status,
        categories.label_nl,
        categories.sort_order,
        row_number() over () as cell_id
    from pair_lines
    inner join categories
        on pair_lines.question_id = categories.question_id
),

cell_sides as (
    -- every cell once per side of its pair (the previous meting, the meting itself), so that
    -- what one side holds is written once below
    select
        cell_id,
        'previous' as side,
        previous_meting as side_meting,
        question_id,
        breakdown,
        breakdown_value,
        group_label,
        category_kind,
        category_id
    from cells
    union all
    select
        cell_id,
        'current' as side,
        meting as side_meting,
        question_id,
        breakdown,
        breakdown_value,
        group_label,
        category_kind,
        category_id
    from cells
),

side_values as (
    select
        cell_sides.cell_id,
        cell_sides.side,
        line_values.breakdown_value is not null as line_in_sample,
        asked_in_meting.question_id is not null as asked_in_meting,
        cell_sides.group_label is null or asked_to_group.question_id is not null as asked_to_group,
        -- base N: NULL when the question was not put to the subgroup, 0 when nobody answered
        case
            when shares.base_n is not null then shares.base_n
            when
                asked_in_meting.question_id is not null
                and line_values.breakdown_value is not null
                and (cell_sides.group_label is null or asked_to_group.question_id is not null)
                then 0
        end as base_n,
        shares.respondents,
        shares.pct,
        shares.se_points,
        shares.pct_weighted,
        shares.se_weighted_points
    from cell_sides
    left join line_values
        on
            cell_sides.side_meting = line_values.meting
            and cell_sides.breakdown = line_values.breakdown
            and cell_sides.breakdown_value = line_values.breakdown_value
    left join asked_in_meting
        on cell_sides.question_id = asked_in_meting.question_id and cell_sides.side_meting = asked_in_meting.meting
    left join asked_to_group
        on
            cell_sides.question_id = asked_to_group.question_id
            and cell_sides.side_meting = asked_to_group.meting
            and cell_sides.group_label = asked_to_group.group_label
    left join shares
        on
            cell_sides.question_id = shares.question_id
            and cell_sides.side_meting = shares.meting
            and cell_sides.breakdown = shares.breakdown
            and cell_sides.breakdown_value = shares.breakdown_value
            and cell_sides.category_kind = shares.category_kind
            and cell_sides.category_id = shares.category_id
),

sides as (
    select
        cells.*,
        previous_side.line_in_sample as previous_line_in_sample,
        current_side.line_in_sample as current_line_in_sample,
        previous_side.asked_in_meting as asked_in_previous_meting,
        current_side.asked_in_meting as asked_in_current_meting,
        previous_side.asked_to_group as asked_to_group_previous,
        current_side.asked_to_group as asked_to_group_current,
        question_metingen.meting_count,
        previous_side.base_n as base_n_previous,
        current_side.base_n as base_n_current,
        previous_side.respondents as respondents_previous,
        current_side.respondents as respondents_current,
        previous_side.pct as pct_previous,
        current_side.pct as pct_current,
        previous_side.se_points as se_points_previous,
        current_side.se_points as se_points_current,
        previous_side.pct_weighted as pct_previous_weighted,
        current_side.pct_weighted as pct_current_weighted,
        previous_side.se_weighted_points as se_points_previous_weighted,
        current_side.se_weighted_points as se_points_current_weighted
    from cells
    inner join side_values as previous_side
        on cells.cell_id = previous_side.cell_id and previous_side.side = 'previous'
    inner join side_values as current_side
        on cells.cell_id = current_side.cell_id and current_side.side = 'current'
    left join question_metingen
        on cells.question_id = question_metingen.question_id
),

differences as (
    select
        *,
        pct_current - pct_previous as difference_points,
        pct_current_weighted - pct_previous_weighted as difference_points_weighted,
        -- the two metingen are independent samples: the variances add up
        sqrt(se_points_previous ^ 2 + se_points_current ^ 2) as difference_se_points,
        sqrt(se_points_previous_weighted ^ 2 + se_points_current_weighted ^ 2) as difference_se_points_weighted
    from sides
),

intervals as (
    select
        *,
        difference_points - {{ z_95 }} * difference_se_points as ci95_lower_points,
        difference_points + {{ z_95 }} * difference_se_points as ci95_upper_points,
        difference_points_weighted - {{ z_95 }} * difference_se_points_weighted as ci95_lower_points_weighted,
        difference_points_weighted + {{ z_95 }} * difference_se_points_weighted as ci95_upper_points_weighted,
        -- rounded to 1e-9 so that float noise cannot move a difference across the threshold
        abs(round(difference_points, 9)) >= {{ meaningful_points }} as meaningful_difference,
        abs(round(difference_points_weighted, 9)) >= {{ meaningful_points }} as meaningful_difference_weighted
    from differences
),

tests as (
    select
        *,
        ci95_lower_points > 0 or ci95_upper_points < 0 as significant_at_95,
        ci95_lower_points_weighted > 0 or ci95_upper_points_weighted < 0 as significant_at_95_weighted
    from intervals
)

select
    cast(question_id as varchar) as question_id,
    cast(breakdown as varchar) as breakdown,
    cast(breakdown_value as varchar) as breakdown_value,
    cast(group_label as varchar) as group_label,
    cast(leerroute as varchar) as leerroute,
    cast(cohort as varchar) as cohort,
    cast(gender as varchar) as gender,
    cast(percentage_base as varchar) as percentage_base,
    cast(category_kind as varchar) as category_kind,
    cast(category_id as varchar) as category_id,
    cast(harmonised_code as integer) as harmonised_code,
    cast(harmonised_codes as integer[]) as harmonised_codes,
    cast(answer_status as varchar) as answer_status,
    cast(label_nl as varchar) as answer_label_nl,
    cast(sort_order as integer) as answer_sort_order,
    cast(previous_meting as integer) as previous_meting,
    cast(meting as integer) as meting,
    cast(base_n_previous as bigint) as base_n_previous,
    cast(base_n_current as bigint) as base_n_current,
    cast(respondents_previous as bigint) as respondents_previous,
    cast(respondents_current as bigint) as respondents_current,
    cast(pct_previous as double) as pct_previous,
    cast(pct_current as double) as pct_current,
    cast(se_points_previous as double) as se_points_previous,
    cast(se_points_current as double) as se_points_current,
    cast(difference_points as double) as difference_points,
    cast(difference_se_points as double) as difference_se_points,
    cast(ci95_lower_points as double) as ci95_lower_points,
    cast(ci95_upper_points as double) as ci95_upper_points,
    cast(meaningful_difference as boolean) as meaningful_difference,
    cast(significant_at_95 as boolean) as significant_at_95,
    cast(meaningful_difference and significant_at_95 as boolean) as emphasised,
    cast(pct_previous_weighted as double) as pct_previous_weighted,
    cast(pct_current_weighted as double) as pct_current_weighted,
    cast(se_points_previous_weighted as double) as se_points_previous_weighted,
    cast(se_points_current_weighted as double) as se_points_current_weighted,
    cast(difference_points_weighted as double) as difference_points_weighted,
    cast(difference_se_points_weighted as double) as difference_se_points_weighted,
    cast(ci95_lower_points_weighted as double) as ci95_lower_points_weighted,
    cast(ci95_upper_points_weighted as double) as ci95_upper_points_weighted,
    cast(meaningful_difference_weighted as boolean) as meaningful_difference_weighted,
    cast(significant_at_95_weighted as boolean) as significant_at_95_weighted,
    cast(meaningful_difference_weighted and significant_at_95_weighted as boolean) as emphasised_weighted,
    cast(difference_points is not null as boolean) as is_comparable,
    cast(case
        when difference_points is not null then null
        when not previous_line_in_sample and breakdown = 'group'
            then 'group not in the sample of ' || previous_meting
        when not current_line_in_sample and breakdown = 'group'
            then 'group not in the sample of ' || meting
        when not previous_line_in_sample
            then 'subgroup not in the sample of ' || previous_meting
        when not current_line_in_sample
            then 'subgroup not in the sample of ' || meting
        when not asked_in_previous_meting and asked_in_current_meting and meting_count = 1
            then 'asked in ' || meting || ' only'
        when not asked_in_previous_meting and asked_in_current_meting
            then 'not asked in ' || previous_meting
        when asked_in_previous_meting and not asked_in_current_meting and meting_count = 1
            then 'asked in ' || previous_meting || ' only'
        when asked_in_previous_meting and not asked_in_current_meting
            then 'not asked in ' || meting
        when not asked_to_group_previous and not asked_to_group_current
            then 'not asked to this group in ' || previous_meting || ' or ' || meting
        when not asked_to_group_previous
            then 'not asked to this group in ' || previous_meting
        when not asked_to_group_current
            then 'not asked to this group in ' || meting
        when coalesce(base_n_previous, 0) = 0
            then 'no answers in the base in ' || previous_meting
        else 'no answers in the base in ' || meting
    end as varchar) as comparison_note
from tests
