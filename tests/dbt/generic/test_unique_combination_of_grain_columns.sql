{#- Fails for every combination of `columns` that occurs more than once: the grain test that
    dbt_utils.unique_combination_of_columns would give (no dbt packages in this project).
    NULLs count as a value, so two rows with the same NULL key are duplicates too. -#}
{% test unique_combination_of_grain_columns(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as rows_with_this_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
