{#- Which key built the pseudonyms of an incremental model. The per-wave models (int_answers and
    the models that take respondent_key from it) keep the rows of metingen they do not rebuild,
    so a build under a new key would leave old metingen with old keys beside new ones. Each
    incremental model therefore records, after it built, a fingerprint of the key it used, in
    intermediate.pseudonym_key_fingerprint (one row per model); an incremental run under another
    key stops before the model is touched and says a full refresh is needed.

    The fingerprint is the keyed hash of a fixed text, so it tells keys apart without revealing
    one, and it is compared inside DuckDB: like the key, it never appears in compiled SQL or logs.
    A table built before fingerprints were recorded has no row: the build refuses the same way,
    since nothing says which key built it. -#}

{% macro key_fingerprint_relation() -%}
    {{- return(api.Relation.create(database=target.database, schema='intermediate',
                                   identifier='pseudonym_key_fingerprint')) -}}
{%- endmacro %}


{% macro key_fingerprint() -%}
    {{ keyed_hash("'pseudonym key fingerprint'") }}
{%- endmacro %}


{% macro check_key_fingerprint() %}
    {#- called by meting_batch for an incremental run of an existing table -#}
    {% set recorded = adapter.get_relation(database=target.database, schema='intermediate',
                                           identifier='pseudonym_key_fingerprint') %}
    {% set verdict = 'unrecorded' %}
    {% if recorded is not none %}
        {% set query %}
            select case when fingerprint = {{ key_fingerprint() }} then 'same' else 'changed' end
            from {{ recorded }}
            where model = '{{ this.identifier }}'
        {% endset %}
        {% set rows = run_query(query).columns[0].values() %}
        {% set verdict = rows[0] if rows | length > 0 else 'unrecorded' %}
    {% endif %}
    {% if verdict == 'changed' %}
        {% do exceptions.raise_compiler_error(this ~ ' was built with another pseudonym key than INBURGERING_PSEUDONYM_KEY '
            ~ 'holds now: its metingen would keep their old respondent_key beside new ones. Rebuild every key '
            ~ 'with dbt build --full-refresh (or use the key the warehouse was built with).') %}
    {% elif verdict == 'unrecorded' %}
        {% do exceptions.raise_compiler_error(this ~ ' has no record of the pseudonym key that built it (built before '
            ~ 'key fingerprints were recorded): rebuild once with dbt build --full-refresh') %}
    {% endif %}
{% endmacro %}


{% macro record_key_fingerprints(results) %}
    {#- on-run-end (one statement after all models, so parallel models never race on the table):
        the key this run used, for each incremental model it built -#}
    {% set built = [] %}
    {% for result in results if result.status == 'success' and result.node.resource_type == 'model'
        and result.node.config.materialized == 'incremental' %}
        {% do built.append(result.node.alias or result.node.name) %}
    {% endfor %}
    {#- only a run or build writes tables; compile and docs generate report 'success' too, and
        must not record a key that built nothing -#}
    {% if not execute or flags.WHICH not in ('run', 'build') or flags.EMPTY or built | length == 0 %}
        {{ return('') }}
    {% endif %}
    {% set relation = key_fingerprint_relation() %}
    create schema if not exists {{ relation.schema }};
    create table if not exists {{ relation }} (
        model varchar primary key,
        fingerprint varchar not null,
        recorded_at timestamp not null
    );
    insert or replace into {{ relation }}
    select model, {{ key_fingerprint() }}, {{ built_at() }}
    from (values ('{{ built | join("'), ('") }}')) as built (model)
{% endmacro %}
