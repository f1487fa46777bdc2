{#
  Money: an exact decimal with two places. DuckDB DECIMAL(18, 2); BigQuery NUMERIC (scale 9, rounded to
  cents by the models). The other types come from dbt's own dispatched type macros (dbt.type_string() ...).
#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'lakehouse')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    decimal(18, 2)
{%- endmacro %}

{% macro bigquery__type_money() -%}
    numeric
{%- endmacro %}


{# A 64-bit float: DuckDB DOUBLE (dbt's type_float() is a 32-bit FLOAT there), BigQuery FLOAT64. #}
{% macro type_float64() -%}
    {{ return(adapter.dispatch('type_float64', 'lakehouse')()) }}
{%- endmacro %}

{% macro default__type_float64() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_float64() -%}
    double
{%- endmacro %}

{% macro bigquery__type_float64() -%}
    float64
{%- endmacro %}
