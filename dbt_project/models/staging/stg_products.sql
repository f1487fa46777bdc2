-- One row per product: typed catalogue entries, the latest landed version of each product.
with ranked as (
    {{ latest_version(source('lake', 'products'), 'product_id') }}
)

select
    cast(product_id as {{ dbt.type_bigint() }}) as product_id,
    trim(sku) as sku,
    trim(name) as product_name,
    lower(trim(category)) as category,
    trim(brand) as brand,
    round(cast(list_price as {{ type_money() }}), 2) as list_price,
    nullif(trim(image_file), '') as image_file,
    _source_uri,
    cast(_batch_id as {{ dbt.type_string() }}) as _batch_id,
    cast(_ingested_at as {{ dbt.type_timestamp() }}) as _ingested_at
from ranked
where version_rank = 1
