-- One row per customer: typed, trimmed, the latest landed version when a customer was ingested twice.
with ranked as (
    {{ latest_version(source('lake', 'customers'), 'customer_id') }}
)

select
    cast(customer_id as {{ dbt.type_bigint() }}) as customer_id,
    trim(first_name) as first_name,
    trim(last_name) as last_name,
    lower(trim(email)) as email,
    trim(phone) as phone,
    lower(trim(gender)) as gender,
    cast(birth_date as date) as birth_date,
    cast(age as {{ dbt.type_int() }}) as age,
    cast(annual_income as {{ dbt.type_int() }}) as annual_income,
    cast(spending_score as {{ dbt.type_int() }}) as spending_score,
    cast(signup_date as date) as signup_date,
    trim(country) as country,
    trim(city) as city,
    lower(trim(loyalty_tier)) as loyalty_tier,
    _source_uri,
    cast(_batch_id as {{ dbt.type_string() }}) as _batch_id,
    cast(_ingested_at as {{ dbt.type_timestamp() }}) as _ingested_at
from ranked
where version_rank = 1
