{#- Open-text scrubbing: contact details a respondent typed into an open answer are
    replaced by placeholders before the text reaches a mart. Pure Jinja on purpose (no dbt
    context), so tests/privacy renders it and checks every pattern on hand-made cases.

    Order matters: e-mail first (its local part may hold digits), then IBAN (letters and
    digits), then phone numbers (start with +, 00 or 0), then any other long number (a BSN,
    an account or client number). Digits include the Arabic-Indic and Persian forms.
    RE2 (DuckDB's engine) has no look-around; \b is an ASCII word boundary. -#}

{% macro contact_detail_sql(text_sql, mode) -%}
    {#- mode 'scrub': the text with every match replaced by its placeholder;
        mode 'detect': true when any pattern still matches. The rules, applied in order: -#}
    {%- set d = '[0-9\\x{0660}-\\x{0669}\\x{06F0}-\\x{06F9}]' -%}
    {%- set zero = '[0\\x{0660}\\x{06F0}]' -%}
    {#- between two digits: nothing, one space, or one of - . / ( ) with a space either side -#}
    {%- set sep = '(?:[\\s\\x{00A0}]?[\\-./()][\\s\\x{00A0}]?|[\\s\\x{00A0}])?' -%}
    {%- set rules = [
        ('[A-Za-z0-9._%+\\-]+\\s?(?:@|\\(at\\)|\\[at\\])\\s?[A-Za-z0-9\\-]+(?:\\.[A-Za-z0-9\\-]+)*\\.[A-Za-z]{2,}',
         '[e-mail]'),
        ('\\b[A-Za-z]{2}[0-9]{2}(?:\\s?[A-Za-z0-9]{4}){3,7}(?:\\s?[A-Za-z0-9]{1,3})?\\b', '[iban]'),
        ('\\+\\s?' ~ d ~ '(?:' ~ sep ~ d ~ '){7,}', '[telefoon]'),
        ('\\(?' ~ zero ~ d ~ '(?:' ~ sep ~ d ~ '){7,}', '[telefoon]'),
        (d ~ '(?:' ~ sep ~ d ~ '){8,}', '[nummer]'),
    ] -%}
    {%- set ns = namespace(sql=text_sql, parts=[]) -%}
    {%- for pattern, placeholder in rules -%}
        {%- set ns.sql = "regexp_replace(" ~ ns.sql ~ ", '" ~ pattern ~ "', '" ~ placeholder ~ "', 'g')" -%}
        {%- do ns.parts.append("regexp_matches(" ~ text_sql ~ ", '" ~ pattern ~ "')") -%}
    {%- endfor -%}
    {%- if mode == 'detect' -%}
        ({{ ns.parts | join(' or ') }})
    {%- else -%}
        {{ ns.sql }}
    {%- endif -%}
{%- endmacro %}


{#- the open text with contact details replaced by '[e-mail]', '[iban]', '[telefoon]', '[nummer]' -#}
{% macro scrub_contact_details(text_sql) -%}
    {{ contact_detail_sql(text_sql, 'scrub') }}
{%- endmacro %}


{#- true when a text still holds something the scrubber catches (the singular tests) -#}
{% macro has_contact_details(text_sql) -%}
    {{ contact_detail_sql(text_sql, 'detect') }}
{%- endmacro %}
