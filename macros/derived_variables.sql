{#- Derived variables read from their seeds (seeds/derived, seeds/codebook) when a model is
    compiled, so that the SQL names no meting, wave-specific question or scale: a new one is a
    seed row. The seeds are read through their warehouse relations, not ref(): a unit test
    swaps ref() for a fixture the warehouse does not hold, and these lists shape the SQL, not
    the rows. -#}

{% macro seed_relation(seed_name) %}
    {#- graph holds no nodes while dbt parses, when the ref() makes the calling model depend on
        the seed (built before it) -#}
    {%- if not execute %}{% do ref(seed_name) %}{{ return(none) }}{% endif %}
    {%- set nodes = graph.nodes.values() | selectattr('resource_type', 'equalto', 'seed')
                                         | selectattr('name', 'equalto', seed_name) | list %}
    {%- if not nodes %}
        {{ exceptions.raise_compiler_error("no seed named '" ~ seed_name ~ "' in the project") }}
    {%- endif %}
    {{ return(api.Relation.create(database=nodes[0].database, schema=nodes[0].schema,
                                  identifier=nodes[0].alias)) }}
{% endmacro %}


{% macro metadata_rows(query) %}
    {#- the rows of a query over the seeds, as lists; none while dbt parses -#}
    {% if not execute %}{{ return([]) }}{% endif %}
    {{ return(run_query(query).rows | map('list') | list) }}
{% endmacro %}


{% macro respondent_variables() %}
    {#- [question_id, value_kind] of the questions int_respondents puts side by side, in order:
        value_kind is code (harmonised code of a valid answer), text or integer -#}
    {% set query %}
        select question_id, value_kind from {{ seed_relation('respondent_variables') }} order by position
    {% endset %}
    {{ return(metadata_rows(query)) }}
{% endmacro %}


{% macro composite_scales() %}
    {#- the composite scales of the codebook (questions.composite), in the order the codebook
        lists their first item -#}
    {% set query %}
        select composite from {{ seed_relation('questions') }}
        where composite <> ''
        group by composite
        order by min(rowid)
    {% endset %}
    {{ return(metadata_rows(query) | map(attribute=0) | list) }}
{% endmacro %}


{% macro combined_answers(variable) %}
    {#- the questions whose answers together make one variable (seed combined_answers) and the
        answer set they share (seed questions): {questions: [...], answer_set_id: ...} -#}
    {% set query %}
        select combined.question_id, questions.answer_set_id
        from {{ seed_relation('combined_answers') }} as combined
        left join {{ seed_relation('questions') }} as questions
            on combined.question_id = questions.question_id
        where combined.variable = '{{ variable }}'
        order by combined.question_id
    {% endset %}
    {% set rows = metadata_rows(query) %}
    {% set answer_sets = rows | map(attribute=1) | unique | list %}
    {% if execute and (not rows or answer_sets | length != 1 or not answer_sets[0]) %}
        {{ exceptions.raise_compiler_error("seed combined_answers: '" ~ variable ~ "' needs questions of the codebook "
                                           ~ "that share one answer set, found " ~ rows) }}
    {% endif %}
    {{ return({'questions': rows | map(attribute=0) | list, 'answer_set_id': answer_sets[0] if answer_sets else ''}) }}
{% endmacro %}


{% macro value_key(answer_set_id, code) -%}
    {#- the short key of a harmonised code (seed value_keys), null for a code without one -#}
    (
        select value_keys.value_key from {{ ref('value_keys') }} as value_keys
        where value_keys.answer_set_id = '{{ answer_set_id }}' and value_keys.code = {{ code }}
    )
{%- endmacro %}


{% macro score(score_name, code) -%}
    {#- a code as a score (seed scores): inside the valid range only, reversed where higher codes
        are worse, so that a higher score is better -#}
    (
        select
            case
                when {{ code }} not between scores.min_code and scores.max_code then null
                when scores.reversed then scores.min_code + scores.max_code - {{ code }}
                else {{ code }}
            end
        from {{ ref('scores') }} as scores
        where scores.score = '{{ score_name }}'
    )
{%- endmacro %}
