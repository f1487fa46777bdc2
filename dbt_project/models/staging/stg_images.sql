-- One row per stored image (content-addressed by sha256): object-table columns, size, camera and GPS from EXIF,
-- and the original file name that products.image_file refers to. The same bytes landed twice count once.
with ranked as (
    {{ latest_version(source('lake', 'images'), 'sha256') }}
)

select
    cast(sha256 as {{ dbt.type_string() }}) as image_id,
    {{ file_name('_source_uri') }} as file_name,
    cast(uri as {{ dbt.type_string() }}) as uri,
    lower(content_type) as content_type,
    lower(format) as image_format,
    mode as color_mode,
    cast(size as {{ dbt.type_bigint() }}) as size_bytes,
    cast(width as {{ dbt.type_int() }}) as width,
    cast(height as {{ dbt.type_int() }}) as height,
    cast(md5_hash as {{ dbt.type_string() }}) as md5_hash,
    nullif(trim(camera_make), '') as camera_make,
    nullif(trim(camera_model), '') as camera_model,
    cast(taken_at as {{ dbt.type_timestamp() }}) as taken_at,
    cast(gps_lat as {{ type_float64() }}) as gps_lat,
    cast(gps_lon as {{ type_float64() }}) as gps_lon,
    cast(orientation as {{ dbt.type_int() }}) as orientation,
    _source_uri,
    cast(_batch_id as {{ dbt.type_string() }}) as _batch_id,
    cast(_ingested_at as {{ dbt.type_timestamp() }}) as _ingested_at
from ranked
where version_rank = 1
