{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        partition_by=({'field': 'order_date', 'data_type': 'date', 'granularity': 'month'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['customer_id'] if target.type == 'bigquery' else none),
    )
}}
-- One row per order. Incremental: a run merges only orders ingested after the newest already in the table
-- (a re-delivered order replaces its earlier version by order_id).
with orders as (
    select * from {{ ref('stg_orders') }}
    {% if is_incremental() %}
    where _ingested_at > (select coalesce(max(_ingested_at), cast('1970-01-01' as {{ dbt.type_timestamp() }})) from {{ this }})
    {% endif %}
),

products as (
    select product_id, category, brand from {{ ref('stg_products') }}
)

select
    orders.order_id,
    orders.customer_id,
    orders.product_id,
    products.category as product_category,
    products.brand as product_brand,
    orders.order_time,
    orders.order_date,
    orders.quantity,
    orders.unit_price,
    orders.discount,
    orders.gross_amount,
    orders.net_amount,
    orders.gross_amount - orders.net_amount as discount_amount,
    orders.status,
    orders.channel,
    {{ is_revenue('orders.status') }} as is_revenue,
    orders._batch_id,
    orders._ingested_at
from orders
left join products on orders.product_id = products.product_id
