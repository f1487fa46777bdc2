-- One row per stored image: what it is (format, size, camera, GPS), which product shows it, and whether it is
-- usable as a product picture (referenced by a product, at least 64 px on the short side).
with images as (
    select * from {{ ref('stg_images') }}
),

products as (
    select product_id, product_name, category, image_file from {{ ref('stg_products') }}
)

select
    images.image_id,
    images.file_name,
    images.uri,
    images.content_type,
    images.image_format,
    images.color_mode,
    images.size_bytes,
    images.width,
    images.height,
    round(cast(images.width * images.height as {{ type_float64() }}) / 1000000, 3) as megapixels,
    case
        when images.width > images.height then 'landscape'
        when images.width < images.height then 'portrait'
        else 'square'
    end as orientation_class,
    images.camera_make,
    images.camera_model,
    images.taken_at,
    images.gps_lat is not null and images.gps_lon is not null as has_gps,
    images.gps_lat,
    images.gps_lon,
    products.product_id,
    products.product_name,
    products.category as product_category,
    products.product_id is not null
        and least(images.width, images.height) >= 64 as is_usable_product_image,
    images._ingested_at
from images
left join products on images.file_name = products.image_file
