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

  promote_if_better={'metric': 'r2_score', 'margin': 0.01, 'holdout': 'customer_holdout'} (DuckDB only) guards
  the model with `lakehouse ml retrain`'s rule (warehouse/retrain/guard.py): the new build is a challenger,
  kept as a version and promoted to `default` only if it beats the champion on the hold-out by the margin.
  holdout: the name of a dbt model/seed (resolved here with ref(), so the model declares
  `-- depends_on: {{ ref('customer_holdout') }}`) or a SELECT. The BigQuery target refuses the option.
#}

{% macro ml_model_config() %}
  {%- set meta = config.get('meta', {}) or {} -%}
  {{ return(config.get('ml_config', meta.get('ml_config', {})) or {}) }}
{% endmacro %}


{% macro ml_guard_config() %}
  {%- set meta = config.get('meta', {}) or {} -%}
  {{ return(config.get('promote_if_better', meta.get('promote_if_better'))) }}
{% endmacro %}


{#- the hold-out rows as SQL: a dbt model's name becomes `select * from <its relation>`, a SELECT stays -#}
{% macro ml_guard_holdout(guard) %}
  {%- set holdout = guard.get('holdout') if guard is mapping else none -%}
  {%- if holdout is string and holdout.split() | length == 1 -%}
    {{ return('select * from ' ~ ref(holdout.strip())) }}
  {%- endif -%}
  {{ return(holdout if holdout is string else none) }}
{% endmacro %}


{% materialization model, adapter='duckdb' %}
  {%- set ml_config = ml_model_config() -%}
  {%- if not ml_config.get('model_type') -%}
    {{ exceptions.raise_compiler_error("materialized='model' needs ml_config with a model_type, e.g. ml_config={'model_type': 'kmeans'}") }}
  {%- endif -%}
  {%- set guard = ml_guard_config() -%}
  {%- if guard is not none and guard is not mapping -%}
    {{ exceptions.raise_compiler_error("dbt model " ~ this.schema ~ "." ~ this.identifier ~ ": promote_if_better must be a dict, e.g. {'metric': 'r2_score', 'margin': 0.01, 'holdout': 'customer_holdout'}") }}
  {%- endif -%}
  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {%- call statement('main', language='python') -%}
import json

from warehouse.ml.dbt_hook import errors_for_dbt
{% if guard is none -%}
from warehouse.ml.dbt_hook import train
{%- else -%}
from warehouse.retrain.guard import train
{%- endif %}


class dbtObj:
    def __init__(self, load_df_function):
        self.load_df_function = load_df_function


def model(dbt, session):
    with errors_for_dbt(session):
        {% if guard is none -%}
        return train(session, {{ tojson(this.schema) }}, {{ tojson(this.identifier) }}, json.loads({{ tojson(tojson(ml_config)) }}), {{ tojson(sql) }})
        {%- else -%}
        return train(session, {{ tojson(this.schema) }}, {{ tojson(this.identifier) }}, json.loads({{ tojson(tojson(ml_config)) }}), {{ tojson(sql) }}, json.loads({{ tojson(tojson(guard)) }}), json.loads({{ tojson(tojson(ml_guard_holdout(guard))) }}))
        {%- endif %}


def materialize(result, con):
    pass
  {%- endcall -%}
  {%- set failed = run_query("select getvariable('lakehouse_ml_error')").columns[0].values()[0] -%}
  {%- if failed -%}
    {{ exceptions.raise_compiler_error(failed) }}
  {%- endif -%}
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
  {%- if ml_guard_config() is not none -%}
    {{ exceptions.raise_compiler_error("dbt model " ~ this ~ ": promote_if_better is DuckDB-only (BigQuery ML has no champion/challenger step); leave it out on this target, e.g. promote_if_better=(... if target.type == 'duckdb' else none)") }}
  {%- endif -%}
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
