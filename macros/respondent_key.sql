{#- A respondent within a meting. The token is pseudonymous already; the key adds the meting
    so the same person in two waves gives two facts (dim_respondent links them). -#}
{% macro respondent_key(meting, token) -%}
    md5(cast({{ meting }} as varchar) || '|' || {{ token }})
{%- endmacro %}
