-- Answers exist only for questions the codebook says were asked in that export.
select
    answers.meting,
    answers.questionnaire,
    answers.question_id
from {{ ref('int_answers') }} as answers
left join {{ ref('question_availability') }} as availability
    on
        answers.question_id = availability.question_id
        and answers.meting = availability.meting
        and answers.questionnaire = availability.questionnaire
where availability.question_id is null
group by answers.meting, answers.questionnaire, answers.question_id
