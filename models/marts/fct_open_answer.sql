-- Open "anders, namelijk" answers, one row per respondent x open question answered, with
-- contact details scrubbed (macros/privacy.sql). The open questions come from the codebook:
-- every text question not marked is_technical (token, timestamps, municipality).

with open_questions as (
    select question_id
    from {{ ref('questions') }}
    where
        value_type = 'text'
        and not is_technical
),

answers as (
    select
        answers.respondent_key,
        answers.meting,
        answers.question_id,
        answers.value_text
    from {{ ref('int_answers') }} as answers
    inner join open_questions
        on answers.question_id = open_questions.question_id
    where
        answers.value_type = 'text'
        and answers.answer_status = 'valid'
        and trim(answers.value_text) <> ''
)

select
    answers.respondent_key,
    answers.meting,
    respondents.group_label,
    answers.question_id,
    respondents.questionnaire_language,
    {{ scrub_contact_details('answers.value_text') }} as answer_text
from answers
inner join {{ ref('fct_respondent') }} as respondents
    on answers.respondent_key = respondents.respondent_key
