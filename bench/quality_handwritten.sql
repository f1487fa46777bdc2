-- The bench suite's 15 checks written by hand as DuckDB SQL: the floor for validation cost.
-- One scan for row-level counts and statistics, plus the two uniqueness checks.
WITH scan AS (
    SELECT
        count(*) AS row_count,
        count_if(order_id IS NULL) AS order_id_nulls,
        count_if(customer_id IS NULL) AS customer_id_nulls,
        count_if(quantity NOT BETWEEN 1 AND 100) AS quantity_out_of_range,
        count_if(unit_price NOT BETWEEN 0 AND 10000) AS unit_price_out_of_range,
        count_if(discount NOT BETWEEN 0 AND 1) AS discount_out_of_range,
        count_if(status NOT IN ('placed', 'shipped', 'delivered', 'cancelled', 'returned')) AS status_not_in_set,
        count_if(channel NOT IN ('web', 'app', 'store')) AS channel_not_in_set,
        count_if(NOT regexp_matches(email, '^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$')) AS email_not_matching,
        count_if(order_time NOT BETWEEN TIMESTAMP '2020-01-01' AND TIMESTAMP '2030-01-01') AS order_time_out_of_range,
        avg(quantity) AS quantity_mean,
        quantile_disc(unit_price, [0.5, 0.95]) AS unit_price_quantiles
    FROM batch
),
order_id_dups AS (
    SELECT coalesce(sum(n), 0) AS n FROM (SELECT count(*) AS n FROM batch WHERE order_id IS NOT NULL GROUP BY order_id HAVING count(*) > 1)
),
pair_dups AS (
    SELECT coalesce(sum(n), 0) AS n FROM (
        SELECT count(*) AS n FROM batch WHERE customer_id IS NOT NULL OR order_time IS NOT NULL
        GROUP BY customer_id, order_time HAVING count(*) > 1
    )
)
SELECT scan.*, order_id_dups.n AS order_id_duplicates, pair_dups.n AS pair_duplicates
FROM scan, order_id_dups, pair_dups
