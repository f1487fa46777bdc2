{#
  Custom schemas are used verbatim (staging, intermediate, marts, ml) on every target, so a warehouse name maps
  one-to-one between DuckDB (schema.table) and BigQuery (dataset.table). Without a custom schema a model lands in
  the target's own schema (DuckDB: main; BigQuery: LAKEHOUSE_BQ_DATASET). The var `schema_prefix` (default
  empty) prefixes every custom schema, e.g. to keep a test run's BigQuery datasets apart:
  `dbt build --target bigquery --vars '{schema_prefix: ci_}'`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ var('schema_prefix', '') }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
