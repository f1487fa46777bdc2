-- A TFDV DatasetFeatureStatisticsList (JSON, as ML.TFDV_DESCRIBE writes it) read back as the statistics
-- rows the distances compare (warehouse/ml/monitoring/statistics.py): feature, kind, low, high, value, count.
-- __p_src is a relation with one row and one JSON column j. Features are named in lower case (matched
-- case-insensitively). Numeric: the STANDARD histogram (the one without type, or type STANDARD) - a
-- bucket with an infinite bound is kind 'inf', a zero-width one 'point', num_nan kind 'nan'; categorical:
-- the rank histogram's labels, kind 'value'. Fields left out of the JSON are 0, as proto3 defines.
WITH __f AS (
    SELECT lower(json_extract_string(f, '$.name')) AS feature, f
    FROM (SELECT unnest(from_json(json_extract(j, '$.datasets[0].features'), '["json"]')) AS f FROM __p_src)
),
__h AS (
    SELECT feature, h FROM (
        SELECT feature, unnest(from_json(json_extract(f, '$.num_stats.histograms'), '["json"]')) AS h FROM __f
    ) WHERE coalesce(json_extract_string(h, '$.type'), 'STANDARD') = 'STANDARD'
),
__b AS (
    SELECT feature,
           coalesce(CAST(json_extract_string(b, '$.low_value') AS DOUBLE), 0) AS low,
           coalesce(CAST(json_extract_string(b, '$.high_value') AS DOUBLE), 0) AS high,
           coalesce(CAST(json_extract_string(b, '$.sample_count') AS DOUBLE), 0) AS count
    FROM (SELECT feature, unnest(from_json(json_extract(h, '$.buckets'), '["json"]')) AS b FROM __h)
)
SELECT feature,
       CASE WHEN NOT (isfinite(low) AND isfinite(high)) THEN 'inf' WHEN low = high THEN 'point' ELSE 'bucket' END AS kind,
       CASE WHEN isfinite(low) AND isfinite(high) THEN low END AS low,
       CASE WHEN isfinite(low) AND isfinite(high) THEN high END AS high,
       CAST(NULL AS VARCHAR) AS value, count
FROM __b
UNION ALL
SELECT feature, 'nan', NULL, NULL, NULL, CAST(json_extract_string(h, '$.num_nan') AS DOUBLE)
FROM __h WHERE coalesce(CAST(json_extract_string(h, '$.num_nan') AS DOUBLE), 0) > 0
UNION ALL
SELECT feature, 'value', NULL, NULL, json_extract_string(b, '$.label'),
       coalesce(CAST(json_extract_string(b, '$.sample_count') AS DOUBLE), 0)
FROM (
    SELECT feature, unnest(from_json(json_extract(f, '$.string_stats.rank_histogram.buckets'), '["json"]')) AS b
    FROM __f
)
