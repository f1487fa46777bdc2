{#
  materialized='model': a BigQuery ML model, in the config shape of the dbt_ml package
  (https://github.com/kristeligt-dagblad/dbt_ml), so one model file builds on both targets:

      {{ config(materialized='model', ml_config={'model_type': 'kmeans', 'num_clusters': 5}) }}
      select ... from {{ ref('customer_features') }}

  DuckDB: the model is trained by this project's ML engine (warehouse.ml), the same code as `lakehouse sql`.
  The statement is submitted as a Python job on dbt's own connection (dbt-duckdb runs it in-process), so there
  is no second implementation here; the model lands in the registry ml._models and its state tables.
  BigQuery: CREATE OR REPLACE MODEL ... OPTIONS(...) AS <sql> passes through unchanged (what dbt_ml does).
  ml_config may also sit under config.meta.ml_config, as dbt_ml allows.
#}

{% macro ml_model_config() %}
  {%- set meta = config.get('meta', {}) or {} -%}
  {{ return(config.get('ml_config', meta.get('ml_config', {})) or {}) }}
{% endmacro %}


{% materialization model, adapter='duckdb' %}
  {%- set ml_config = ml_model_config() -%}
  {%- if not ml_config.get('model_type') -%}
    {{ exceptions.raise_compiler_error("materialized='model' needs ml_config with a model_type, e.g. ml_config={'model_type': 'kmeans'}") }}
  {%- endif -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- call statement('main', language='python') -%}
import json

from warehouse.ml.dbt_hook import train


class dbtObj:
    def __init__(self, load_df_function):
        self.load_df_function = load_df_function


def model(dbt, session):
    return train(session, {{ tojson(this.schema) }}, {{ tojson(this.identifier) }}, json.loads({{ tojson(tojson(ml_config)) }}), {{ tojson(sql) }})


def materialize(result, con):
    pass
  {%- endcall -%}
  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': []}) }}
{% endmaterialization %}


{% macro bigquery_ml_option(value) -%}
  {%- if value is string -%}'{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
  {%- elif value is sameas true -%}TRUE
  {%- elif value is sameas false -%}FALSE
  {%- elif value is mapping -%}{% do exceptions.raise_compiler_error("ml_config values cannot be mappings") %}
  {%- elif value is iterable -%}[{%- for item in value -%}{%- if item is string or item is not iterable -%}{{ bigquery_ml_option(item) }}{%- else -%}STRUCT({%- for part in item -%}{{ bigquery_ml_option(part) }}{{ ", " if not loop.last }}{%- endfor -%}){%- endif -%}{{ ", " if not loop.last }}{%- endfor -%}]
  {%- else -%}{{ value }}
  {%- endif -%}
{%- endmacro %}


{% materialization model, adapter='bigquery' %}
  {%- set ml_config = ml_model_config() -%}
  {{ run_hooks(pre_hooks) }}
  {%- call statement('main') -%}
    create or replace model {{ this }}
    options(
      {%- for key, value in ml_config.items() %}
      {{ key }} = {{ bigquery_ml_option(value) }}{{ "," if not loop.last }}
      {%- endfor %}
    )
    as (
      {{ sql }}
    )
  {%- endcall -%}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': []}) }}
{% endmaterialization %}
