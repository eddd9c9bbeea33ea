-- Percentages lie in 0-100; each difference, its interval and its flags agree with each other,
-- unweighted and weighted; emphasised means meaningful and significant; a row has both sides
-- (and no note) or a missing side (and a note). Returns offenders.
select
    question_id,
    breakdown_value,
    category_id,
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
    or pct_previous_weighted not between 0 and 100
    or pct_current_weighted not between 0 and 100
    or (pct_previous is null) <> (base_n_previous is null or base_n_previous = 0)
    or (pct_current is null) <> (base_n_current is null or base_n_current = 0)
    or is_comparable <> (pct_previous is not null and pct_current is not null)
    or is_comparable = (comparison_note is not null)
    or abs(difference_points - (pct_current - pct_previous)) > 1e-9
    or abs(difference_points_weighted - (pct_current_weighted - pct_previous_weighted)) > 1e-9
    or difference_se_points < 0
    or difference_se_points_weighted < 0
    or not (ci95_lower_points <= difference_points and difference_points <= ci95_upper_points)
    or abs((ci95_upper_points - ci95_lower_points) - 2 * 1.96 * difference_se_points) > 1e-9
    or abs((ci95_upper_points_weighted - ci95_lower_points_weighted) - 2 * 1.96 * difference_se_points_weighted) > 1e-9
    or meaningful_difference <> (abs(round(difference_points, 9)) >= 8)
    or meaningful_difference_weighted <> (abs(round(difference_points_weighted, 9)) >= 8)
    or significant_at_95 <> (ci95_lower_points > 0 or ci95_upper_points < 0)
    or significant_at_95_weighted <> (ci95_lower_points_weighted > 0 or ci95_upper_points_weighted < 0)
    or emphasised <> (meaningful_difference and significant_at_95)
    or emphasised_weighted <> (meaningful_difference_weighted and significant_at_95_weighted)
    or (is_comparable and (meaningful_difference is null or significant_at_95 is null))
    or (not is_comparable and (difference_points is not null or meaningful_difference is not null))
    or previous_meting >= meting
