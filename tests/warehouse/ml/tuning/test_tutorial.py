"""BigQuery's hyperparameter tuning tutorial, statement by statement, on public data from a PyPI package.

Tutorial: https://cloud.google.com/bigquery/docs/hyperparameter-tuning-tutorial ("Improve model
performance with hyperparameter tuning"). Its statements (CREATE MODEL with NUM_TRIALS, ML.TRIAL_INFO,
ML.EVALUATE, ML.PREDICT) run here unchanged: the tutorial's input table ``bqml_tutorial.taxi_tip_input``
(taxi trips with the tip as ``label``) is built from the Palmer penguins (``palmerpenguins``, the body mass
as ``label``) instead of BigQuery's public taxi table.
"""

from __future__ import annotations

import duckdb
import pytest
from palmerpenguins import load_penguins

import warehouse

#: twenty LINEAR_REG trials with L1 (gradient descent, one SQL pass per step): about a minute here
pytestmark = pytest.mark.slow

CREATE_TUNED = """
CREATE OR REPLACE MODEL `bqml_tutorial.hp_taxi_tip_model`
  OPTIONS (
    MODEL_TYPE = 'LINEAR_REG',
    NUM_TRIALS = 20,
    MAX_PARALLEL_TRIALS = 2,
    L1_REG = HPARAM_RANGE(0, 5))
AS
SELECT
  *
FROM
  `bqml_tutorial.taxi_tip_input`;
"""
TRIAL_INFO = """
SELECT *
FROM
  ML.TRIAL_INFO(MODEL `bqml_tutorial.hp_taxi_tip_model`)
ORDER BY is_optimal DESC;
"""
EVALUATE = """
SELECT *
FROM
  ML.EVALUATE(MODEL `bqml_tutorial.hp_taxi_tip_model`)
ORDER BY r2_score DESC;
"""
PREDICT = """
SELECT *
FROM
  ML.PREDICT(
    MODEL `bqml_tutorial.hp_taxi_tip_model`,
    (
      SELECT
        *
      FROM
        `bqml_tutorial.taxi_tip_input`
      LIMIT 5
    ));
"""


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    penguins = load_penguins()
    connection.register("penguins", penguins)
    connection.execute("CREATE SCHEMA bqml_tutorial")
    connection.execute(
        "CREATE TABLE bqml_tutorial.taxi_tip_input AS SELECT * EXCLUDE (body_mass_g), body_mass_g AS label "
        "FROM penguins WHERE body_mass_g IS NOT NULL"
    )
    connection.unregister("penguins")
    warehouse.execute(connection, CREATE_TUNED)
    return connection


def test_trial_info_lists_twenty_trials_with_the_optimal_first(con: duckdb.DuckDBPyConnection) -> None:
    result = warehouse.execute(con, TRIAL_INFO)
    rows = result.to_dicts()
    assert len(rows) == 20 and sorted(r["trial_id"] for r in rows) == list(range(1, 21))
    assert rows[0]["is_optimal"] and not any(r["is_optimal"] for r in rows[1:])
    assert all(0 < r["hyperparameters"]["l1_reg"] <= 5 for r in rows)
    assert all(r["status"] == "SUCCEEDED" for r in rows)
    best = max(r["hparam_tuning_evaluation_metrics"]["r2_score"] for r in rows)
    assert rows[0]["hparam_tuning_evaluation_metrics"]["r2_score"] == best
    assert best > 0.8  # body mass from the flipper length, species and sex


def test_evaluate_without_data_reports_every_trial(con: duckdb.DuckDBPyConnection) -> None:
    result = warehouse.execute(con, EVALUATE)
    assert result.columns == [
        "trial_id",
        "mean_absolute_error",
        "mean_squared_error",
        "mean_squared_log_error",
        "median_absolute_error",
        "r2_score",
        "explained_variance",
    ]
    assert len(result.rows) == 20


def test_predict_uses_the_optimal_trial(con: duckdb.DuckDBPyConnection) -> None:
    optimal = warehouse.execute(con, TRIAL_INFO).rows[0][0]
    result = warehouse.execute(con, PREDICT)
    assert result.columns[:2] == ["trial_id", "predicted_label"]
    assert len(result.rows) == 5 and {row[0] for row in result.rows} == {optimal}
