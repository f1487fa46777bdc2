-- Web and app behaviour per known customer (anonymous events have no customer_id and are left out).
select
    customer_id,
    count(*) as event_count,
    count(distinct session_id) as session_count,
    {{ count_if("event_type = 'page_view'") }} as page_view_count,
    {{ count_if("event_type = 'search'") }} as search_count,
    {{ count_if("event_type = 'add_to_cart'") }} as add_to_cart_count,
    {{ count_if("event_type = 'purchase'") }} as purchase_event_count,
    {{ count_if("device_type = 'app'") }} as app_event_count,
    min(event_time) as first_event_time,
    max(event_time) as last_event_time
from {{ ref('stg_events') }}
where customer_id is not null
group by customer_id
