{#- Fails with a row per column of `columns` that holds a NULL, naming the column and how many
    rows lack it: a table's not-null columns in one scan and one dbt node, where a not_null test
    per column would read the table once per column. (Models with an enforced contract declare
    NOT NULL in the table itself instead.) -#}
{% test not_null_columns(model, columns) %}

with counted as (
    select
        {%- for column in columns %}
        count(*) filter (where {{ column }} is null) as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ model }}
),

by_column as (
    unpivot counted on columns(*) into name column_name value rows_without_value
)

select column_name, rows_without_value
from by_column
where rows_without_value > 0

{% endtest %}
