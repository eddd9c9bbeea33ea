-- A harmonised code must be an option of the question's own answer set.
select
    fct_answer.question_id,
    fct_answer.harmonised_code,
    count(*) as answers
from {{ ref('fct_answer') }} as fct_answer
inner join {{ ref('dim_question') }} as dim_question
    on fct_answer.question_id = dim_question.question_id
left join {{ ref('dim_answer_option') }} as dim_answer_option
    on
        dim_question.answer_set_id = dim_answer_option.answer_set_id
        and fct_answer.harmonised_code = dim_answer_option.harmonised_code
where fct_answer.harmonised_code is not null and dim_answer_option.harmonised_code is null
group by fct_answer.question_id, fct_answer.harmonised_code
