{#- Keyed pseudonyms (issue 7). The export's token is pseudonymous but linkable by anyone
    holding the survey platform's files; the warehouse keys it with a secret so keys in the
    marts can only be recomputed by whoever holds INBURGERING_PSEUDONYM_KEY.

    keyed_hash(value) = sha256(key || sha256(key || value)): the nested (HMAC-style)
    construction, since DuckDB 2.0 has sha256 but no hmac function. The inner hash has a fixed
    length, so the outer one is not open to length extension. Every pseudonym carries a domain
    prefix ('respondent|', 'person|') so a respondent_key never equals a person_key.

    The key: INBURGERING_PSEUDONYM_KEY from the environment, never in the repository. When it
    is unset, a clearly marked development key is used and dbt warns, so `make run` and the
    tests work without a secret; keys built with it are NOT pseudonymous against anyone who
    has this repository. Set `--vars '{pseudonym_key_required: true}'` (production) to fail
    instead. -#}

{% macro pseudonym_key() -%}
    {%- set key = env_var('INBURGERING_PSEUDONYM_KEY', '') -%}
    {%- if key == '' -%}
        {%- if var('pseudonym_key_required', false) -%}
            {{ exceptions.raise_compiler_error(
                'INBURGERING_PSEUDONYM_KEY is not set and pseudonym_key_required is true') }}
        {%- endif -%}
        {%- set key = var('pseudonym_dev_key') -%}
        {%- if execute -%}
            {%- do exceptions.warn(
                'INBURGERING_PSEUDONYM_KEY is not set: ' ~ model.name ~ ' uses the development key'
                ~ ' from dbt_project.yml; its pseudonyms are not protected. Set the variable for real data.') -%}
        {%- endif -%}
    {%- endif -%}
    {{- return(key) -}}
{%- endmacro %}


{% macro keyed_hash(value_sql) -%}
    {%- set key = pseudonym_key() | replace("'", "''") -%}
    sha256('{{ key }}' || sha256('{{ key }}' || {{ value_sql }}))
{%- endmacro %}


{#- A respondent within a meting: the same person in two waves gives two facts
    (dim_respondent links them through person_key). -#}
{% macro respondent_key(meting, token) -%}
    {{ keyed_hash("'respondent|' || cast(" ~ meting ~ " as varchar) || '|' || " ~ token) }}
{%- endmacro %}


{#- The person across metingen: stable for the same token in every meting. -#}
{% macro person_key(token) -%}
    {{ keyed_hash("'person|' || " ~ token) }}
{%- endmacro %}
