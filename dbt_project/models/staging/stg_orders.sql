-- One row per order as landed: typed, with gross and net amounts; the latest landed version of each order.
with ranked as (
    {{ latest_version(source('lake', 'orders'), 'order_id') }}
),

typed as (
    select
        cast(order_id as {{ dbt.type_bigint() }}) as order_id,
        cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
        cast(product_id as {{ dbt.type_bigint() }}) as product_id,
        cast(order_time as {{ dbt.type_timestamp() }}) as order_time,
        cast(quantity as {{ dbt.type_int() }}) as quantity,
        round(cast(unit_price as {{ type_money() }}), 2) as unit_price,
        cast(coalesce(discount, 0) as {{ type_float64() }}) as discount,
        lower(trim(status)) as status,
        lower(trim(channel)) as channel,
        _source_uri,
        cast(_batch_id as {{ dbt.type_string() }}) as _batch_id,
        cast(_ingested_at as {{ dbt.type_timestamp() }}) as _ingested_at
    from ranked
    where version_rank = 1
)

select
    order_id,
    customer_id,
    product_id,
    order_time,
    cast(order_time as date) as order_date,
    quantity,
    unit_price,
    discount,
    round(cast(quantity * unit_price as {{ type_money() }}), 2) as gross_amount,
    round(cast(quantity * unit_price * (1 - discount) as {{ type_money() }}), 2) as net_amount,
    status,
    channel,
    _source_uri,
    _batch_id,
    _ingested_at
from typed
