{# Count the rows where a condition holds: DuckDB count_if(), BigQuery COUNTIF(). #}
{% macro count_if(condition) -%}
    {{ return(adapter.dispatch('count_if', 'lakehouse')(condition)) }}
{%- endmacro %}

{% macro default__count_if(condition) -%}
    sum(case when {{ condition }} then 1 else 0 end)
{%- endmacro %}

{% macro duckdb__count_if(condition) -%}
    count_if({{ condition }})
{%- endmacro %}

{% macro bigquery__count_if(condition) -%}
    countif({{ condition }})
{%- endmacro %}


{# a / b, NULL when b is 0 or NULL: BigQuery SAFE_DIVIDE, elsewhere a / nullif(b, 0). #}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'lakehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    ({{ numerator }}) / nullif({{ denominator }}, 0)
{%- endmacro %}

{% macro bigquery__safe_divide(numerator, denominator) -%}
    safe_divide({{ numerator }}, {{ denominator }})
{%- endmacro %}
