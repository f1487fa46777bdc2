{#
  No two rows share the same values in all of the listed columns (a composite key).
    - unique_combination_of_columns: {combination_of_columns: [event_id, item_position]}
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select {{ combination_of_columns | join(', ') }}, count(*) as duplicates
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
