{#
  The model has exactly as many rows as another relation (e.g. a fact keeps every staged row).
    - equal_row_count: {compare_model: ref('stg_orders')}
#}
{% test equal_row_count(model, compare_model) %}
    with counts as (
        select
            (select count(*) from {{ model }}) as model_rows,
            (select count(*) from {{ compare_model }}) as compare_rows
    )
    select model_rows, compare_rows
    from counts
    where model_rows != compare_rows
{% endtest %}
