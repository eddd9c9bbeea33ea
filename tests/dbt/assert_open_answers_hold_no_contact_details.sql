-- No e-mail address, IBAN, phone number or other long number survives the scrubbing in
-- fct_open_answer: every row returned is a leak.
select
    respondent_key,
    question_id,
    answer_text
from {{ ref('fct_open_answer') }}
where
    {{ has_contact_details('answer_text') }}
    or answer_text like '%@%'
