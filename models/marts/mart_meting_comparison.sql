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
        categories.sort_order
    from pair_lines
    inner join categories
        on pair_lines.question_id = categories.question_id
),

sides as (
    select
        cells.*,
        previous_line.breakdown_value is not null as previous_line_in_sample,
        current_line.breakdown_value is not null as current_line_in_sample,
        previous_in_meting.question_id is not null as asked_in_previous_meting,
        current_in_meting.question_id is not null as asked_in_current_meting,
        cells.group_label is null or previous_asked.question_id is not null as asked_to_group_previous,
        cells.group_label is null or current_asked.question_id is not null as asked_to_group_current,
        question_metingen.meting_count,
        -- base N: NULL when the question was not put to the subgroup, 0 when nobody answered
        case
            when previous_shares.base_n is not null then previous_shares.base_n
            when
                previous_in_meting.question_id is not null
                and previous_line.breakdown_value is not null
                and (cells.group_label is null or previous_asked.question_id is not null)
                then 0
        end as base_n_previous,
        case
            when current_shares.base_n is not null then current_shares.base_n
            when
                current_in_meting.question_id is not null
                and current_line.breakdown_value is not null
                and (cells.group_label is null or current_asked.question_id is not null)
                then 0
        end as base_n_current,
        previous_shares.respondents as respondents_previous,
        current_shares.respondents as respondents_current,
        previous_shares.pct as pct_previous,
        current_shares.pct as pct_current,
        previous_shares.se_points as se_points_previous,
        current_shares.se_points as se_points_current,
        previous_shares.pct_weighted as pct_previous_weighted,
        current_shares.pct_weighted as pct_current_weighted,
        previous_shares.se_weighted_points as se_points_previous_weighted,
        current_shares.se_weighted_points as se_points_current_weighted
    from cells
    left join line_values as previous_line
        on
            cells.previous_meting = previous_line.meting
            and cells.breakdown = previous_line.breakdown
            and cells.breakdown_value = previous_line.breakdown_value
    left join line_values as current_line
        on
            cells.meting = current_line.meting
            and cells.breakdown = current_line.breakdown
            and cells.breakdown_value = current_line.breakdown_value
    left join asked_in_meting as previous_in_meting
        on cells.question_id = previous_in_meting.question_id and cells.previous_meting = previous_in_meting.meting
    left join asked_in_meting as current_in_meting
        on cells.question_id = current_in_meting.question_id and cells.meting = current_in_meting.meting
    left join asked_to_group as previous_asked
        on
            cells.question_id = previous_asked.question_id
            and cells.previous_meting = previous_asked.meting
            and cells.group_label = previous_asked.group_label
    left join asked_to_group as current_asked
        on
            cells.question_id = current_asked.question_id
            and cells.meting = current_asked.meting
            and cells.group_label = current_asked.group_label
    left join question_metingen
        on cells.question_id = question_metingen.question_id
    left join shares as previous_shares
        on
            cells.question_id = previous_shares.question_id
            and cells.previous_meting = previous_shares.meting
            and cells.breakdown = previous_shares.breakdown
            and cells.breakdown_value = previous_shares.breakdown_value
            and cells.category_kind = previous_shares.category_kind
            and cells.category_id = previous_shares.category_id
    left join shares as current_shares
        on
            cells.question_id = current_shares.question_id
            and cells.meting = current_shares.meting
            and cells.breakdown = current_shares.breakdown
            and cells.breakdown_value = current_shares.breakdown_value
            and cells.category_kind = current_shares.category_kind
            and cells.category_id = current_shares.category_id
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
