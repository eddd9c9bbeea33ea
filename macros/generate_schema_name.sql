{#- Use the configured schema as is (staging, marts, ...) instead of dbt's
    default "<target schema>_<custom schema>", so analysts see clean names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
