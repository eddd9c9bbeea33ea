-- Dimension group (Tabel 2.9): every group's sample count in every meting equals its number
-- of fct_respondent rows, and every group of fct_respondent has its row. A meting with margins
-- but no respondents yet (e.g. only 2023 landed) has NULL sample counts: none. Returns offenders.
with expected as (
    select
        meting,
        group_label,
        count(*) as respondents
    from {{ ref('fct_respondent') }}
    group by meting, group_label
),

actual as (
    select
        meting,
        group_label,
        sample_count
    from {{ ref('mart_response_vs_population') }}
    where dimension = 'group'
)

select
    coalesce(expected.meting, actual.meting) as meting,
    coalesce(expected.group_label, actual.group_label) as group_label,
    expected.respondents,
    actual.sample_count
from expected
full outer join actual
    on expected.meting = actual.meting and expected.group_label = actual.group_label
where
    actual.group_label is null
    or coalesce(expected.respondents, 0) <> coalesce(actual.sample_count, 0)
