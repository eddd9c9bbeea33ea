-- The codebook's questions with where they were asked: one row per harmonised question.
with availability as (
    select
        question_id,
        string_agg(distinct cast(meting as varchar), ', ' order by cast(meting as varchar)) as metingen,
        string_agg(distinct meting || ' ' || questionnaire, '; ' order by meting || ' ' || questionnaire)
            as asked_in,
        count(distinct meting) as meting_count
    from {{ ref('question_availability') }}
    group by question_id
)

select
    questions.question_id,
    questions.question_group,
    questions.chapter,
    questions.topic,
    questions.question_text_nl,
    questions.question_text_en,
    questions.item_label_nl,
    questions.item_label_en,
    questions.value_type,
    questions.answer_set_id,
    questions.universe_rule,
    questions.universe_nl,
    questions.report_tables,
    questions.composite,
    questions.is_technical,
    availability.metingen,
    availability.asked_in,
    cast(coalesce(availability.meting_count, 0) as integer) as meting_count
from {{ ref('questions') }} as questions
left join availability
    on questions.question_id = availability.question_id
