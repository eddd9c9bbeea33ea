-- Percentages lie in 0-100; the difference, its interval and both flags agree with each
-- other; a row has both sides (and no note) or a missing side (and a note). Returns offenders.
select
    question_id,
    group_label,
    harmonised_code,
    previous_meting,
    meting,
    pct_previous,
    pct_current,
    difference_points,
    ci95_lower_points,
    ci95_upper_points,
    meaningful_difference,
    significant_at_95,
    comparison_note
from {{ ref('mart_meting_comparison') }}
where
    pct_previous not between 0 and 100
    or pct_current not between 0 and 100
    or (pct_previous is null) <> (valid_n_previous is null or valid_n_previous = 0)
    or (pct_current is null) <> (valid_n_current is null or valid_n_current = 0)
    or is_comparable <> (pct_previous is not null and pct_current is not null)
    or is_comparable = (comparison_note is not null)
    or abs(difference_points - (pct_current - pct_previous)) > 1e-9
    or difference_se_points < 0
    or not (ci95_lower_points <= difference_points and difference_points <= ci95_upper_points)
    or abs((ci95_upper_points - ci95_lower_points) - 2 * 1.96 * difference_se_points) > 1e-9
    or meaningful_difference <> (abs(round(difference_points, 9)) >= 8)
    or significant_at_95 <> (ci95_lower_points > 0 or ci95_upper_points < 0)
    or (is_comparable and (meaningful_difference is null or significant_at_95 is null))
    or (not is_comparable and (difference_points is not null or meaningful_difference is not null))
    or previous_meting >= meting
