-- Every exported code must be in the crosswalk: an unmapped code means the seeds and the
-- export disagree, and the answer would silently drop out of every percentage.
select
    meting,
    questionnaire,
    question_id,
    source_code,
    count(*) as answers
from {{ ref('int_answers') }}
where answer_status = 'unmapped'
group by meting, questionnaire, question_id, source_code
