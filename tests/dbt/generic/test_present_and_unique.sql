{#- Fails for every value of `column_name` that is NULL or occurs more than once: a key column's
    not_null and unique in one query, one dbt node instead of two. -#}
{% test present_and_unique(model, column_name) %}

select
    {{ column_name }},
    count(*) as rows_with_this_value
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1

{% endtest %}
