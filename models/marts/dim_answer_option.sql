-- Every answer option of every answer set, with its labels and what kind of missing it is.
select
    answer_set_id,
    code as harmonised_code,
    label_nl,
    label_en,
    sort_order,
    nullif(missing_type, '') as missing_type,
    coalesce(missing_type, '') = '' as is_valid
from {{ ref('answer_sets') }}
