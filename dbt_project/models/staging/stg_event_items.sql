-- One row per item in an event's items array (add_to_cart and purchase events), with its 1-based position.
with ranked as (
    {{ latest_version(source('lake', 'events'), 'event_id') }}
)

select
    cast(e.event_id as {{ dbt.type_string() }}) as event_id,
    {{ unnest_position('item_offset') }} as item_position,
    lower(e.event_type) as event_type,
    cast(e.event_time as {{ dbt.type_timestamp() }}) as event_time,
    cast(e.customer_id as {{ dbt.type_bigint() }}) as customer_id,
    cast(e.session_id as {{ dbt.type_string() }}) as session_id,
    cast(item.product_id as {{ dbt.type_bigint() }}) as product_id,
    cast(item.quantity as {{ dbt.type_int() }}) as quantity,
    round(cast(item.price as {{ type_money() }}), 2) as price
from ranked as e
{{ unnest_join('e.items', 'item', 'item_offset') }}
where e.version_rank = 1
