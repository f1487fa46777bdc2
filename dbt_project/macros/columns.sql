{#
  Columns that only exist in later versions of a source ("the form changed"): select `expression` when the
  relation has `column`, else a typed NULL. DuckDB introspects the lake at run time; BigQuery always gets the
  expression (publish loads every lake column, and `dbt parse`/`compile` must not need a live connection).

    {{ column_if_present(source('lake', 'events'), 'consent', 'e.consent.marketing', dbt.type_boolean()) }}
#}
{% macro column_if_present(relation, column, expression, type) -%}
    {%- if not execute or target.type == 'bigquery' -%}
        {{ expression }}
    {%- else -%}
        {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- if column | lower in names -%}
            {{ expression }}
        {%- else -%}
            cast(null as {{ type }})
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
