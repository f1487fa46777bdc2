"""Model monitoring: BigQuery ML's ML.DESCRIBE_DATA, ML.VALIDATE_DATA_SKEW, ML.VALIDATE_DATA_DRIFT,
ML.TFDV_DESCRIBE and ML.TFDV_VALIDATE.

    statistics.py   TFDV's feature statistics of a relation, as one DuckDB query (histograms, rank histograms)
    distance.py     TFDV's distances between two statistics relations, as SQL (L-infinity, Jensen-Shannon)
    params.py       the functions' STRUCT parameters as data (defaults, ranges), per-feature thresholds
    validate.py     the skew/drift output rows: a plan of (input, metric, threshold) from the two schemas
                    (form changes are rows too), joined with the distances
    training_statistics.py  the training statistics every model stores at CREATE MODEL (generic, any model type)
    describe.py     ML.DESCRIBE_DATA
    tfdv_describe.py  ML.TFDV_DESCRIBE: the statistics above (and per-column aggregates) as TFDV's statistics JSON
    tfdv_validate.py  ML.TFDV_VALIDATE: two statistics JSONs read back (tfdv_statistics.sql), the distances
                    above, TFDV's Anomalies JSON (tfdv_validate.sql); a scalar function, rewritten to a subquery

Everything is computed in the warehouse: the functions return SQL the front end inlines; only the
column lists (names and types) are read in Python, and for ML.TFDV_DESCRIBE the per-column aggregates it
writes as JSON.
"""
