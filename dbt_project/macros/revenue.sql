{# The one definition of a revenue order: anything not cancelled or returned. #}
{% macro is_revenue(status) -%}
    {{ status }} not in ('cancelled', 'returned')
{%- endmacro %}
