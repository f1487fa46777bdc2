-- One row per event: the nested device/page/consent objects flattened into columns. Items are unnested in
-- stg_event_items. consent and campaign only exist from the month the form changed; older rows read NULL.
with ranked as (
    {{ latest_version(source('lake', 'events'), 'event_id') }}
)

select
    cast(e.event_id as {{ dbt.type_string() }}) as event_id,
    lower(e.event_type) as event_type,
    cast(e.event_time as {{ dbt.type_timestamp() }}) as event_time,
    cast(e.event_time as date) as event_date,
    cast(e.customer_id as {{ dbt.type_bigint() }}) as customer_id,
    cast(e.session_id as {{ dbt.type_string() }}) as session_id,
    lower(e.device.type) as device_type,
    e.device.os as device_os,
    e.device.app_version as app_version,
    e.page.url as page_url,
    e.page.referrer as page_referrer,
    coalesce(array_length(e.items), 0) as item_count,
    {{ column_if_present(source('lake', 'events'), 'consent', 'e.consent.marketing', dbt.type_boolean()) }}
        as consent_marketing,
    {{ column_if_present(source('lake', 'events'), 'consent', 'e.consent.analytics', dbt.type_boolean()) }}
        as consent_analytics,
    {{ column_if_present(source('lake', 'events'), 'campaign', 'e.campaign', dbt.type_string()) }} as campaign,
    e._source_uri,
    cast(e._batch_id as {{ dbt.type_string() }}) as _batch_id,
    cast(e._ingested_at as {{ dbt.type_timestamp() }}) as _ingested_at
from ranked as e
where e.version_rank = 1
