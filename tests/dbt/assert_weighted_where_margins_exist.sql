-- Every respondent whose meting has a weighting target and whose group has a population count
-- in that target's margins carries a weight: a NULL there means the weighting failed silently
-- (NaN weights, a key that no longer joins), not that there was nothing to weight to.
select
    respondents.respondent_key,
    respondents.meting,
    respondents.group_label,
    respondents.weighting_note
from {{ ref('fct_respondent') }} as respondents
inner join {{ ref('weighting_targets') }} as targets
    on respondents.meting = targets.meting
inner join {{ ref('population_margins') }} as margins
    on
        targets.margins_meting = margins.meting
        and respondents.group_label = margins.group_label
        and margins.dimension = 'group'
where respondents.weight is null or not isfinite(respondents.weight)
