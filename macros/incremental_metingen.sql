{#- Incremental waves. The per-wave models (int_answers, int_respondents, fct_answer,
    fct_open_answer) are incremental with delete+insert keyed by meting: a build replaces the
    rows of the metingen in its batch and leaves every other meting's rows untouched. Which
    metingen are in the batch is decided from metadata, never by hand:

    - every row carries `_built_at`, the start of the dbt invocation that wrote it (naive UTC,
      like the loader's timestamps): the model's watermark per meting;
    - a meting is (re)processed when its source changed after that watermark, or when the
      model does not hold it yet. For int_answers the source is raw.load_registry (a current
      export of the meting loaded, or re-loaded with --replace, after the last build); for the
      models downstream it is the upstream model's own `_built_at`, so whatever int_answers
      rewrote flows on, also when int_answers was built by an earlier invocation;
    - `--vars '{refresh_metingen: [2025]}'` adds metingen by hand (a crosswalk fix in the seeds
      changes a meting without a new load), `--full-refresh` rebuilds all of them.

    Not covered by the watermark: a change of SQL or seeds (run --full-refresh or name the
    metingen), and a meting that disappears from the sources (delete+insert never deletes a
    meting that yields no rows; --full-refresh does). -#}

{% macro built_at() -%}
    {#- One value per invocation, identical in every model, so downstream watermarks compare
        equal to upstream ones after the same run. It is the run's start, so a load that
        commits while dbt runs is newer and gets picked up by the next run. -#}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{% macro refresh_metingen_var() %}
    {#- the override as a list of integers: accepts [2024, 2025], 2024 or "2024,2025" -#}
    {% set value = var('refresh_metingen', []) %}
    {% if value is none %}{{ return([]) }}{% endif %}
    {% if value is string %}{% set value = value.split(',') | map('trim') | reject('equalto', '') | list %}{% endif %}
    {% if value is number %}{% set value = [value] %}{% endif %}
    {{ return(value | map('int') | list) }}
{% endmacro %}


{% macro meting_batch(source_watermarks) %}
    {#- The metingen this run (re)builds: none = all of them (first build, --full-refresh, or
        no metadata to decide with), otherwise a sorted list, possibly empty.
        source_watermarks: SQL giving (meting, changed_at), or none when there is no metadata. -#}
    {% if not execute or not is_incremental() %}
        {{ return(none) }}
    {% endif %}
    {#- kept rows hold keys: never mix two pseudonym keys in one table (pseudonym_key_fingerprint.sql) -#}
    {% do check_key_fingerprint() %}
    {% if source_watermarks is none %}
        {{ return(none) }}
    {% endif %}
    {% if '_built_at' not in adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
        {#- a table from before incremental waves: nothing says which metingen are current -#}
        {% do exceptions.raise_compiler_error(this ~ ' has no _built_at watermark (built before incremental '
            ~ 'waves): rebuild once with dbt build --full-refresh (or --full-refresh --select ' ~ this.identifier ~ '+)') %}
    {% endif %}
    {% set query %}
        with source as (
            {{ source_watermarks }}
        ),

        built as (
            select meting, max(_built_at) as built_at
            from {{ this }}
            group by meting
        )

        select source.meting
        from source
        left join built on source.meting = built.meting
        where built.built_at is null or source.changed_at > built.built_at
        order by source.meting
    {% endset %}
    {% set stale = run_query(query).columns[0].values() | map('int') | list %}
    {% set batch = (stale + refresh_metingen_var()) | unique | sort | list %}
    {% do log(this.identifier ~ ': incremental batch, metingen ' ~ batch ~ ' (changed: ' ~ stale
              ~ ', refresh_metingen: ' ~ refresh_metingen_var() ~ ')', info=True) %}
    {{ return(batch) }}
{% endmacro %}


{% macro raw_load_watermarks() %}
    {#- int_answers' source watermark: the latest load of a current export per meting. none
        when the warehouse has no load registry (raw tables put there by other means): then
        every meting is rebuilt, the safe answer. -#}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% set registry = adapter.get_relation(database=target.database, schema='raw', identifier='load_registry') %}
    {% if registry is none %}{{ return(none) }}{% endif %}
    {{ return('select meting, max(loaded_at) as changed_at from ' ~ registry
              ~ " where status = 'current' group by meting") }}
{% endmacro %}


{% macro upstream_watermarks(relation) %}
    {#- a downstream model's source watermark: when the upstream model last rewrote each meting -#}
    {{ return('select meting, max(_built_at) as changed_at from ' ~ relation ~ ' group by meting') }}
{% endmacro %}


{% macro meting_filter(column, batch) -%}
    {#- a where-clause term keeping the batch's metingen (true when the batch is all of them).
        A batch is marked in the compiled SQL (incremental_batch_marker): the benchmark's
        plain-SQL floor refuses such code, which reads one wave, as the cost of a full build. -#}
    {%- if batch is none -%}
        true
    {%- elif batch | length == 0 -%}
        false {{ incremental_batch_marker(batch) }}
    {%- else -%}
        {{ column }} in ({{ batch | join(', ') }}) {{ incremental_batch_marker(batch) }}
    {%- endif -%}
{%- endmacro %}


{% macro incremental_batch_marker(batch) -%}
    {%- if batch is not none -%}
        /* incremental batch: metingen {{ batch | join(', ') }} */
    {%- endif -%}
{%- endmacro %}


{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
    {#- dbt-duckdb's delete+insert, with one change: the keys to delete are read as a distinct
        list. Its own `where meting in (select meting from <batch>)` hashes every row of the
        batch (tens of millions at scale 100) to find one or two metingen. Only the single-key
        form differs; a list of keys goes to the adapter's own macro. -#}
    {%- if unique_key is string -%}
        {%- set dest_cols_csv = get_quoted_csv(dest_columns | map(attribute="name")) -%}
        delete from {{ target }}
        where ({{ unique_key }}) in (select distinct ({{ unique_key }}) from {{ source }})
        {%- for predicate in incremental_predicates or [] %}
            and {{ predicate }}
        {%- endfor %};

        insert into {{ target }} ({{ dest_cols_csv }})
        (
            select {{ dest_cols_csv }}
            from {{ source }}
        )
    {%- else -%}
        {{ dbt_duckdb.duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns,
                                                           incremental_predicates) }}
    {%- endif -%}
{%- endmacro %}
