-- Every valid open answer reaches fct_open_answer exactly once, and the scrubbing changes a
-- text only where it held contact details: rows returned are answers lost, duplicated,
-- altered without a placeholder, or of a question that is not open. The open questions are
-- the codebook's (questions.csv: text, not technical), so a new one needs no edit here.
with open_questions as (
    select question_id
    from {{ ref('questions') }}
    where
        value_type = 'text'
        and not is_technical
),

source as (
    select
        answers.respondent_key,
        answers.question_id,
        answers.value_text
    from {{ ref('int_answers') }} as answers
    inner join open_questions
        on answers.question_id = open_questions.question_id
    where
        answers.answer_status = 'valid'
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
