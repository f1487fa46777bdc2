-- TFDV's distances between two statistics relations (warehouse/ml/monitoring/statistics.py), per feature.
-- __p_base and __p_study are replaced by the two statistics queries. Output: feature, metric, value.
-- Follows tensorflow/data-validation anomalies/metrics.cc:
--   L_INFTY: value counts of the rank histogram, each side normalized by its own total, max |p - q|
--            over the union of values (a value missing on one side counts 0 there);
--   JENSEN_SHANNON_DIVERGENCE (categorical): the same value counts, JSD with log2, capped at 1;
--   JENSEN_SHANNON_DIVERGENCE (numeric): the equal-width buckets of both sides re-bucketed onto the
--            union of their boundaries (counts spread uniformly within a bucket), then one paired
--            bucket per point value, one per side's infinite mass (the other side 0), and when either
--            side has NaNs the two NaN buckets (0, nan_study) and (nan_base, 0); normalized; JSD with
--            log2, zero terms skipped, capped at 1. A side with nothing to normalize gives NULL.
WITH __h AS MATERIALIZED (
    SELECT 1 AS side, * FROM __p_base
    UNION ALL
    SELECT 2 AS side, * FROM __p_study
),
__cat AS (
    SELECT feature, value, side, count / sum(count) OVER (PARTITION BY feature, side) AS p
    FROM __h WHERE kind = 'value'
),
__cat_pairs AS (
    SELECT feature, value,
           coalesce(max(p) FILTER (WHERE side = 1), 0) AS p,
           coalesce(max(p) FILTER (WHERE side = 2), 0) AS q
    FROM __cat GROUP BY feature, value
),
__cat_sides AS (
    SELECT feature, count(DISTINCT side) AS sides FROM __cat GROUP BY feature
),
__buckets AS (
    SELECT * FROM __h WHERE kind = 'bucket'
),
__bounds AS (
    SELECT DISTINCT feature, x FROM (
        SELECT feature, low AS x FROM __buckets UNION ALL SELECT feature, high AS x FROM __buckets
    )
),
__intervals AS (
    SELECT * FROM (
        SELECT feature, x AS lo, lead(x) OVER (PARTITION BY feature ORDER BY x) AS hi FROM __bounds
    ) WHERE hi IS NOT NULL
),
__shares AS (  -- the share of each bucket an interval covers; halved terms when a bucket is wider than a double
    SELECT i.feature, i.lo, b.side, b.count,
           CASE WHEN isinf(b.high - b.low) THEN (i.hi / 2 - i.lo / 2) / (b.high / 2 - b.low / 2)
                ELSE (i.hi - i.lo) / (b.high - b.low) END AS share
    FROM __intervals AS i
    LEFT JOIN __buckets AS b ON b.feature = i.feature AND b.low <= i.lo AND i.hi <= b.high
),
__rebucketed AS (
    SELECT feature,
           coalesce(sum(share * count) FILTER (WHERE side = 1), 0) AS c1,
           coalesce(sum(share * count) FILTER (WHERE side = 2), 0) AS c2
    FROM __shares
    GROUP BY feature, lo
),
__points AS (
    SELECT feature,
           coalesce(sum(count) FILTER (WHERE side = 1), 0) AS c1,
           coalesce(sum(count) FILTER (WHERE side = 2), 0) AS c2
    FROM __h WHERE kind = 'point' GROUP BY feature, low
),
__inf AS (
    SELECT feature,
           coalesce(sum(count) FILTER (WHERE side = 1), 0) AS i1,
           coalesce(sum(count) FILTER (WHERE side = 2), 0) AS i2
    FROM __h WHERE kind = 'inf' GROUP BY feature
),
__nan AS (
    SELECT feature,
           coalesce(sum(count) FILTER (WHERE side = 1), 0) AS n1,
           coalesce(sum(count) FILTER (WHERE side = 2), 0) AS n2
    FROM __h WHERE kind = 'nan' GROUP BY feature
),
__num_pairs AS (
    SELECT feature, c1, c2 FROM __rebucketed
    UNION ALL SELECT feature, c1, c2 FROM __points
    UNION ALL SELECT feature, i1 AS c1, 0 AS c2 FROM __inf WHERE i1 <> 0
    UNION ALL SELECT feature, 0 AS c1, i2 AS c2 FROM __inf WHERE i2 <> 0
    UNION ALL SELECT feature, 0 AS c1, n2 AS c2 FROM __nan
    UNION ALL SELECT feature, n1 AS c1, 0 AS c2 FROM __nan
),
__num_totals AS (
    SELECT feature, c1 / nullif(sum(c1) OVER (PARTITION BY feature), 0) AS p,
           c2 / nullif(sum(c2) OVER (PARTITION BY feature), 0) AS q
    FROM __num_pairs
),
__jsd_terms AS (
    SELECT feature, p, q, (p + q) / 2 AS m FROM __num_totals
    UNION ALL
    SELECT c.feature, c.p, c.q, (c.p + c.q) / 2 AS m
    FROM __cat_pairs AS c JOIN __cat_sides AS s ON s.feature = c.feature AND s.sides = 2
),
__jsd AS (
    SELECT feature,
           CASE WHEN count(p) = count(*) AND count(q) = count(*) THEN least(
               (sum(CASE WHEN p > 0 AND m > 0 THEN p * log2(p / m) ELSE 0 END)
                + sum(CASE WHEN q > 0 AND m > 0 THEN q * log2(q / m) ELSE 0 END)) / 2,
               1.0) END AS value
    FROM __jsd_terms GROUP BY feature
)
SELECT feature, 'L_INFTY' AS metric, max(abs(p - q)) AS value FROM __cat_pairs GROUP BY feature
UNION ALL
SELECT feature, 'JENSEN_SHANNON_DIVERGENCE' AS metric, value FROM __jsd
