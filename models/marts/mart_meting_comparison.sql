-- Meting on meting: for every coded question, group (breakdown 'group' of mart_route_cohort)
-- and valid harmonised answer, the percentage in a meting beside the one in the previous
-- meting present in the warehouse, their difference in points, the report's 8-point rule and
-- a 95 % Wald interval for the difference of two independent proportions. Generic over
-- metingen: each meting is paired with the one before it (2024 with 2023, a 2025 with 2024), so
-- a new wave needs rows in the seeds, not new SQL. The first meting has no row of its own.
--
-- A question asked in one meting of a pair only (seeds question_availability) still appears,
-- the missing side NULL and comparison_note saying why. Percentages are over valid answers
-- (pct_valid); an answer nobody gave counts as 0 % when the group answered the question.
-- The *_weighted columns are the same with the raking weights (mart_route_cohort's
-- pct_valid_weighted), side by side with the unweighted ones; NULL where a side has no weights.
{%- set meaningful_points = 8 %}
{%- set z_95 = 1.96 %}

with route_cohort as (
    select * from {{ ref('mart_route_cohort') }}
    where breakdown = 'group'
),

respondents as (
    select * from {{ ref('fct_respondent') }}
),

questions as (
    -- the questions mart_route_cohort covers: the coded ones
    select
        question_id,
        answer_set_id
    from {{ ref('questions') }}
    where value_type in ('categorical', 'multi_response_option')
),

answer_options as (
    select
        answer_set_id,
        code as harmonised_code,
        label_nl,
        sort_order
    from {{ ref('answer_sets') }}
    where coalesce(missing_type, '') = ''
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

group_sizes as (
    select
        meting,
        group_label,
        count(*) as group_respondents,
        count(weight) = count(*) as group_weighted
    from respondents
    group by meting, group_label
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

group_totals as (
    select
        meting,
        question_id,
        breakdown_value as group_label,
        coalesce(max(valid_n), 0) as valid_n
    from route_cohort
    group by meting, question_id, breakdown_value
),

group_answers as (
    select
        meting,
        question_id,
        breakdown_value as group_label,
        harmonised_code,
        respondents,
        pct_valid,
        pct_valid_weighted
    from route_cohort
    where answer_status = 'valid'
),

seen as (
    -- a question x group belongs in a meting when the codebook says it was asked there or
    -- the warehouse holds answers to it
    select
        question_id,
        meting,
        group_label
    from asked_to_group
    union
    select
        question_id,
        meting,
        group_label
    from group_totals
),

pair_questions as (
    select distinct
        meting_pairs.previous_meting,
        meting_pairs.meting,
        seen.question_id,
        seen.group_label
    from meting_pairs
    inner join seen
        on seen.meting in (meting_pairs.previous_meting, meting_pairs.meting)
),

cells as (
    select
        pair_questions.previous_meting,
        pair_questions.meting,
        pair_questions.question_id,
        pair_questions.group_label,
        answer_options.harmonised_code,
        answer_options.label_nl,
        answer_options.sort_order
    from pair_questions
    inner join questions
        on pair_questions.question_id = questions.question_id
    inner join answer_options
        on questions.answer_set_id = answer_options.answer_set_id
),

sides as (
    select
        cells.*,
        coalesce(previous_sizes.group_respondents, 0) as previous_group_respondents,
        coalesce(current_sizes.group_respondents, 0) as current_group_respondents,
        previous_in_meting.question_id is not null as asked_in_previous_meting,
        current_in_meting.question_id is not null as asked_in_current_meting,
        previous_asked.question_id is not null as asked_to_group_previous,
        current_asked.question_id is not null as asked_to_group_current,
        question_metingen.meting_count,
        -- valid N: NULL when the question was not put to the group, 0 when nobody answered validly
        case
            when previous_asked.question_id is not null or previous_totals.valid_n is not null
                then coalesce(previous_totals.valid_n, 0)
        end as valid_n_previous,
        case
            when current_asked.question_id is not null or current_totals.valid_n is not null
                then coalesce(current_totals.valid_n, 0)
        end as valid_n_current,
        previous_answers.respondents as previous_answer_respondents,
        current_answers.respondents as current_answer_respondents,
        previous_answers.pct_valid as previous_answer_pct,
        current_answers.pct_valid as current_answer_pct,
        previous_answers.pct_valid_weighted as previous_answer_pct_weighted,
        current_answers.pct_valid_weighted as current_answer_pct_weighted,
        coalesce(previous_sizes.group_weighted, false) as previous_group_weighted,
        coalesce(current_sizes.group_weighted, false) as current_group_weighted
    from cells
    left join group_sizes as previous_sizes
        on cells.previous_meting = previous_sizes.meting and cells.group_label = previous_sizes.group_label
    left join group_sizes as current_sizes
        on cells.meting = current_sizes.meting and cells.group_label = current_sizes.group_label
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
    left join group_totals as previous_totals
        on
            cells.question_id = previous_totals.question_id
            and cells.previous_meting = previous_totals.meting
            and cells.group_label = previous_totals.group_label
    left join group_totals as current_totals
        on
            cells.question_id = current_totals.question_id
            and cells.meting = current_totals.meting
            and cells.group_label = current_totals.group_label
    left join group_answers as previous_answers
        on
            cells.question_id = previous_answers.question_id
            and cells.previous_meting = previous_answers.meting
            and cells.group_label = previous_answers.group_label
            and cells.harmonised_code = previous_answers.harmonised_code
    left join group_answers as current_answers
        on
            cells.question_id = current_answers.question_id
            and cells.meting = current_answers.meting
            and cells.group_label = current_answers.group_label
            and cells.harmonised_code = current_answers.harmonised_code
),

percentages as (
    select
        *,
        case when valid_n_previous > 0 then coalesce(previous_answer_respondents, 0) end as respondents_previous,
        case when valid_n_current > 0 then coalesce(current_answer_respondents, 0) end as respondents_current,
        case when valid_n_previous > 0 then coalesce(previous_answer_pct, 0.0) end as pct_previous,
        case when valid_n_current > 0 then coalesce(current_answer_pct, 0.0) end as pct_current,
        case
            when valid_n_previous > 0 and previous_group_weighted then coalesce(previous_answer_pct_weighted, 0.0)
        end as pct_previous_weighted,
        case
            when valid_n_current > 0 and current_group_weighted then coalesce(current_answer_pct_weighted, 0.0)
        end as pct_current_weighted
    from sides
),

differences as (
    select
        *,
        pct_current - pct_previous as difference_points,
        -- Wald standard error of p2 - p1 for independent samples, in points
        100.0 * sqrt(
            (pct_previous / 100.0) * (1 - pct_previous / 100.0) / valid_n_previous
            + (pct_current / 100.0) * (1 - pct_current / 100.0) / valid_n_current
        ) as difference_se_points
    from percentages
),

intervals as (
    select
        *,
        difference_points - {{ z_95 }} * difference_se_points as ci95_lower_points,
        difference_points + {{ z_95 }} * difference_se_points as ci95_upper_points
    from differences
)

select
    cast(question_id as varchar) as question_id,
    cast(group_label as varchar) as group_label,
    cast(harmonised_code as integer) as harmonised_code,
    cast(label_nl as varchar) as answer_label_nl,
    cast(sort_order as integer) as answer_sort_order,
    cast(previous_meting as integer) as previous_meting,
    cast(meting as integer) as meting,
    cast(pct_previous as double) as pct_previous,
    cast(pct_current as double) as pct_current,
    cast(valid_n_previous as bigint) as valid_n_previous,
    cast(valid_n_current as bigint) as valid_n_current,
    cast(respondents_previous as bigint) as respondents_previous,
    cast(respondents_current as bigint) as respondents_current,
    cast(difference_points as double) as difference_points,
    cast(pct_previous_weighted as double) as pct_previous_weighted,
    cast(pct_current_weighted as double) as pct_current_weighted,
    cast(pct_current_weighted - pct_previous_weighted as double) as difference_points_weighted,
    cast(difference_se_points as double) as difference_se_points,
    cast(ci95_lower_points as double) as ci95_lower_points,
    cast(ci95_upper_points as double) as ci95_upper_points,
    -- rounded to 1e-9 so that float noise cannot move a difference across the threshold
    cast(abs(round(difference_points, 9)) >= {{ meaningful_points }} as boolean) as meaningful_difference,
    cast(ci95_lower_points > 0 or ci95_upper_points < 0 as boolean) as significant_at_95,
    cast(difference_points is not null as boolean) as is_comparable,
    cast(case
        when difference_points is not null then null
        when previous_group_respondents = 0
            then 'group not in the sample of ' || previous_meting
        when current_group_respondents = 0
            then 'group not in the sample of ' || meting
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
        when coalesce(valid_n_previous, 0) = 0
            then 'no valid answers in ' || previous_meting
        else 'no valid answers in ' || meting
    end as varchar) as comparison_note
from intervals
