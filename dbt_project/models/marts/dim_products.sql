-- One row per product, with its picture (when one was landed) and order totals.
with products as (
    select * from {{ ref('stg_products') }}
),

images as (
    -- the newest picture landed under each file name
    select image_id, file_name
    from (
        select
            image_id,
            file_name,
            row_number() over (partition by file_name order by _ingested_at desc, image_id) as picture_rank
        from {{ ref('stg_images') }}
    ) as ranked
    where picture_rank = 1
),

sales as (
    select
        product_id,
        count(*) as order_count,
        sum(case when is_revenue then quantity else 0 end) as units_sold,
        coalesce(sum(case when is_revenue then net_amount end), 0) as revenue
    from {{ ref('fct_orders') }}
    group by product_id
)

select
    products.product_id,
    products.sku,
    products.product_name,
    products.category,
    products.brand,
    products.list_price,
    products.image_file,
    images.image_id,
    images.image_id is not null as has_image,
    coalesce(sales.order_count, 0) as order_count,
    coalesce(sales.units_sold, 0) as units_sold,
    coalesce(sales.revenue, 0) as revenue
from products
left join images on products.image_file = images.file_name
left join sales on products.product_id = sales.product_id
