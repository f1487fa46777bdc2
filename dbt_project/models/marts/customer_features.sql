-- One row per customer with numeric features for segmentation (read by the ML models, e.g. k-means in
-- models/ml). Column names are a contract: add columns freely, do not rename. Counts and money are 0, never
-- NULL; days_since_last_order is NULL for customers who never ordered (BigQuery ML imputes the mean).
with customers as (
    select * from {{ ref('stg_customers') }}
),

orders as (
    select * from {{ ref('int_customer_orders') }}
),

events as (
    select * from {{ ref('int_customer_events') }}
),

as_of as (
    {% if var('as_of_date') %}
    select cast('{{ var("as_of_date") }}' as date) as as_of_date
    {% else %}
    select coalesce(max(order_date), current_date) as as_of_date from {{ ref('stg_orders') }}
    {% endif %}
)

select
    customers.customer_id,
    customers.annual_income,
    customers.spending_score,
    customers.age,
    coalesce(orders.order_count, 0) as order_count,
    coalesce(orders.revenue_order_count, 0) as revenue_order_count,
    coalesce(orders.units_ordered, 0) as units_ordered,
    coalesce(orders.distinct_products, 0) as distinct_products,
    cast(coalesce(orders.total_spend, 0) as {{ type_float64() }}) as total_spend,
    cast(coalesce({{ safe_divide('orders.total_spend', 'orders.revenue_order_count') }}, 0) as {{ type_float64() }})
        as avg_order_value,
    {{ safe_divide('coalesce(orders.cancelled_order_count, 0) + coalesce(orders.returned_order_count, 0)',
                   'orders.order_count') }} as return_cancel_rate,
    {{ dbt.datediff('cast(orders.last_order_time as date)', 'as_of.as_of_date', 'day') }} as days_since_last_order,
    {{ dbt.datediff('customers.signup_date', 'as_of.as_of_date', 'day') }} as tenure_days,
    coalesce(events.event_count, 0) as event_count,
    coalesce(events.session_count, 0) as session_count,
    coalesce(events.page_view_count, 0) as page_view_count,
    coalesce(events.search_count, 0) as search_count,
    coalesce(events.add_to_cart_count, 0) as add_to_cart_count,
    coalesce(events.purchase_event_count, 0) as purchase_event_count,
    {{ safe_divide('events.app_event_count', 'events.event_count') }} as app_event_share
from customers
cross join as_of
left join orders on customers.customer_id = orders.customer_id
left join events on customers.customer_id = events.customer_id
