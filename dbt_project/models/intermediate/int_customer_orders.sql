-- Order behaviour per customer. Revenue counts orders that were not cancelled or returned.
select
    customer_id,
    count(*) as order_count,
    {{ count_if(is_revenue('status')) }} as revenue_order_count,
    {{ count_if("status = 'cancelled'") }} as cancelled_order_count,
    {{ count_if("status = 'returned'") }} as returned_order_count,
    sum(quantity) as units_ordered,
    count(distinct product_id) as distinct_products,
    coalesce(sum(case when {{ is_revenue('status') }} then net_amount end), 0) as total_spend,
    min(order_time) as first_order_time,
    max(order_time) as last_order_time
from {{ ref('stg_orders') }}
group by customer_id
