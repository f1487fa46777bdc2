"""BigQuery's skew-automation pattern as one script: measure skew of new data against the model's training
statistics and retrain only when a feature is anomalous (DECLARE / SET / IF … THEN CREATE OR REPLACE MODEL)."""

from __future__ import annotations

import duckdb

import warehouse
from warehouse.ml import registry

SCRIPT = """
DECLARE anomalies ARRAY<STRING>;
SET anomalies = (
  SELECT ARRAY_AGG(input ORDER BY input)
  FROM ML.VALIDATE_DATA_SKEW(MODEL ml.m, TABLE sk.serving, STRUCT(0.3 AS numerical_default_threshold))
  WHERE is_anomaly
);
IF ARRAY_LENGTH(anomalies) > 0 THEN
  CREATE OR REPLACE MODEL ml.m OPTIONS(model_type='kmeans', num_clusters=3) AS
  SELECT * EXCEPT(row_id, target) FROM sk.serving;
END IF;
SELECT anomalies;
"""


def test_retrains_only_when_new_data_is_skewed(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.m OPTIONS(model_type='kmeans', num_clusters=3) AS SELECT * EXCEPT(row_id, target) FROM sk.iris",
    )
    con.execute("CREATE TABLE sk.serving AS SELECT * FROM sk.iris")
    results = warehouse.run_script(con, SCRIPT)
    assert results[-1].rows == [(None,)]  # no anomaly: ARRAY_AGG of no rows is NULL, the model is kept
    assert not any(r.changed_models for r in results)
    assert "sk.iris" in registry.load(con, "ml", "m").training_query

    con.execute(
        "CREATE OR REPLACE TABLE sk.serving AS SELECT * REPLACE (petal_length_cm * 3 AS petal_length_cm) FROM sk.iris"
    )
    results = warehouse.run_script(con, SCRIPT)
    assert results[-1].rows == [(["petal_length_cm"],)]
    assert any(r.changed_models for r in results)
    assert "sk.serving" in registry.load(con, "ml", "m").training_query  # the challenger replaced it
