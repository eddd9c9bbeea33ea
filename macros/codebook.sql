{#- Harmonisation driven by the codebook seeds: which exports exist, what their variables
    are called and how they are typed. Models call these instead of listing variables, so a
    new meting is rows in the seeds, not new SQL. -#}

{% macro raw_export_name(meting, questionnaire) -%}
    export_{{ meting }}_{{ questionnaire | lower | replace('-', '_') }}
{%- endmacro %}


{% macro codebook_exports() %}
    {#- [meting, questionnaire] pairs described by source_variables, oldest first -#}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set query %}
        select distinct meting, questionnaire from {{ ref('source_variables') }} order by meting, questionnaire
    {% endset %}
    {{ return(run_query(query).rows | map('list') | list) }}
{% endmacro %}


{% macro export_layout(meting, questionnaire) %}
    {#- the export's variables in questionnaire order: [source_variable, question_id, value_type] -#}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set query %}
        select source_variable, question_id, value_type
        from {{ ref('source_variables') }}
        where meting = {{ meting }} and questionnaire = '{{ questionnaire }}'
        order by position
    {% endset %}
    {{ return(run_query(query).rows | map('list') | list) }}
{% endmacro %}


{% macro raw_export_relation(meting, questionnaire) %}
    {{ return(adapter.get_relation(database=target.database, schema='raw',
                                   identifier=raw_export_name(meting, questionnaire))) }}
{% endmacro %}


{% macro typed_column(source_variable, question_id, value_type) -%}
    {%- if value_type in ('categorical', 'multi_response_option', 'integer') -%}
        try_cast("{{ source_variable }}" as integer)
    {%- elif value_type == 'date' -%}
        try_cast("{{ source_variable }}" as date)
    {%- else -%}
        nullif(cast("{{ source_variable }}" as varchar), '')
    {%- endif %} as {{ question_id }}
{%- endmacro %}


{% macro stage_export(meting, questionnaire, relation=none) %}
    {#- One export renamed to question ids and typed: codes stay source codes here, the
        crosswalk maps them in intermediate. -#}
    {%- set relation = relation or source('raw', raw_export_name(meting, questionnaire)) -%}
    -- depends_on: {{ ref('source_variables') }}
    {%- if execute and adapter.get_relation(relation.database, relation.schema, relation.identifier) is none %}
    {#- not landed yet: an empty, typed relation keeps the rest of the warehouse building #}
    select
        {%- for source_variable, question_id, value_type in export_layout(meting, questionnaire) %}
        {{ typed_column('null', question_id, value_type) | replace('"null"', 'null') }},
        {%- endfor %}
        cast({{ meting }} as integer) as meting,
        '{{ questionnaire }}' as questionnaire,
        cast(null as varchar) as source_file,
        cast(null as varchar) as source_sha256,
        cast(null as timestamp) as loaded_at
    where false
    {%- else %}
    select
        {%- for source_variable, question_id, value_type in export_layout(meting, questionnaire) %}
        {{ typed_column(source_variable, question_id, value_type) }},
        {%- endfor %}
        cast({{ meting }} as integer) as meting,
        '{{ questionnaire }}' as questionnaire,
        _source_file as source_file,
        _source_sha256 as source_sha256,
        _loaded_at as loaded_at
    from {{ relation }}
    {%- endif %}
{% endmacro %}


{% macro stage_named_export() %}
    {#- The staging view of the export the model is named after (stg_<meting>__<questionnaire>),
        so that every staging file is the same line and names no meting. -#}
    {%- set meting, slug = model.name[4:].split('__') %}
    {%- set relation = source('raw', 'export_' ~ meting ~ '_' ~ slug) %}
    {%- if not execute %}{% do ref('source_variables') %}{{ return('') }}{% endif %}
    {%- set questionnaires = [] %}
    {%- for export_meting, questionnaire in codebook_exports() %}
        {%- if export_meting == meting | int and questionnaire | lower | replace('-', '_') == slug %}
            {%- do questionnaires.append(questionnaire) %}
        {%- endif %}
    {%- endfor %}
    {%- if questionnaires | length != 1 %}
        {{ exceptions.raise_compiler_error("staging model " ~ model.name ~ " is named after no export of "
                                           ~ "seeds/codebook/source_variables.csv (stg_<meting>__<questionnaire>)") }}
    {%- endif %}
    {{ return(stage_export(meting | int, questionnaires[0], relation)) }}
{% endmacro %}


{% macro staged_exports() %}
    {#- Every export the codebook describes and the warehouse holds, staged from its raw table
        (stage_export, as the staging views are): [{meting, questionnaire, sql}], oldest first.
        An export not landed yet is left out. -#}
    {% set found = [] %}
    {% for meting, questionnaire in codebook_exports() %}
        {% set relation = raw_export_relation(meting, questionnaire) %}
        {% if relation is not none %}
            {% do found.append({'meting': meting, 'questionnaire': questionnaire,
                                'sql': stage_export(meting, questionnaire, relation)}) %}
        {% endif %}
    {% endfor %}
    {{ return(found) }}
{% endmacro %}
