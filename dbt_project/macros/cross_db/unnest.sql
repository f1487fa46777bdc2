{#
  Unnest an ARRAY/LIST column into one row per element, keeping the element's position.

    from {{ ref('x') }} as e
    {{ unnest_join('e.items', 'item', 'item_offset') }}

  gives a column `item` (the element; a STRUCT's fields read as item.field on both targets) and `item_offset`,
  the element's 1-based position. Rows whose array is empty or NULL produce no row (CROSS JOIN semantics).
#}
{% macro unnest_join(array_expr, element, position) -%}
    {{ return(adapter.dispatch('unnest_join', 'lakehouse')(array_expr, element, position)) }}
{%- endmacro %}

{% macro default__unnest_join(array_expr, element, position) -%}
    cross join unnest({{ array_expr }}) with ordinality as {{ element }}_unnested({{ element }}, {{ position }})
{%- endmacro %}

{% macro bigquery__unnest_join(array_expr, element, position) -%}
    cross join unnest({{ array_expr }}) as {{ element }} with offset as {{ position }}
{%- endmacro %}


{# The 1-based position of an element produced by unnest_join (BigQuery's OFFSET counts from 0). #}
{% macro unnest_position(position) -%}
    {{ return(adapter.dispatch('unnest_position', 'lakehouse')(position)) }}
{%- endmacro %}

{% macro default__unnest_position(position) -%}
    {{ position }}
{%- endmacro %}

{% macro bigquery__unnest_position(position) -%}
    ({{ position }} + 1)
{%- endmacro %}
