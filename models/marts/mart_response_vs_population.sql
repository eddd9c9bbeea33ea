-- Tabellen 2.9-2.12 rebuilt: the DUO population beside the survey's respondents, per meting,
-- dimension (group, gender, leerroute, age_band), group and category. Population columns come
-- from seeds/population_margins.csv (meting 2024 only: the report publishes no population for
-- 2023, whose rows keep their sample side and NULL population columns). The sample side is
-- counted from fct_respondent and sits beside the counts and shares the report printed.
--
-- Shares as the report prints them: Tabel 2.9 (group) as shares of the total, 2.10-2.12 within
-- the group. Only the categories the tables print are counted (gender man/vrouw, a known
-- leerroute, age 18-76 in a band), so respondents with gender 'anders' or no answer, or an
-- unknown route or age, are left out of counts and denominators, as in the report (its sample
-- counts per table add up to less than the Tabel 2.9 group sizes).
{%- set onbekend_reason = 'not comparable: population = persons with another administrative status at DUO '
    ~ '(report footnote 6), sample = Wi2013 respondents who did not state their permit; '
    ~ 'printed n.v.t. and left out of the sample shares' %}

with respondents as (
    select
        meting,
        group_label,
        -- Tabel 2.10 prints Mannen and Vrouwen only
        case when gender in ('man', 'vrouw') then gender end as printed_gender,
        leerroute,
        age_band
    from {{ ref('fct_respondent') }}
),

margins as (
    select * from {{ ref('population_margins') }}
),

dimensions as (
    select listed.dimension from (values ('group'), ('gender'), ('leerroute'), ('age_band')) as listed (dimension)
),

respondent_categories as (
    -- one row per respondent and dimension: the category the respondent counts in there
    select
        respondents.meting,
        dimensions.dimension,
        respondents.group_label,
        case dimensions.dimension
            when 'group' then respondents.group_label
            when 'gender' then respondents.printed_gender
            when 'leerroute' then respondents.leerroute
            when 'age_band' then respondents.age_band
        end as category
    from respondents
    cross join dimensions
),

sample_cells as (
    select
        meting,
        dimension,
        group_label,
        category,
        count(*) as sample_count
    from respondent_categories
    where category is not null
    group by meting, dimension, group_label, category
),

sampled_metingen as (
    select distinct meting from respondents
),

margin_metingen as (
    select distinct meting from margins
),

metingen as (
    select meting from sampled_metingen
    union
    select meting from margin_metingen
),

cells as (
    -- every cell either side knows, in every meting: a category empty in one meting still
    -- shows up there with a count of 0
    select
        dimension,
        group_label,
        category
    from sample_cells
    union
    select
        dimension,
        group_label,
        category
    from margins
),

grid as (
    select
        metingen.meting,
        cells.dimension,
        cells.group_label,
        cells.category
    from metingen
    cross join cells
),

joined as (
    select
        grid.meting,
        grid.dimension,
        grid.group_label,
        grid.category,
        margins.source_table,
        margins.population_count,
        margins.population_pct_printed,
        margins.sample_count_printed,
        margins.sample_pct_printed,
        sampled_metingen.meting is not null as meting_sampled,
        margin_metingen.meting is not null as meting_has_margins,
        case when sampled_metingen.meting is not null then coalesce(sample_cells.sample_count, 0) end
            as sample_count,
        -- Wi2013-onbekend means different things on the two sides (population: another
        -- administrative status at DUO; sample: no permit stated), so Tabel 2.9 leaves it out
        -- of the sample total ("n.v.t."); the shares of the other groups are over 5,106.
        (grid.dimension <> 'group' or grid.group_label <> 'Wi2013-onbekend') as in_sample_base,
        -- the denominator: the whole meting for Tabel 2.9, the group for Tabellen 2.10-2.12
        case when grid.dimension = 'group' then '(all groups)' else grid.group_label end as share_base
    from grid
    left join margins
        on
            grid.meting = margins.meting
            and grid.dimension = margins.dimension
            and grid.group_label = margins.group_label
            and grid.category = margins.category
    left join sample_cells
        on
            grid.meting = sample_cells.meting
            and grid.dimension = sample_cells.dimension
            and grid.group_label = sample_cells.group_label
            and grid.category = sample_cells.category
    left join sampled_metingen
        on grid.meting = sampled_metingen.meting
    left join margin_metingen
        on grid.meting = margin_metingen.meting
),

based as (
    select
        *,
        sum(population_count) over (partition by meting, dimension, share_base) as population_base,
        sum(sample_count) filter (where in_sample_base)
            over (partition by meting, dimension, share_base) as sample_base
    from joined
),

shared as (
    select
        *,
        100.0 * population_count / nullif(population_base, 0) as population_share_pct,
        case when in_sample_base then 100.0 * sample_count / nullif(sample_base, 0) end as sample_share_pct
    from based
)

select
    cast(meting as integer) as meting,
    cast(dimension as varchar) as dimension,
    cast(group_label as varchar) as group_label,
    cast(category as varchar) as category,
    cast(source_table as varchar) as source_table,
    cast(population_count as bigint) as population_count,
    cast(population_base as bigint) as population_base,
    cast(population_share_pct as double) as population_share_pct,
    cast(population_pct_printed as double) as population_pct_printed,
    cast(sample_count as bigint) as sample_count,
    cast(sample_base as bigint) as sample_base,
    cast(sample_share_pct as double) as sample_share_pct,
    cast(sample_count_printed as bigint) as sample_count_printed,
    cast(sample_pct_printed as double) as sample_pct_printed,
    cast(sample_count - sample_count_printed as bigint) as sample_count_minus_printed,
    cast(sample_share_pct - population_share_pct as double) as share_difference_points,
    cast(sample_pct_printed - population_pct_printed as double) as printed_difference_points,
    cast(case
        when not meting_has_margins
            then format(
                'no population margins for meting {}: DUO population figures are published for {} only '
                || '(Tabellen 2.9-2.12)',
                meting,
                (
                    select string_agg(cast(listed.meting as varchar), ', ' order by listed.meting)
                    from margin_metingen as listed
                )
            )
        when not in_sample_base
            then '{{ onbekend_reason }}'
        when population_count is null
            then 'no population margin for this cell in the report'
        when not meting_sampled
            then format('no respondents of meting {} in the warehouse', meting)
    end as varchar) as note
from shared
