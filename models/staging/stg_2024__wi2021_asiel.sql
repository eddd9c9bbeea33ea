-- Meting 2024, Wi2021-asiel: renamed and typed; codes stay codes, user-missing codes
-- (9 / 6) become NULL here and their meaning is kept in the *_missing columns.
with source as (
    select * from {{ source('raw', 'export_2024_wi2021_asiel') }}
)

select
    token as respondent_token,
    cast(_meting as integer) as meting,
    _questionnaire as questionnaire,
    cast(taal as integer) as questionnaire_language_code,
    cast(case when q1 in (1, 2) then q1 end as integer) as gender_code,
    cast(q2 as integer) as birth_year,
    cast(case when q5 in (1, 2, 3) then q5 end as integer) as leerroute_code,
    cast(q6 as date) as pip_received_date,
    cast(q8 as integer) as health_code,
    cast(case when q20_1 between 1 and 5 then q20_1 end as integer) as goal_prepared_for_job_code,
    q20_1 = 6 as goal_prepared_for_job_dont_know,
    _source_file as source_file,
    _source_sha256 as source_sha256,
    _loaded_at as loaded_at
from source
