"""ML.EVALUATE equals sklearn.metrics on the same predictions (1e-9)."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics
from sqlglot import exp

import warehouse
from warehouse.ml import metrics as ml_metrics


def _close(ours: dict[str, float], expected: dict[str, float]) -> None:
    for name, value in expected.items():
        assert ours[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_regression_metrics(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.lin OPTIONS(model_type='linear_reg', input_label_cols=['target']) AS SELECT * EXCEPT(row_id) FROM sk.diabetes",
    )
    rows = warehouse.execute(
        con,
        "SELECT target, predicted_target FROM ML.PREDICT(MODEL ml.lin, TABLE sk.diabetes) WHERE row_id < 301",
    ).rows
    y, p = np.array(rows).T
    ours = warehouse.execute(
        con, "SELECT * FROM ML.EVALUATE(MODEL ml.lin, (SELECT * FROM sk.diabetes WHERE row_id < 301))"
    ).to_dicts()[0]
    errors = np.sort(np.abs(y - p))
    _close(
        ours,
        {
            "mean_absolute_error": metrics.mean_absolute_error(y, p),
            "mean_squared_error": metrics.mean_squared_error(y, p),
            "mean_squared_log_error": metrics.mean_squared_log_error(y, p),
            "median_absolute_error": errors[(len(errors) - 1) // 2],  # the lower median, as BigQuery
            "r2_score": metrics.r2_score(y, p),
            "explained_variance": metrics.explained_variance_score(y, p),
        },
    )
    assert len(errors) % 2 == 1 or ours["median_absolute_error"] != metrics.median_absolute_error(y, p)


def test_binary_classification_metrics(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.bc OPTIONS(model_type='logistic_reg', input_label_cols=['target'], l2_reg=1) AS SELECT * EXCEPT(row_id) FROM sk.breast_cancer",
    )
    for threshold in (0.5, 0.8):
        rows = warehouse.execute(
            con,
            f"SELECT target, predicted_target, predicted_target_probs[OFFSET(0)].prob FROM ML.PREDICT(MODEL ml.bc, TABLE sk.breast_cancer, STRUCT({threshold} AS threshold))",
        ).rows
        y, pred, prob = (np.array(c) for c in zip(*rows, strict=True))
        ours = warehouse.execute(
            con,
            f"SELECT * FROM ML.EVALUATE(MODEL ml.bc, TABLE sk.breast_cancer, STRUCT({threshold} AS threshold))",
        ).to_dicts()[0]
        _close(
            ours,
            {
                "precision": metrics.precision_score(y, pred),
                "recall": metrics.recall_score(y, pred),
                "accuracy": metrics.accuracy_score(y, pred),
                "f1_score": metrics.f1_score(y, pred),
                "log_loss": metrics.log_loss(y, prob),
                "roc_auc": metrics.roc_auc_score(y, prob),
            },
        )
    curve = warehouse.execute(
        con, "SELECT * FROM ML.ROC_CURVE(MODEL ml.bc, TABLE sk.breast_cancer, GENERATE_ARRAY(0.2, 0.8, 0.3))"
    ).to_dicts()
    assert [round(r["threshold"], 9) for r in curve] == [0.2, 0.5, 0.8]
    middle = curve[1]
    assert middle["true_positives"] + middle["false_negatives"] == int(y.sum())


def test_multiclass_metrics_are_macro_averages(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.iris OPTIONS(model_type='logistic_reg', input_label_cols=['target']) AS SELECT * EXCEPT(row_id) FROM sk.iris",
    )
    result = warehouse.execute(
        con,
        "SELECT target, predicted_target, predicted_target_probs FROM ML.PREDICT(MODEL ml.iris, TABLE sk.iris)",
    )
    y = np.array([r[0] for r in result.rows])
    pred = np.array([r[1] for r in result.rows])
    probs = np.array([[p["prob"] for p in sorted(r[2], key=lambda s: s["label"])] for r in result.rows])
    ours = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.iris, TABLE sk.iris)").to_dicts()[0]
    _close(
        ours,
        {
            "precision": metrics.precision_score(y, pred, average="macro", zero_division=0),
            "recall": metrics.recall_score(y, pred, average="macro"),
            "accuracy": metrics.accuracy_score(y, pred),
            "f1_score": metrics.f1_score(y, pred, average="macro"),
            "log_loss": metrics.log_loss(y, probs),
            "roc_auc": metrics.roc_auc_score(y, probs, multi_class="ovr", average="macro"),
        },
    )
    matrix = warehouse.execute(
        con,
        "SELECT * EXCEPT(expected_label) FROM ML.CONFUSION_MATRIX(MODEL ml.iris, TABLE sk.iris) ORDER BY expected_label",
    ).rows
    np.testing.assert_array_equal(np.array(matrix), metrics.confusion_matrix(y, pred))


_VALUES = st.floats(-5.0, 5.0, allow_nan=False) | st.sampled_from([-1.0, -0.5, 0.0, 2.0])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_VALUES, _VALUES), min_size=1, max_size=40))
def test_metrics_known_from_arrays_are_the_sql_metrics(rows: list[tuple[float, float]]) -> None:
    """A caller holding the rows in memory (the tree types) passes the median and a NULL log error from
    the arrays: every metric is what the SQL alone gives, bit for bit (ties, labels at -1, odd and even
    row counts)."""
    y, pred = (np.array(c, dtype=np.float64) for c in zip(*rows, strict=True))
    con = duckdb.connect()
    con.register("scored", pa.table({"__y": y, "__pred": pred}))
    relation = exp.select("*").from_("scored")
    known = ml_metrics.known_from_arrays(y, pred)
    assert ml_metrics.regression(con, relation, known) == ml_metrics.regression(con, relation)
    assert ("mean_squared_log_error" in known) == (min(y.min(), pred.min()) <= -1)
