-- ML.TFDV_VALIDATE: a TFDV Anomalies proto (JSON, proto field names, proto3 defaults left out) from two
-- statistics JSONs. __p_base and __p_study are the two JSON arguments (evaluated once each, in __tfdv_base
-- and __tfdv_study); __p_distances is distance.sql over both (read back by tfdv_statistics.sql);
-- __p_thresholds the per-feature thresholds (name in lower case, threshold). A feature is compared when
-- both sides have it (names case-insensitive) with the same kind (numeric or categorical) and values on
-- both sides; it is an anomaly when its distance is above its threshold (as ML.VALIDATE_DATA_DRIFT).
WITH __tfdv_base AS (SELECT CAST(__p_base AS JSON) AS j),
__tfdv_study AS (SELECT CAST(__p_study AS JSON) AS j),
__bf AS (
    SELECT ord, json_extract_string(f, '$.name') AS input, lower(json_extract_string(f, '$.name')) AS feature,
           json_extract(f, '$.num_stats') IS NOT NULL AS numeric
    FROM (
        SELECT unnest(l) AS f, unnest(generate_series(1, len(l))) AS ord
        FROM (SELECT from_json(json_extract(j, '$.datasets[0].features'), '["json"]') AS l FROM __tfdv_base)
    )
),
__sf AS (
    SELECT lower(json_extract_string(f, '$.name')) AS feature, json_extract(f, '$.num_stats') IS NOT NULL AS numeric
    FROM (SELECT unnest(from_json(json_extract(j, '$.datasets[0].features'), '["json"]')) AS f FROM __tfdv_study)
),
__rows AS (
    SELECT b.ord, b.input, b.feature,
           CASE WHEN b.numeric THEN __p_numerical_metric ELSE __p_categorical_metric END AS metric,
           coalesce(t.threshold, CASE WHEN b.numeric THEN __p_numerical_threshold ELSE __p_categorical_threshold END)
               AS threshold
    FROM __bf AS b
    JOIN __sf AS s ON s.feature = b.feature AND s.numeric = b.numeric
    LEFT JOIN __p_thresholds AS t ON t.name = b.feature
),
__m AS (
    SELECT r.*, d.value, d.value > r.threshold AS is_anomaly,
           CASE r.metric WHEN 'L_INFTY' THEN 'Linfty distance' ELSE 'approximate Jensen-Shannon divergence' END
               AS what
    FROM __rows AS r JOIN __p_distances AS d ON d.feature = r.feature AND d.metric = r.metric
    WHERE d.value IS NOT NULL
),
__info AS (
    SELECT *,
           'High ' || what || ' between ' || __p_between AS short,
           'The ' || what || ' between ' || __p_between || ' is ' || printf('%.6g', value)
               || ' (up to six significant digits), above the threshold ' || printf('%.6g', threshold) || '.'
               AS description
    FROM __m
)
SELECT json_merge_patch(
    '{}',
    json_object(
        'anomaly_info', CASE WHEN count(*) FILTER (WHERE is_anomaly) > 0 THEN to_json(map_from_entries(list(
            struct_pack(k := input, v := json_object(
                'path', json_object('step', json_array(input)),
                'severity', 'ERROR',
                'description', description,
                'short_description', short,
                'reason', json_array(json_object(
                    'type', CASE metric WHEN 'L_INFTY' THEN 'COMPARATOR_L_INFTY_HIGH'
                                        ELSE 'COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH' END,
                    'short_description', short,
                    'description', description))))
            ORDER BY ord) FILTER (WHERE is_anomaly))) END,
        'anomaly_name_format', 'SERIALIZED_PATH',
        'drift_skew_info', CASE WHEN count(*) > 0 THEN to_json(list(
            json_object('path', json_object('step', json_array(input)),
                        __p_measurements, json_array(json_merge_patch('{}', json_object(
                            'type', metric, 'value', nullif(value, 0), 'threshold', nullif(threshold, 0)))))
            ORDER BY ord)) END
    )
) AS anomalies
FROM __info
