-- Respondent x question x harmonised answer, for every coded question of the codebook.
-- Open text stays out of the marts (it may hold contact details); dates and years are in
-- fct_respondent.

select
    answers.respondent_key,
    answers.meting,
    respondents.group_label,
    answers.question_id,
    answers.harmonised_code,
    answers.answer_status
from {{ ref('int_answers') }} as answers
inner join {{ ref('fct_respondent') }} as respondents
    on answers.respondent_key = respondents.respondent_key
where answers.value_type in ('categorical', 'multi_response_option')
