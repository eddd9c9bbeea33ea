-- Every valid open answer reaches fct_open_answer exactly once, and the scrubbing changes a
-- text only where it held contact details: rows returned are answers lost, duplicated or
-- altered without a placeholder.
with source as (
    select
        answers.respondent_key,
        answers.question_id,
        answers.value_text
    from {{ ref('int_answers') }} as answers
    where
        answers.question_id in ('country_other_text', 'education_other_text')
        and answers.answer_status = 'valid'
        and trim(answers.value_text) <> ''
),

published as (
    select
        respondent_key,
        question_id,
        answer_text
    from {{ ref('fct_open_answer') }}
)

select
    coalesce(source.respondent_key, published.respondent_key) as respondent_key,
    coalesce(source.question_id, published.question_id) as question_id,
    source.value_text,
    published.answer_text
from source
full outer join published
    on
        source.respondent_key = published.respondent_key
        and source.question_id = published.question_id
where
    source.respondent_key is null
    or published.respondent_key is null
    or (
        source.value_text <> published.answer_text
        and not regexp_matches(published.answer_text, '\[(e-mail|iban|telefoon|nummer)\]')
    )
