"""DNN_CLASSIFIER and DNN_REGRESSOR: the SQL scoring equals scikit-learn's predict/predict_proba on the same
weights, training is scikit-learn's MLP with the options mapped as documented, the metrics equal
scikit-learn's, and options the MLP cannot honour are one clear error.

The reference inputs are encoded here in numpy from ML.FEATURE_INFO's statistics, as BigQuery documents
its automatic preprocessing (NULL -> training mean, (x - mean) / stddev, one-hot with NULL its own
category and an unseen category all zeros), so the SQL's preprocessing is checked too. Training is
kept tiny (a few epochs on a few hundred rows): the machine is shared.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from sklearn.neural_network import MLPClassifier, MLPRegressor

import warehouse
from catalog.sources import ml as ml_source
from lakehouse.errors import UsageError

NUMERIC = ["f0", "f1", "f2"]
ROWS = 400
#: scored rows beyond the training table: an unseen category, every numeric NULL
EXTRA = "SELECT NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, 'purple', 0.0, 'no', 0 UNION ALL SELECT 1e3, -1e3, 3.0, NULL, 0.0, 'yes', 2"
ACTIVATIONS = {"RELU": "relu", "SIGMOID": "logistic", "TANH": "tanh"}


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """Random features with NULLs, a string feature with NULLs, a numeric, a binary and a 3-class label."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(ROWS, len(NUMERIC))) * [1.0, 3.0, 0.5] + [0.0, 10.0, -2.0]
    x[rng.random(x.shape) < 0.15] = np.nan
    z = np.nan_to_num((x - [0.0, 10.0, -2.0]) / [1.0, 3.0, 0.5])
    y = 2 * z[:, 0] + z[:, 1] ** 2 - z[:, 2] + rng.normal(size=ROWS) * 0.3
    frame = pd.DataFrame(x, columns=NUMERIC)
    frame["s"] = rng.choice(["red", "green", "blue", None], size=ROWS)
    frame["y"] = y
    frame["c"] = np.where(y > 0.5, "yes", "no")
    frame["m"] = np.digitize(y, [-1.0, 1.0])
    connection = duckdb.connect()
    connection.register("frame", frame)
    connection.execute("CREATE TABLE t AS SELECT * FROM frame")
    connection.execute(f"CREATE TABLE scored AS SELECT * FROM t UNION ALL {EXTRA}")
    connection.unregister("frame")
    return connection


def _train(con: duckdb.DuckDBPyConnection, name: str, model_type: str, label: str, extra: str = "") -> None:
    warehouse.execute(
        con,
        f"CREATE OR REPLACE MODEL ml.{name} OPTIONS(model_type='{model_type}', input_label_cols=['{label}']"
        f"{extra}) AS SELECT {', '.join(NUMERIC)}, s, {label} FROM t",
    )


def _encoded(con: duckdb.DuckDBPyConnection, name: str, table: str) -> np.ndarray:
    """The rows of ``table`` as BigQuery's DNN preprocessing defines them (numpy, not the model's SQL)."""
    info = {r[0]: r for r in warehouse.execute(con, f"SELECT * FROM ML.FEATURE_INFO(MODEL ml.{name})").rows}
    frame = con.execute(f"SELECT {', '.join(NUMERIC)}, s FROM {table}").df()
    training = con.execute("SELECT DISTINCT s FROM t").fetchall()
    columns = []
    for feature in NUMERIC:
        mean, stddev = info[feature][3], info[feature][5]
        columns.append((frame[feature].fillna(mean).to_numpy(dtype=float) - mean) / stddev)
    categories = sorted(c for (c,) in training if c is not None) + [None]
    for category in categories:
        values = frame["s"].isna() if category is None else frame["s"] == category
        columns.append(values.to_numpy(dtype=float))
    return np.column_stack(columns)


def _weights(con: duckdb.DuckDBPyConnection, name: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The model's state table ``layers`` as scikit-learn's ``coefs_`` and ``intercepts_``."""
    rows = con.execute(
        f'SELECT layer, unit, bias, weights FROM ml."{name}__layers" ORDER BY layer, unit'
    ).fetchall()
    coefs, intercepts = [], []
    for layer in range(1 + max(r[0] for r in rows)):
        mine = [r for r in rows if r[0] == layer]
        coefs.append(np.array([r[3] for r in mine]).T)
        intercepts.append(np.array([r[2] for r in mine]))
    return coefs, intercepts


def _sklearn(con: duckdb.DuckDBPyConnection, name: str, classes: int) -> MLPClassifier | MLPRegressor:
    """scikit-learn's MLP holding the model's weights (shaped by one partial_fit on placeholder rows)."""
    coefs, intercepts = _weights(con, name)
    activation = con.execute(
        f"SELECT json_extract_string(state, '$.activation') FROM ml._models WHERE name = 'ml.{name}'"
    ).fetchone()
    assert activation is not None
    units = tuple(c.shape[1] for c in coefs[:-1])
    shape = np.zeros((max(classes, 2), coefs[0].shape[0]))
    if classes:
        mlp: MLPClassifier | MLPRegressor = MLPClassifier(
            hidden_layer_sizes=units, activation=ACTIVATIONS[activation[0]]
        )
        mlp.partial_fit(shape, np.arange(len(shape)) % classes, classes=np.arange(classes))
    else:
        mlp = MLPRegressor(hidden_layer_sizes=units, activation=ACTIVATIONS[activation[0]])
        mlp.partial_fit(shape, np.zeros(len(shape)))
    mlp.coefs_, mlp.intercepts_ = coefs, intercepts
    return mlp


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-12)


REGRESSORS = {
    "default": "",
    "tanh_two_layers": ", hidden_units=[8, 4], activation_fn='TANH'",
    "sigmoid_sgd_l2": ", hidden_units=[6], activation_fn='SIGMOID', optimizer='SGD', l2_reg=0.01, learn_rate=0.05",
    "wide_relu": ", hidden_units=[300, 2], max_iterations=2",
}


@pytest.mark.parametrize("case", list(REGRESSORS))
def test_regressor_sql_scoring_equals_sklearn_predict(con: duckdb.DuckDBPyConnection, case: str) -> None:
    _train(con, "r", "dnn_regressor", "y", REGRESSORS[case])
    ours = np.array(
        warehouse.execute(con, "SELECT predicted_y FROM ML.PREDICT(MODEL ml.r, TABLE scored)").rows
    )
    theirs = _sklearn(con, "r", 0).predict(_encoded(con, "r", "scored"))
    _close(ours[:, 0].astype(float), theirs)


CLASSIFIERS = {
    "binary_default": ("c", ""),
    "binary_sigmoid": ("c", ", hidden_units=[16], activation_fn='SIGMOID', learn_rate=0.01"),
    "multiclass_three_layers": ("m", ", hidden_units=[32, 16, 8], activation_fn='TANH', learn_rate=0.01"),
    "multiclass_wide_relu": ("m", ", hidden_units=[256], batch_size=64, max_iterations=3"),
}


@pytest.mark.parametrize("case", list(CLASSIFIERS))
def test_classifier_sql_scoring_equals_sklearn_predict_proba(
    con: duckdb.DuckDBPyConnection, case: str
) -> None:
    label, extra = CLASSIFIERS[case]
    _train(con, "k", "dnn_classifier", label, extra)
    rows = warehouse.execute(
        con, f"SELECT predicted_{label}, predicted_{label}_probs FROM ML.PREDICT(MODEL ml.k, TABLE scored)"
    ).rows
    classes = 2 if label == "c" else 3
    mlp = _sklearn(con, "k", classes)
    x = _encoded(con, "k", "scored")
    theirs = mlp.predict_proba(x)
    if classes == 2:
        assert [p["label"] for p in rows[0][1]] == ["yes", "no"]  # the higher label is positive
        probs = np.array([[r[1][1]["prob"], r[1][0]["prob"]] for r in rows])
        assert [r[0] for r in rows] == [["no", "yes"][k] for k in mlp.predict(x)]
    else:
        assert [p["label"] for p in rows[0][1]] == [0, 1, 2]
        probs = np.array([[p["prob"] for p in r[1]] for r in rows])
        assert [r[0] for r in rows] == list(mlp.predict(x))
    _close(probs, theirs)


def test_training_is_sklearns_mlp_with_the_options_mapped_and_is_deterministic(
    con: duckdb.DuckDBPyConnection,
) -> None:
    options = (
        ", hidden_units=[5], optimizer='SGD', learn_rate=0.05, l2_reg=0.01, batch_size=20, "
        "max_iterations=4, early_stop=FALSE, data_split_method='NO_SPLIT', activation_fn='TANH'"
    )
    _train(con, "r", "dnn_regressor", "y", options)
    first = _weights(con, "r")
    _train(con, "r", "dnn_regressor", "y", options)
    again = _weights(con, "r")
    for a, b in zip(first[0] + first[1], again[0] + again[1], strict=True):
        np.testing.assert_array_equal(a, b)
    mlp = MLPRegressor(
        hidden_layer_sizes=(5,),
        activation="tanh",
        solver="sgd",
        learning_rate_init=0.05,
        alpha=0.01,
        batch_size=20,
        momentum=0.0,
        nesterovs_momentum=False,
        random_state=np.random.RandomState(0),
    )
    x = _encoded(con, "r", "t")
    y = con.execute("SELECT y FROM t").fetchnumpy()["y"]
    for _ in range(4):
        mlp.partial_fit(x, y)
    for ours, theirs in zip(first[0] + first[1], mlp.coefs_ + mlp.intercepts_, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    info = warehouse.execute(
        con, "SELECT iteration, loss, eval_loss, learning_rate FROM ML.TRAINING_INFO(MODEL ml.r)"
    ).rows
    assert [r[0] for r in info] == [0, 1, 2, 3] and all(r[2] is None and r[3] == 0.05 for r in info)
    assert info[-1][1] == pytest.approx(skm.mean_squared_error(y, mlp.predict(x)), rel=1e-9)


def test_class_weights_are_sklearns_sample_weights(con: duckdb.DuckDBPyConnection) -> None:
    """AUTO_CLASS_WEIGHTS: each row weighs rows / (rows of its class x classes), BigQuery's formula."""
    options = (
        ", hidden_units=[4, 3], learn_rate=0.01, batch_size=50, max_iterations=3, early_stop=FALSE, "
        "data_split_method='NO_SPLIT', auto_class_weights=TRUE"
    )
    _train(con, "k", "dnn_classifier", "m", options)
    labels = con.execute("SELECT m FROM t").fetchnumpy()["m"]
    counts = np.bincount(labels)
    mlp = MLPClassifier(
        hidden_layer_sizes=(4, 3),
        learning_rate_init=0.01,
        alpha=0.0,  # l2_reg's default
        batch_size=50,
        random_state=np.random.RandomState(0),
    )
    x = _encoded(con, "k", "t")
    weights = len(labels) / (counts[labels] * len(counts))
    mlp.partial_fit(x, labels, sample_weight=weights, classes=np.arange(3))
    for _ in range(2):
        mlp.partial_fit(x, labels, sample_weight=weights)
    ours = _weights(con, "k")
    for a, b in zip(ours[0] + ours[1], mlp.coefs_ + mlp.intercepts_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_binary_metrics_equal_sklearn(con: duckdb.DuckDBPyConnection) -> None:
    _train(con, "b", "dnn_classifier", "c", ", hidden_units=[8], learn_rate=0.01")
    rows = warehouse.execute(
        con, "SELECT c, predicted_c, predicted_c_probs FROM ML.PREDICT(MODEL ml.b, TABLE t)"
    ).rows
    truth = np.array([r[0] == "yes" for r in rows])
    predicted = np.array([r[1] == "yes" for r in rows])
    p_yes = np.array([r[2][0]["prob"] for r in rows])
    evaluated = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.b, TABLE t)")
    values = dict(zip(evaluated.columns, evaluated.rows[0], strict=True))
    assert values["precision"] == pytest.approx(skm.precision_score(truth, predicted), rel=1e-9)
    assert values["recall"] == pytest.approx(skm.recall_score(truth, predicted), rel=1e-9)
    assert values["accuracy"] == pytest.approx(skm.accuracy_score(truth, predicted), rel=1e-9)
    assert values["f1_score"] == pytest.approx(skm.f1_score(truth, predicted), rel=1e-9)
    assert values["log_loss"] == pytest.approx(skm.log_loss(truth, p_yes), rel=1e-9)
    assert values["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, p_yes), rel=1e-9)
    matrix = warehouse.execute(con, "SELECT * FROM ML.CONFUSION_MATRIX(MODEL ml.b, TABLE t)")
    assert matrix.columns == ["expected_label", "no", "yes"]
    assert [list(r[1:]) for r in matrix.rows] == skm.confusion_matrix(truth, predicted).tolist()
    roc = warehouse.execute(
        con,
        "SELECT threshold, true_positives, false_positives FROM ML.ROC_CURVE(MODEL ml.b, TABLE t, GENERATE_ARRAY(0.3, 0.3))",
    ).rows
    assert roc == [(0.3, int((truth & (p_yes > 0.3)).sum()), int((~truth & (p_yes > 0.3)).sum()))]
    strict = warehouse.execute(
        con, "SELECT predicted_c FROM ML.PREDICT(MODEL ml.b, TABLE t, STRUCT(0.3 AS threshold))"
    ).rows
    assert [r[0] == "yes" for r in strict] == list(p_yes > 0.3)


def test_multiclass_and_regression_metrics_equal_sklearn(con: duckdb.DuckDBPyConnection) -> None:
    _train(con, "m", "dnn_classifier", "m", ", hidden_units=[8], learn_rate=0.01")
    rows = warehouse.execute(
        con, "SELECT m, predicted_m, predicted_m_probs FROM ML.PREDICT(MODEL ml.m, TABLE t)"
    ).rows
    truth = np.array([r[0] for r in rows])
    predicted = np.array([r[1] for r in rows])
    probs = np.array([[p["prob"] for p in r[2]] for r in rows])
    evaluated = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.m, TABLE t)")
    values = dict(zip(evaluated.columns, evaluated.rows[0], strict=True))
    for metric, score in [
        ("precision", skm.precision_score),
        ("recall", skm.recall_score),
        ("f1_score", skm.f1_score),
    ]:
        assert values[metric] == pytest.approx(
            score(truth, predicted, average="macro", zero_division=0), rel=1e-9
        )
    assert values["accuracy"] == pytest.approx(skm.accuracy_score(truth, predicted), rel=1e-9)
    assert values["log_loss"] == pytest.approx(skm.log_loss(truth, probs), rel=1e-6)
    assert values["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, probs, multi_class="ovr"), rel=1e-9)
    _train(con, "r", "dnn_regressor", "y", ", hidden_units=[8], learn_rate=0.01")
    truth, predicted = np.array(
        warehouse.execute(con, "SELECT y, predicted_y FROM ML.PREDICT(MODEL ml.r, TABLE t)").rows
    ).T
    evaluated = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.r, TABLE t)")
    values = dict(zip(evaluated.columns, evaluated.rows[0], strict=True))
    assert values["mean_absolute_error"] == pytest.approx(skm.mean_absolute_error(truth, predicted), rel=1e-9)
    assert values["mean_squared_error"] == pytest.approx(skm.mean_squared_error(truth, predicted), rel=1e-9)
    assert values["r2_score"] == pytest.approx(skm.r2_score(truth, predicted), rel=1e-9)
    assert values["explained_variance"] == pytest.approx(
        skm.explained_variance_score(truth, predicted), rel=1e-9
    )


def test_training_info_early_stop_eval_split_feature_info_registry_and_drop(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _train(
        con,
        "k",
        "dnn_classifier",
        "c",
        ", hidden_units=[8], max_iterations=40, data_split_method='RANDOM', data_split_eval_fraction=0.3, auto_class_weights=TRUE, min_rel_progress=0.05",
    )
    info = warehouse.execute(
        con, "SELECT iteration, loss, eval_loss, learning_rate FROM ML.TRAINING_INFO(MODEL ml.k)"
    ).rows
    assert 2 <= len(info) < 40  # stopped early: the eval loss improved by less than 5 %
    assert [r[0] for r in info] == list(range(len(info)))
    assert all(r[1] > 0 and r[2] > 0 and r[3] == 0.001 for r in info)
    features = warehouse.execute(
        con, "SELECT input, category_count, null_count FROM ML.FEATURE_INFO(MODEL ml.k)"
    ).rows
    assert (
        [f for f, *_ in features] == [*NUMERIC, "s"]
        and features[-1][1] == 4
        and all(n > 0 for *_, n in features)
    )
    [record] = [r for r in ml_source.scan(con).records if r.name == "ml.k"]
    assert record.properties["model_type"] == "DNN_CLASSIFIER"
    assert set(record.properties["metrics"]) >= {"roc_auc", "log_loss"}
    warehouse.execute(con, "DROP MODEL ml.k")
    left = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'k\\_\\_%' ESCAPE '\\'"
    ).fetchone()
    assert left == (0,)


def test_default_hidden_units_and_batch_size_follow_bigquery(con: duckdb.DuckDBPyConnection) -> None:
    """One layer of min(128, rows / (10 (inputs + outputs))) units: 400 / (10 * (7 + 1)) = 5."""
    _train(con, "r", "dnn_regressor", "y", ", data_split_method='NO_SPLIT'")
    coefs, _ = _weights(con, "r")
    assert [c.shape for c in coefs] == [(7, 5), (5, 1)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            "model_type='dnn_regressor', booster_type='GBTREE'",
            "unknown option 'booster_type' for model_type DNN_REGRESSOR",
        ),
        (
            "model_type='dnn_regressor', auto_class_weights=TRUE",
            "unknown option 'auto_class_weights' for model_type DNN_REGRESSOR",
        ),
        (
            "model_type='dnn_classifier', warm_start=TRUE",
            "unknown option 'warm_start' for model_type DNN_CLASSIFIER",
        ),
        *[
            (
                f"model_type='dnn_regressor', activation_fn='{a}'",
                f"activation_fn = '{a}' is not available: scikit-learn's MLP",
            )
            for a in ("RELU6", "CRELU", "ELU", "SELU")
        ],
        *[
            (
                f"model_type='dnn_classifier', optimizer='{o}'",
                f"optimizer = '{o}' is not available: scikit-learn's MLP",
            )
            for o in ("ADAGRAD", "FTRL", "RMSPROP")
        ],
        (
            "model_type='dnn_regressor', activation_fn='SWISH'",
            "option activation_fn = 'SWISH' is not supported",
        ),
        (
            "model_type='dnn_regressor', dropout=0.1",
            "dropout = 0.1 is not available: scikit-learn's MLP has no dropout",
        ),
        ("model_type='dnn_regressor', l1_reg=0.1", "l1_reg = 0.1 is not available"),
        ("model_type='dnn_regressor', l2_reg=0.1", "l2_reg applies to optimizer 'SGD' only here"),
        (
            "model_type='dnn_regressor', hidden_units=['a']",
            r"option hidden_units = \['a'\] has the wrong type \(expected an array of integers\)",
        ),
        (
            "model_type='dnn_regressor', hidden_units=[8, 0]",
            r"option hidden_units = \[8, 0\] is out of range",
        ),
        ("model_type='dnn_regressor', batch_size=0", "option batch_size = 0 is out of range"),
        ("model_type='dnn_regressor', learn_rate=2", "option learn_rate = 2 is out of range"),
    ],
)
def test_options_the_type_or_the_mlp_cannot_take_are_one_line_errors(
    con: duckdb.DuckDBPyConnection, options: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message) as raised:
        warehouse.execute(
            con, f"CREATE MODEL ml.x OPTIONS({options}, input_label_cols=['y']) AS SELECT f0, y FROM t"
        )
    assert "\n" not in str(raised.value)
    assert con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ml' AND table_name LIKE 'x\\_\\_%' ESCAPE '\\'"
    ).fetchone() == (0,)
