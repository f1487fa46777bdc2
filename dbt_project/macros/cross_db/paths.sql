{# The last component of a path or URI ('/a/b/product_00001.jpg' -> 'product_00001.jpg'). #}
{% macro file_name(path) -%}
    {{ return(adapter.dispatch('file_name', 'lakehouse')(path)) }}
{%- endmacro %}

{% macro default__file_name(path) -%}
    regexp_extract({{ path }}, '[^/\\\\]+$')
{%- endmacro %}

{% macro duckdb__file_name(path) -%}
    parse_filename({{ path }})
{%- endmacro %}

{% macro bigquery__file_name(path) -%}
    regexp_extract({{ path }}, r'[^/\\]+$')
{%- endmacro %}
