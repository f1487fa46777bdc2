"""ML.TFDV_DESCRIBE and ML.TFDV_VALIDATE through the BigQuery front end.

The statements are BigQuery's own examples, copied from its reference pages (names mapped to local
tables: ``project.dataset.table`` reads ``dataset.table``):
https://cloud.google.com/bigquery/docs/reference/standard-sql/bigqueryml-syntax-tfdv-describe and
https://cloud.google.com/bigquery/docs/reference/standard-sql/bigqueryml-syntax-tfdv-validate.
The JSON they return is parsed by TFDV's own protos (``tensorflow-metadata``: ``DatasetFeatureStatisticsList``,
``Anomalies``), which reject an unknown field, and must come back unchanged from the proto's JSON
writer (proto field names, defaults left out). Statistics are checked against numpy on the public
penguins data (``palmerpenguins``); TFDV_VALIDATE against ML.VALIDATE_DATA_DRIFT on the same tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb
import numpy as np
import palmerpenguins
import pandas as pd
import pytest
from google.protobuf import json_format
from tensorflow_metadata.proto.v0 import anomalies_pb2, statistics_pb2

import warehouse
from lakehouse.errors import UsageError
from tests.warehouse.ml.monitoring import tfdv_reference as ref

NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
CATEGORICAL = ["species", "island", "sex"]

DESCRIBE_EXAMPLE = """
SELECT * FROM ML.TFDV_DESCRIBE(
  TABLE `bigquery-public-data.ml_datasets.penguins`,
  STRUCT(20 AS num_rank_histogram_buckets)
);
"""

SKEW_EXAMPLE = """
DECLARE stats1 JSON;
DECLARE stats2 JSON;

SET stats1 = (SELECT * FROM ML.TFDV_DESCRIBE(TABLE `myproject.mydataset.training`));

SET stats2 = (SELECT * FROM ML.TFDV_DESCRIBE(TABLE `myproject.mydataset.serving`));

SELECT ML.TFDV_VALIDATE(
  stats1, stats2, 'SKEW', .3, 'L_INFTY', .3, 'JENSEN_SHANNON_DIVERGENCE', [('feature1', 0.2), ('feature2', 0.5)]
);

INSERT `myproject.mydataset.serve_stats`
  (t, dataset_feature_statistics_list)
SELECT CURRENT_TIMESTAMP() AS t, stats1;
"""

DRIFT_EXAMPLE = """
SELECT ML.TFDV_VALIDATE(
  (SELECT dataset_feature_statistics_list FROM `myproject.mydataset.servingJan24`),
  (SELECT * FROM ML.TFDV_DESCRIBE(TABLE `myproject.mydataset.serving`)),
  'DRIFT'
);
"""


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return palmerpenguins.load_penguins()


@pytest.fixture
def con(frame: pd.DataFrame) -> Iterator[duckdb.DuckDBPyConnection]:
    """ml_datasets.penguins (the public table BigQuery's example reads) and two halves of it."""
    connection = duckdb.connect()
    connection.execute("CREATE SCHEMA ml_datasets")
    connection.register("frame", frame)
    connection.execute("CREATE TABLE ml_datasets.penguins AS SELECT * FROM frame")
    connection.unregister("frame")
    connection.execute("CREATE TABLE biscoe AS SELECT * FROM ml_datasets.penguins WHERE island = 'Biscoe'")
    connection.execute("CREATE TABLE others AS SELECT * FROM ml_datasets.penguins WHERE island <> 'Biscoe'")
    yield connection
    connection.close()


def _statistics(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    result = warehouse.execute(con, sql)
    assert result.columns == ["dataset_feature_statistics_list"]
    assert len(result.rows) == 1
    return dict(json.loads(result.rows[0][0]))


def _same(actual: Any, expected: Any) -> None:
    """Equal JSON values, numbers to float precision (``avg_length`` is a 32-bit float in the proto)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and sorted(actual) == sorted(expected), (actual, expected)
        for key in expected:
            _same(actual[key], expected[key])
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            _same(a, e)
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected, rel=1e-6)
    else:
        assert actual == expected


def _proto_round_trip(document: dict[str, Any], message: Any) -> None:
    parsed = json_format.ParseDict(document, message)  # an unknown field or a wrong type raises
    _same(document, json_format.MessageToDict(parsed, preserving_proto_field_name=True))


def test_describe_example_is_tfdvs_statistics_proto(con: duckdb.DuckDBPyConnection) -> None:
    document = _statistics(con, DESCRIBE_EXAMPLE)
    _proto_round_trip(document, statistics_pb2.DatasetFeatureStatisticsList())
    (dataset,) = document["datasets"]
    assert dataset["num_examples"] == "344"
    features = {f["name"]: f for f in dataset["features"]}
    assert list(features) == [*CATEGORICAL[:2], *NUMERIC[:4], "sex", "year"]
    assert {f["type"] for n, f in features.items() if n in CATEGORICAL} == {"STRING"}
    assert "type" not in features["year"]  # INT, the enum's default
    assert features["body_mass_g"]["type"] == "FLOAT"
    standard, quantiles = features["body_mass_g"]["num_stats"]["histograms"]
    assert "type" not in standard and len(standard["buckets"]) == 10  # STANDARD is the enum's default
    assert quantiles["type"] == "QUANTILES" and len(quantiles["buckets"]) == 10


def _column(frame: pd.DataFrame, name: str) -> list[Any]:
    return [None if pd.isna(v) else v for v in frame[name]]


def test_statistics_equal_numpy_on_penguins(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    document = _statistics(
        con,
        "SELECT * FROM ML.TFDV_DESCRIBE(TABLE ml_datasets.penguins, STRUCT(7 AS num_histogram_buckets, "
        "4 AS num_quantiles_histogram_buckets, 5 AS num_rank_histogram_buckets))",
    )
    features = {f["name"]: f for f in document["datasets"][0]["features"]}
    for name in NUMERIC:
        x = frame[name].dropna().to_numpy(dtype=np.float64)
        stats = features[name]["num_stats"]
        common = stats["common_stats"]
        assert int(common["num_non_missing"]) == x.size
        assert int(common.get("num_missing", "0")) == len(frame) - x.size
        assert stats["mean"] == pytest.approx(np.mean(x), rel=1e-12)
        assert stats["std_dev"] == pytest.approx(np.std(x), rel=1e-12)
        assert (stats["min"], stats["max"]) == (x.min(), x.max())
        assert stats["median"] == pytest.approx(np.median(x), rel=1e-12)
        assert int(stats.get("num_zeros", "0")) == int((x == 0).sum())
        standard, quantiles = stats["histograms"]
        expected = ref.numeric_histogram(list(x), 7).buckets
        actual = [
            (b.get("low_value", 0.0), b["high_value"], b.get("sample_count", 0.0))
            for b in standard["buckets"]
        ]
        assert np.array(actual) == pytest.approx(np.array(expected), rel=1e-12)
        points = np.quantile(x, np.linspace(0, 1, 5))
        bounds = [quantiles["buckets"][0].get("low_value", 0.0)] + [
            b["high_value"] for b in quantiles["buckets"]
        ]
        assert bounds == pytest.approx(list(points), rel=1e-12)
        assert {b["sample_count"] for b in quantiles["buckets"]} == {x.size / 4}
    for name in CATEGORICAL:
        values = frame[name].dropna()
        stats = features[name]["string_stats"]
        counts = values.value_counts()
        assert int(stats["unique"]) == counts.size
        assert stats["avg_length"] == pytest.approx(values.str.len().mean(), rel=1e-6)
        assert {t["value"]: t["frequency"] for t in stats["top_values"]} == {
            k: float(v) for k, v in counts.items()
        }
        ranked = {b["label"]: b["sample_count"] for b in stats["rank_histogram"]["buckets"]}
        assert ranked == ref.rank_histogram(_column(frame, name), 5)


def _anomalies(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, Any]:
    result = warehouse.execute(con, sql)
    assert len(result.rows) == 1 and len(result.columns) == 1
    document = dict(json.loads(result.rows[0][0]))
    _proto_round_trip(document, anomalies_pb2.Anomalies())
    return document


@pytest.mark.parametrize("categorical_metric", ["L_INFTY", "JENSEN_SHANNON_DIVERGENCE"])
def test_validate_of_two_describes_agrees_with_validate_data_drift(
    con: duckdb.DuckDBPyConnection, categorical_metric: str
) -> None:
    drift = warehouse.execute(
        con,
        "SELECT * FROM ML.VALIDATE_DATA_DRIFT(TABLE biscoe, TABLE others, STRUCT(0.2 AS numerical_default_threshold, "
        f"0.1 AS categorical_default_threshold, '{categorical_metric}' AS categorical_metric_type, "
        "[('body_mass_g', 0.9), ('sex', 0.01)] AS thresholds))",
    ).to_dicts()
    anomalies = _anomalies(
        con,
        "SELECT ML.TFDV_VALIDATE((SELECT * FROM ML.TFDV_DESCRIBE(TABLE biscoe)), "
        "(SELECT * FROM ML.TFDV_DESCRIBE(TABLE others)), "
        f"'DRIFT', 0.1, '{categorical_metric}', 0.2, 'JENSEN_SHANNON_DIVERGENCE', [('body_mass_g', 0.9), ('sex', 0.01)])",
    )
    measured = {
        info["path"]["step"][0]: info["drift_measurements"][0] for info in anomalies["drift_skew_info"]
    }
    compared = [r for r in drift if r["value"] is not None]
    assert list(measured) == [r["input"] for r in compared]
    for row in compared:
        m = measured[row["input"]]
        assert (m["type"], m["threshold"]) == (row["metric"], row["threshold"])
        assert m.get("value", 0.0) == pytest.approx(row["value"], abs=1e-12)
    flagged = {r["input"] for r in compared if r["is_anomaly"]}
    assert set(anomalies.get("anomaly_info", {})) == flagged
    assert flagged  # the islands differ: something is an anomaly, and not everything
    assert flagged != set(measured)
    for name in flagged:
        reason = anomalies["anomaly_info"][name]["reason"][0]["type"]
        metric = measured[name]["type"]
        assert reason == (
            "COMPARATOR_L_INFTY_HIGH" if metric == "L_INFTY" else "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH"
        )


def test_the_skew_and_drift_examples_of_bigquerys_page(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA mydataset")
    con.execute(
        "CREATE TABLE mydataset.training AS SELECT bill_length_mm AS feature1, island AS feature2, sex "
        "FROM ml_datasets.penguins WHERE species LIKE 'Adelie%'"
    )
    con.execute(
        "CREATE TABLE mydataset.serving AS SELECT bill_length_mm AS feature1, island AS feature2, sex "
        "FROM ml_datasets.penguins WHERE species NOT LIKE 'Adelie%'"
    )
    con.execute("CREATE TABLE mydataset.serve_stats (t TIMESTAMP, dataset_feature_statistics_list JSON)")
    results = warehouse.run_script(con, SKEW_EXAMPLE)
    anomalies = json.loads(results[-2].rows[0][0])
    _proto_round_trip(anomalies, anomalies_pb2.Anomalies())
    thresholds = {
        i["path"]["step"][0]: i["skew_measurements"][0]["threshold"] for i in anomalies["drift_skew_info"]
    }
    assert thresholds == {"feature1": 0.2, "feature2": 0.5, "sex": 0.3}
    values = {i["path"]["step"][0]: i["skew_measurements"][0]["value"] for i in anomalies["drift_skew_info"]}
    assert 0.3 < values["feature2"] < 0.5  # other islands: above the default, below its own threshold
    assert set(anomalies["anomaly_info"]) == {"feature1"}  # longer bills
    assert "training and serving" in anomalies["anomaly_info"]["feature1"]["short_description"]

    con.execute("ALTER TABLE mydataset.serve_stats RENAME TO servingJan24")
    drift = _anomalies(con, DRIFT_EXAMPLE)
    assert [i["path"]["step"][0] for i in drift["drift_skew_info"]] == ["feature1", "feature2", "sex"]
    assert all("drift_measurements" in i for i in drift["drift_skew_info"])
    assert set(drift["anomaly_info"]) == {"feature1", "feature2"}  # the default thresholds (0.3)


def test_validate_runs_row_by_row_over_stored_statistics(con: duckdb.DuckDBPyConnection) -> None:
    """Statistics kept in a table (one row a day) compared with a baseline in one query."""
    con.execute("CREATE TABLE daily (day INTEGER, stats JSON)")
    for day, table in ((1, "biscoe"), (2, "others"), (3, "biscoe")):
        stats = warehouse.execute(con, f"SELECT * FROM ML.TFDV_DESCRIBE(TABLE {table})").rows[0][0]  # noqa: S608
        con.execute("INSERT INTO daily VALUES (?, ?)", [day, stats])
    rows = warehouse.execute(
        con,
        "SELECT day, ML.TFDV_VALIDATE(base.stats, daily.stats, 'DRIFT') AS anomalies "
        "FROM daily, (SELECT stats FROM daily WHERE day = 1) AS base ORDER BY day",
    ).rows
    found = {day: json.loads(text) for day, text in rows}
    assert "anomaly_info" not in found[1] and "anomaly_info" not in found[3]  # the same data: no anomaly
    assert all(not i["drift_measurements"][0].get("value") for i in found[3]["drift_skew_info"])
    assert found[2]["anomaly_info"]


def test_bad_arguments_are_one_clear_error(con: duckdb.DuckDBPyConnection) -> None:
    describe = "(SELECT * FROM ML.TFDV_DESCRIBE(TABLE biscoe))"
    with pytest.raises(UsageError, match="detection_type 'SIDEWAYS' is not supported"):
        warehouse.execute(con, f"SELECT ML.TFDV_VALIDATE({describe}, {describe}, 'SIDEWAYS')")
    with pytest.raises(UsageError, match="ML.TFDV_VALIDATE takes 2 to 8 arguments, got 1"):
        warehouse.execute(con, f"SELECT ML.TFDV_VALIDATE({describe})")
    with pytest.raises(UsageError, match="numerical_default_threshold = 1.5 is out of range"):
        warehouse.execute(
            con, f"SELECT ML.TFDV_VALIDATE({describe}, {describe}, 'SKEW', 0.3, 'L_INFTY', 1.5)"
        )
    with pytest.raises(UsageError, match="unknown parameter 'top_k'"):
        warehouse.execute(con, "SELECT * FROM ML.TFDV_DESCRIBE(TABLE biscoe, STRUCT(3 AS top_k))")
