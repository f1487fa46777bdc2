-- One row per customer: profile, loyalty tier, and lifetime order and web/app behaviour. Customers that
-- orders refer to but whose own record never landed (quarantined, or not delivered yet) get an inferred row
-- (is_inferred, attributes NULL) so facts always join: the late-arriving dimension member pattern.
with landed as (
    select *, false as is_inferred from {{ ref('stg_customers') }}
),

inferred as (
    select distinct orders.customer_id
    from {{ ref('stg_orders') }} as orders
    left join landed on orders.customer_id = landed.customer_id
    where landed.customer_id is null
),

customers as (
    select
        customer_id, first_name, last_name, email, phone, gender, birth_date, age, annual_income, spending_score,
        signup_date, country, city, loyalty_tier, _ingested_at, is_inferred
    from landed
    union all
    select
        customer_id,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as date),
        cast(null as {{ dbt.type_int() }}),
        cast(null as {{ dbt.type_int() }}),
        cast(null as {{ dbt.type_int() }}),
        cast(null as date),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_timestamp() }}),
        true
    from inferred
),

orders as (
    select * from {{ ref('int_customer_orders') }}
),

events as (
    select * from {{ ref('int_customer_events') }}
)

select
    customers.customer_id,
    customers.first_name,
    customers.last_name,
    customers.first_name || ' ' || customers.last_name as full_name,
    customers.email,
    customers.phone,
    customers.gender,
    customers.birth_date,
    customers.age,
    case
        when customers.age is null then 'unknown'
        when customers.age < 25 then '18-24'
        when customers.age < 35 then '25-34'
        when customers.age < 45 then '35-44'
        when customers.age < 55 then '45-54'
        when customers.age < 65 then '55-64'
        else '65+'
    end as age_band,
    customers.annual_income,
    customers.spending_score,
    customers.signup_date,
    customers.country,
    customers.city,
    customers.loyalty_tier,
    coalesce(orders.order_count, 0) as order_count,
    coalesce(orders.total_spend, 0) as lifetime_spend,
    cast(orders.first_order_time as date) as first_order_date,
    cast(orders.last_order_time as date) as last_order_date,
    coalesce(events.event_count, 0) as event_count,
    coalesce(orders.order_count, 0) > 0 as has_ordered,
    customers.is_inferred,
    customers._ingested_at
from customers
left join orders on customers.customer_id = orders.customer_id
left join events on customers.customer_id = events.customer_id
