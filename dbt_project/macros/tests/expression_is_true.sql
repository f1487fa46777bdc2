{#
  A row-level rule that must hold for every row (optionally only where `condition` holds).
    data_tests:
      - expression_is_true: {expression: "net_amount <= gross_amount"}
#}
{% test expression_is_true(model, expression, condition=none, column_name=none) %}
    select *
    from {{ model }}
    where not ({{ expression }})
    {%- if condition is not none %} and ({{ condition }}){% endif %}
{% endtest %}
