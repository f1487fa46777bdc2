"""ML.EXPLAIN_PREDICT and ML.GLOBAL_EXPLAIN of the tree types, against xgboost and numpy on the same data.

The data has NULLs in every numeric feature and a string feature (label-encoded, or one-hot). xgboost
computes contributions in float32 while the prediction is the SQL's (DOUBLE), so sums agree to 1e-6
relative to the predictions' scale (``_close``, as in test_trees.py).
"""

from __future__ import annotations

import hashlib
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

import warehouse
from lakehouse.errors import UsageError

FEATURES = ["f0", "f1", "f2", "s"]
ROWS = 400


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    """One warehouse for the module (training is what takes time; ``_train`` trains each model once):
    numeric features with NULLs, a string feature, a numeric, a binary and a 3-class label."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(ROWS, 3))
    x[rng.random(x.shape) < 0.15] = np.nan
    s = rng.choice(["red", "green", "blue", None], size=ROWS)
    y = 2 * np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 1]) ** 2 - (s == "red") + rng.normal(size=ROWS) * 0.3
    frame = pd.DataFrame(x, columns=FEATURES[:3])
    frame["s"] = s
    frame["y"] = y
    frame["c"] = np.where(y > 0.5, "yes", "no")
    frame["m"] = np.digitize(y, [-1.0, 1.0])
    connection = duckdb.connect()
    connection.register("frame", frame)
    connection.execute("CREATE TABLE t AS SELECT row_number() OVER () AS id, * FROM frame")
    connection.unregister("frame")
    return connection


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6 * float(np.abs(theirs).max()))


def _train(con: duckdb.DuckDBPyConnection, model_type: str, label: str, extra: str = "") -> str:
    """The name of the model of these options, trained on every row of ``t`` the first time it is asked for."""
    name = "m_" + hashlib.sha1(f"{model_type}|{label}|{extra}".encode()).hexdigest()[:10]
    warehouse.execute(
        con,
        f"CREATE MODEL IF NOT EXISTS ml.{name} OPTIONS(model_type='{model_type}', input_label_cols=['{label}'], "
        f"data_split_method='NO_SPLIT'{extra}) AS SELECT {', '.join(FEATURES)}, {label} FROM t",
    )
    return name


def _booster(con: duckdb.DuckDBPyConnection, name: str) -> xgb.Booster:
    row = con.execute(f'SELECT model FROM ml."{name}__booster"').fetchone()
    assert row is not None
    booster = xgb.Booster()
    booster.load_model(bytearray(row[0].encode()))
    return booster


def _matrix(con: duckdb.DuckDBPyConnection, one_hot: bool = False) -> np.ndarray:
    """The rows as xgboost saw them in training: NULL -> NaN, ``s`` label-encoded (alphabetical, NULL 0)
    or one-hot over blue, green, red and NULL."""
    one_hots = [f"coalesce(s = '{c}', FALSE)::DOUBLE" for c in ("blue", "green", "red")] + [
        "(s IS NULL)::DOUBLE"
    ]
    label = "coalesce(list_position(['blue', 'green', 'red'], s), 0)::DOUBLE"
    encoded = ", ".join(one_hots) if one_hot else label
    return con.execute(f"SELECT f0, f1, f2, {encoded} FROM t ORDER BY id").df().to_numpy(dtype=float)


def _explained(
    con: duckdb.DuckDBPyConnection, name: str, struct: str = "10 AS top_k_features"
) -> list[dict[str, Any]]:
    """ML.EXPLAIN_PREDICT's rows as dicts (``struct`` None: no STRUCT, the defaults)."""
    params = f", STRUCT({struct})" if struct else ""
    result = warehouse.execute(
        con, f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.{name}, (SELECT * FROM t ORDER BY id){params})"
    )
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _by_feature(rows: list[dict[str, Any]]) -> np.ndarray:
    return np.array(
        [
            [{a["feature"]: a["attribution"] for a in r["top_feature_attributions"]}[f] for f in FEATURES]
            for r in rows
        ]
    )


def _contribs(
    con: duckdb.DuckDBPyConnection, name: str, approximate: bool = False, one_hot: bool = False
) -> np.ndarray:
    """xgboost's own contributions, (rows, outputs, dims + 1), the bias last."""
    values = _booster(con, name).predict(
        xgb.DMatrix(_matrix(con, one_hot)), pred_contribs=True, approx_contribs=approximate
    )
    return values[:, None, :] if values.ndim == 2 else values


def _toward_predicted(values: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """(rows, ...) of (rows, outputs, ...) toward each row's predicted class index."""
    if classes == 0:
        return values[:, 0]
    if classes == 2:
        sign = np.where(predicted == 1, 1.0, -1.0)
        return values[:, 0] * sign.reshape((-1,) + (1,) * (values.ndim - 2))
    return values[np.arange(len(predicted)), predicted]


CASES = {
    "boosted regressor": ("boosted_tree_regressor", "y", []),
    "boosted binary": ("boosted_tree_classifier", "c", ["no", "yes"]),
    "boosted multiclass": ("boosted_tree_classifier", "m", [0, 1, 2]),
    "forest regressor": ("random_forest_regressor", "y", []),
    "forest binary": ("random_forest_classifier", "c", ["no", "yes"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_attributions_plus_baseline_equal_the_prediction_and_xgboosts_contributions(
    con: duckdb.DuckDBPyConnection, case: str
) -> None:
    model_type, label, classes = CASES[case]
    name = _train(con, model_type, label, ", num_parallel_tree=20" if "forest" in case else "")
    rows = _explained(con, name)
    predicted = warehouse.execute(
        con, f"SELECT * FROM ML.PREDICT(MODEL ml.{name}, (SELECT * FROM t ORDER BY id))"
    )
    predictions = [dict(zip(predicted.columns, r, strict=True)) for r in predicted.rows]
    attributions = _by_feature(rows)
    baseline = np.array([r["baseline_prediction_value"] for r in rows])
    value = np.array([r["prediction_value"] for r in rows])
    _close(baseline + attributions.sum(axis=1), value)
    assert all(r["approximation_error"] == 0.0 for r in rows)
    margins = _booster(con, name).predict(xgb.DMatrix(_matrix(con)), output_margin=True).reshape(ROWS, -1)
    if classes:
        assert [r[f"predicted_{label}"] for r in rows] == [p[f"predicted_{label}"] for p in predictions]
        index = np.array([classes.index(r[f"predicted_{label}"]) for r in rows])
        probs = [{x["label"]: x["prob"] for x in p[f"predicted_{label}_probs"]} for p in predictions]
        chosen = [p[r[f"predicted_{label}"]] for p, r in zip(probs, rows, strict=True)]
        np.testing.assert_allclose([r["probability"] for r in rows], chosen, rtol=1e-12)
    else:
        index = np.zeros(ROWS, dtype=int)
        np.testing.assert_allclose(value, [p[f"predicted_{label}"] for p in predictions], rtol=1e-12)
    _close(value, _toward_predicted(margins, index, len(classes)))
    contribs = _toward_predicted(_contribs(con, name), index, len(classes))
    _close(attributions, contribs[:, :-1])
    _close(baseline, contribs[:, -1])


def test_one_hot_dimensions_add_up_to_their_feature(con: duckdb.DuckDBPyConnection) -> None:
    name = _train(con, "boosted_tree_regressor", "y", ", category_encoding_method='ONE_HOT_ENCODING'")
    contribs = _contribs(con, name, one_hot=True)[:, 0]
    attributions = _by_feature(_explained(con, name))
    _close(attributions[:, :3], contribs[:, :3])
    _close(attributions[:, 3], contribs[:, 3:7].sum(axis=1))


def test_approx_feature_contrib_is_xgboosts_approximate_method(con: duckdb.DuckDBPyConnection) -> None:
    name = _train(con, "boosted_tree_regressor", "y")
    attributions = _by_feature(_explained(con, name, "10 AS top_k_features, TRUE AS approx_feature_contrib"))
    approximate = _contribs(con, name, approximate=True)[:, 0, :-1]
    _close(attributions, approximate)
    assert np.abs(attributions - _contribs(con, name)[:, 0, :-1]).max() > 1e-3  # not the exact method


def test_top_k_features_keeps_the_largest_absolute_attributions_in_order(
    con: duckdb.DuckDBPyConnection,
) -> None:
    name = _train(con, "boosted_tree_regressor", "y")
    full = _by_feature(_explained(con, name))
    for k, struct in [(2, "2 AS top_k_features"), (4, "")]:  # the default, 5, is more than the features
        rows = _explained(con, name, struct)
        for row, values in zip(rows, full, strict=True):
            order = np.argsort(-np.abs(values), kind="stable")[:k]
            assert [a["feature"] for a in row["top_feature_attributions"]] == [FEATURES[i] for i in order]


def test_a_threshold_moves_the_prediction_and_the_attributions_follow(con: duckdb.DuckDBPyConnection) -> None:
    name = _train(con, "boosted_tree_classifier", "c")
    rows = _explained(con, name, "10 AS top_k_features, 0.9 AS threshold")
    probs = _booster(con, name).predict(xgb.DMatrix(_matrix(con)))
    assert [r["predicted_c"] for r in rows] == ["yes" if p > 0.9 else "no" for p in probs]
    assert sum(r["predicted_c"] == "no" and p > 0.5 for r, p in zip(rows, probs, strict=True)) > 0
    value = np.array([r["prediction_value"] for r in rows])
    _close(np.array([r["baseline_prediction_value"] for r in rows]) + _by_feature(rows).sum(axis=1), value)
    assert all(r["probability"] >= 0.1 for r in rows)


@pytest.mark.parametrize(
    ("model_type", "label", "extra", "approximate"),
    [
        ("boosted_tree_regressor", "y", "", False),
        ("boosted_tree_classifier", "m", "", False),
        ("random_forest_classifier", "c", ", num_parallel_tree=60", True),  # BigQuery's default: >= 50 trees
        ("boosted_tree_regressor", "y", ", approx_global_feature_contrib=TRUE", True),
    ],
)
def test_global_explain_is_the_mean_absolute_attribution_over_the_training_rows(
    con: duckdb.DuckDBPyConnection, model_type: str, label: str, extra: str, approximate: bool
) -> None:
    name = _train(con, model_type, label, ", enable_global_explain=TRUE" + extra)
    contribs = _contribs(con, name, approximate=approximate)[:, :, :-1]
    contribs = np.concatenate([contribs[:, :, :3], contribs[:, :, 3:].sum(axis=2, keepdims=True)], axis=2)
    margins = contribs.sum(axis=2) + _contribs(con, name, approximate=approximate)[:, :, -1]
    classes = {"y": 0, "c": 2, "m": 3}[label]
    predicted = (margins[:, 0] > 0).astype(int) if classes == 2 else margins.argmax(axis=1)
    expected = np.abs(_toward_predicted(contribs, predicted, classes)).mean(axis=0)
    rows = warehouse.execute(con, f"SELECT feature, attribution FROM ML.GLOBAL_EXPLAIN(MODEL ml.{name})").rows
    assert [a for _, a in rows] == sorted((a for _, a in rows), reverse=True)
    got = dict(rows)
    _close(np.array([got[f] for f in FEATURES]), expected)
    if not classes:
        return
    by_class = warehouse.execute(
        con, f"SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.{name}, STRUCT(TRUE AS class_level_explain))"
    )
    assert by_class.columns == ["class_label", "feature", "attribution"]
    labels = ["no", "yes"] if classes == 2 else ["0", "1", "2"]
    for k, name in enumerate(labels):
        toward = contribs[:, 0] * (1 if k == 1 else -1) if classes == 2 else contribs[:, k]
        means = np.abs(toward).mean(axis=0)
        mine = {f: a for c, f, a in by_class.rows if c == name}
        assert list(mine) == [FEATURES[i] for i in np.argsort(-means, kind="stable")]
        _close(np.array([mine[f] for f in FEATURES]), means)


def test_global_explain_needs_enable_global_explain(con: duckdb.DuckDBPyConnection) -> None:
    name = _train(con, "boosted_tree_regressor", "y")
    with pytest.raises(
        UsageError, match=rf"model ml\.{name} was not trained with enable_global_explain = TRUE"
    ):
        warehouse.execute(con, f"SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.{name})")
    name = _train(con, "boosted_tree_regressor", "y", ", enable_global_explain=TRUE")
    with pytest.raises(UsageError, match="class_level_explain applies to classification models only"):
        warehouse.execute(
            con, f"SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.{name}, STRUCT(TRUE AS class_level_explain))"
        )


@pytest.mark.parametrize(
    ("struct", "message"),
    [
        ("0 AS top_k_features", "top_k_features = 0 is not a positive integer"),
        ("0.5 AS threshold", "threshold applies to binary models only"),
        ("15 AS integrated_gradients_num_steps", "unknown parameter 'integrated_gradients_num_steps'"),
    ],
)
def test_bad_parameters_are_clear_errors(con: duckdb.DuckDBPyConnection, struct: str, message: str) -> None:
    name = _train(con, "boosted_tree_regressor", "y")
    with pytest.raises(UsageError, match=message):
        warehouse.execute(
            con, f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.{name}, TABLE t, STRUCT({struct}))"
        )


def test_the_documented_statements_run_with_only_table_names_changed(con: duckdb.DuckDBPyConnection) -> None:
    """The boosted tree binary classifier example of
    https://cloud.google.com/bigquery/docs/reference/standard-sql/bigqueryml-syntax-explain-predict and the
    classifier example of https://cloud.google.com/bigquery/docs/reference/standard-sql/bigqueryml-syntax-global-explain,
    verbatim; the model ``mydataset.mymodel`` is trained on ``mydataset.mytable`` as the page assumes."""
    con.execute("CREATE SCHEMA mydataset")
    con.execute(
        "CREATE TABLE mydataset.mytable AS SELECT c AS label, f0 AS column1, f1 AS column2, f2 AS column3, "
        "s AS column4, m AS column5 FROM t"
    )
    warehouse.execute(
        con,
        "CREATE MODEL mydataset.mymodel OPTIONS(model_type='BOOSTED_TREE_CLASSIFIER', input_label_cols=['label'], "
        "enable_global_explain=TRUE) AS SELECT * FROM mydataset.mytable",
    )
    explained = warehouse.execute(
        con,
        """
SELECT
  *
FROM
  ML.EXPLAIN_PREDICT(MODEL `mydataset.mymodel`,
    (
    SELECT
      label,
      column1,
      column2,
      column3,
      column4,
      column5
    FROM
      `mydataset.mytable`), STRUCT(3 AS top_k_features, 0.7 AS threshold))
""",
    )
    assert explained.columns[:6] == [
        "predicted_label",
        "probability",
        "top_feature_attributions",
        "baseline_prediction_value",
        "prediction_value",
        "approximation_error",
    ]
    assert explained.columns[6:] == ["label", "column1", "column2", "column3", "column4", "column5"]
    assert len(explained.rows) == ROWS and all(len(r[2]) == 3 for r in explained.rows)
    by_class = warehouse.execute(
        con,
        """
SELECT
  *
FROM
  ML.GLOBAL_EXPLAIN(MODEL `mydataset.mymodel`, STRUCT(TRUE AS class_level_explain))
""",
    )
    assert {r[0] for r in by_class.rows} == {"no", "yes"} and len(by_class.rows) == 10
