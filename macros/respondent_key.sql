{#- Keyed pseudonyms. The export's token is pseudonymous but linkable by anyone
    holding the survey platform's files; the warehouse keys it with a secret so keys in the
    marts can only be recomputed by whoever holds INBURGERING_PSEUDONYM_KEY.

    keyed_hash(value) = sha256(key || sha256(key || value)): the nested (HMAC-style)
    construction, since DuckDB 2.0 has sha256 but no hmac function. The inner hash has a fixed
    length, so the outer one is not open to length extension. Every pseudonym carries a domain
    prefix ('respondent|', 'person|') so a respondent_key never equals a person_key.

    The key: INBURGERING_PSEUDONYM_KEY from the environment, never in the repository, and never
    in SQL text either: the compiled SQL reads the DuckDB session variable
    inburgering_pseudonym_key, which the dbt-duckdb plugin orchestration.privacy.dbt_plugin
    (profiles.yml) sets on every connection with a bound parameter. No macro reads the key with
    env_var(), since dbt records the values of the env vars it renders (partial_parse.msgpack).
    So target/ and logs/ hold no key. Unset, the plugin refuses to open a connection, unless
    INBURGERING_DEMO=1 asks for the public demo key. A connection without the variable fails
    loudly rather than hashing with NULL. -#}

{% macro pseudonym_key() -%}
    {{- return("coalesce(getvariable('inburgering_pseudonym_key'), error('no pseudonym key on this connection:"
        ~ " profiles.yml must list the plugin orchestration.privacy.dbt_plugin'))") -}}
{%- endmacro %}


{% macro keyed_hash(value_sql) -%}
    {%- set key = pseudonym_key() -%}
    sha256({{ key }} || sha256({{ key }} || {{ value_sql }}))
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
