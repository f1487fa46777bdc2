"""DNN_CLASSIFIER and DNN_REGRESSOR: the SQL scoring equals Keras' own predict on the same weights for
every activation, training honours every optimizer, dropout and L1/L2 and is seeded, the metrics equal
scikit-learn's, and options BigQuery refuses are one clear error.

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

import warehouse
from catalog.sources import ml as ml_source
from lakehouse.errors import UsageError
from warehouse.ml.models.dnn import network

# isort: split
import keras  # after ``network``, which sets KERAS_BACKEND=jax

NUMERIC = ["f0", "f1", "f2"]
ROWS = 400
#: scored rows beyond the training table: an unseen category, every numeric NULL
EXTRA = "SELECT NULL::DOUBLE, NULL::DOUBLE, NULL::DOUBLE, 'purple', 0.0, 'no', 0 UNION ALL SELECT 1e3, -1e3, 3.0, NULL, 0.0, 'yes', 2"
ACTIVATIONS = ["RELU", "RELU6", "CRELU", "ELU", "SELU", "SIGMOID", "TANH"]


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
    """The model's state table ``layers`` as kernels (inputs x units) and biases, layer by layer."""
    rows = con.execute(
        f'SELECT layer, unit, bias, weights FROM ml."{name}__layers" ORDER BY layer, unit'
    ).fetchall()
    coefs, intercepts = [], []
    for layer in range(1 + max(r[0] for r in rows)):
        mine = [r for r in rows if r[0] == layer]
        coefs.append(np.array([r[3] for r in mine]).T)
        intercepts.append(np.array([r[2] for r in mine]))
    return coefs, intercepts


def _keras(con: duckdb.DuckDBPyConnection, name: str) -> keras.Model:
    """Keras' network of the model's shape (``network.build``) holding the weights of its state table."""
    coefs, intercepts = _weights(con, name)
    state = con.execute(
        f"SELECT json_extract_string(state, '$.activation') FROM ml._models WHERE name = 'ml.{name}'"
    ).fetchone()
    assert state is not None
    units = [c.shape[1] for c in coefs[:-1]]
    net = network.build(coefs[0].shape[0], units, state[0], coefs[-1].shape[1])
    net.set_weights([w for pair in zip(coefs, intercepts, strict=True) for w in pair])
    return net


def _predict(net: keras.Model, x: np.ndarray) -> np.ndarray:
    """Keras' own predict (inference mode), as float64 logits."""
    return np.asarray(net.predict(x.astype(np.float32), verbose=0), dtype=np.float64)


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


#: tiny and quick: 400 rows in batches of 40 (no short last batch: one compiled training step)
QUICK = ", max_iterations=2, batch_size=40, data_split_method='NO_SPLIT'"


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_regressor_sql_scoring_equals_keras_predict(con: duckdb.DuckDBPyConnection, activation: str) -> None:
    """Every ACTIVATION_FN (CRELU doubling each layer's width), on rows with NULLs and an unseen category."""
    _train(con, "r", "dnn_regressor", "y", f", hidden_units=[5, 3], activation_fn='{activation}'{QUICK}")
    ours = np.array(
        warehouse.execute(con, "SELECT predicted_y FROM ML.PREDICT(MODEL ml.r, TABLE scored)").rows
    )
    theirs = _predict(_keras(con, "r"), _encoded(con, "r", "scored"))
    _close(ours[:, 0].astype(float), theirs[:, 0])
    if activation == "CRELU":
        assert [c.shape for c in _weights(con, "r")[0]] == [(7, 5), (10, 3), (6, 1)]


CLASSIFIERS = {
    "binary_crelu": ("c", ", hidden_units=[6], activation_fn='CRELU', learn_rate=0.01"),
    "multiclass_selu_dropout": (
        "m",
        ", hidden_units=[8, 4], activation_fn='SELU', dropout=0.3, optimizer='RMSPROP', learn_rate=0.01",
    ),
}


@pytest.mark.parametrize("case", list(CLASSIFIERS))
def test_classifier_sql_scoring_equals_keras_predict(con: duckdb.DuckDBPyConnection, case: str) -> None:
    label, extra = CLASSIFIERS[case]
    _train(con, "k", "dnn_classifier", label, extra + QUICK)
    query = f"SELECT predicted_{label}, predicted_{label}_probs FROM ML.PREDICT(MODEL ml.k, TABLE scored)"
    rows = warehouse.execute(con, query).rows
    assert warehouse.execute(con, query).rows == rows  # dropout is training only: scoring is deterministic
    margins = _predict(_keras(con, "k"), _encoded(con, "k", "scored"))
    if label == "c":
        assert [p["label"] for p in rows[0][1]] == ["yes", "no"]  # the higher label is positive
        p_yes = 1 / (1 + np.exp(-margins[:, 0]))
        _close(np.array([r[1][0]["prob"] for r in rows]), p_yes)
        assert [r[0] for r in rows] == [["no", "yes"][int(p > 0.5)] for p in p_yes]
    else:
        exps = np.exp(margins - margins.max(axis=1, keepdims=True))
        probs = exps / exps.sum(axis=1, keepdims=True)
        assert [p["label"] for p in rows[0][1]] == [0, 1, 2]
        _close(np.array([[p["prob"] for p in r[1]] for r in rows]), probs)
        assert [r[0] for r in rows] == list(probs.argmax(axis=1))


def test_training_is_seeded_and_dropout_changes_training_only(con: duckdb.DuckDBPyConnection) -> None:
    """The same options give the same weights; dropout gives other weights (it acted in training) while
    the model still scores as Keras' inference-mode predict does (checked above)."""
    options = ", hidden_units=[6], activation_fn='TANH', learn_rate=0.05" + QUICK
    _train(con, "r", "dnn_regressor", "y", options)
    first = _weights(con, "r")
    _train(con, "r", "dnn_regressor", "y", options)
    again = _weights(con, "r")
    for a, b in zip(first[0] + first[1], again[0] + again[1], strict=True):
        np.testing.assert_array_equal(a, b)
    _train(con, "r", "dnn_regressor", "y", options + ", dropout=0.5")
    dropped = _weights(con, "r")
    assert not np.allclose(first[0][0], dropped[0][0])


@pytest.mark.parametrize(
    ("optimizer", "regularization"),
    [
        ("ADAGRAD", ", l1_reg=0.001, l2_reg=0.001"),
        ("ADAM", ""),
        ("FTRL", ", l1_reg=0.001, l2_reg=0.001"),
        ("RMSPROP", ""),
        ("SGD", ", l2_reg=0.01"),
    ],
)
def test_each_optimizer_trains(con: duckdb.DuckDBPyConnection, optimizer: str, regularization: str) -> None:
    _train(
        con,
        "r",
        "dnn_regressor",
        "y",
        f", hidden_units=[8], optimizer='{optimizer}', learn_rate=0.02, max_iterations=4, early_stop=FALSE, "
        f"batch_size=40, data_split_method='NO_SPLIT'{regularization}",
    )
    info = warehouse.execute(
        con, "SELECT iteration, loss FROM ML.TRAINING_INFO(MODEL ml.r) ORDER BY iteration"
    ).rows
    assert [r[0] for r in info] == [0, 1, 2, 3]
    losses = [r[1] for r in info]
    assert losses[-1] < losses[0], losses


def test_training_loss_is_the_class_weighted_loss_of_the_stored_network(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """AUTO_CLASS_WEIGHTS: each row weighs rows / (rows of its class x classes), BigQuery's formula; the
    last ML.TRAINING_INFO loss is the weighted cross-entropy of the stored weights on the training rows."""
    _train(con, "k", "dnn_classifier", "m", ", hidden_units=[4, 3], auto_class_weights=TRUE" + QUICK)
    labels = con.execute("SELECT m FROM t").fetchnumpy()["m"]
    counts = np.bincount(labels)
    weights = len(labels) / (counts[labels] * len(counts))
    margins = _predict(_keras(con, "k"), _encoded(con, "k", "t"))
    exps = np.exp(margins - margins.max(axis=1, keepdims=True))
    p = (exps / exps.sum(axis=1, keepdims=True))[np.arange(len(labels)), labels]
    info = warehouse.execute(con, "SELECT loss FROM ML.TRAINING_INFO(MODEL ml.k) ORDER BY iteration").rows
    assert info[-1][0] == pytest.approx(np.average(-np.log(p), weights=weights), rel=1e-5)


def test_binary_metrics_equal_sklearn(con: duckdb.DuckDBPyConnection) -> None:
    _train(con, "b", "dnn_classifier", "c", ", hidden_units=[8], learn_rate=0.01, max_iterations=3")
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
    _train(con, "m", "dnn_classifier", "m", ", hidden_units=[8], learn_rate=0.01, max_iterations=3")
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
    _train(con, "r", "dnn_regressor", "y", ", hidden_units=[8], learn_rate=0.01, max_iterations=3")
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
    _train(con, "r", "dnn_regressor", "y", ", data_split_method='NO_SPLIT', max_iterations=1")
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
        (
            "model_type='dnn_regressor', activation_fn='SWISH'",
            "option activation_fn = 'SWISH' is not supported",
        ),
        (
            "model_type='dnn_classifier', optimizer='LBFGS'",
            "option optimizer = 'LBFGS' is not supported",
        ),
        (
            "model_type='dnn_regressor', l1_reg=0.1",
            "l1_reg applies to optimizer 'ADAGRAD', 'FTRL', 'SGD' only .BigQuery's rule., not 'ADAM'",
        ),
        (
            "model_type='dnn_regressor', optimizer='RMSPROP', l2_reg=0.1",
            "l2_reg applies to optimizer 'ADAGRAD', 'FTRL', 'SGD' only .BigQuery's rule., not 'RMSPROP'",
        ),
        ("model_type='dnn_regressor', dropout=1.0", "option dropout = 1.0 is out of range"),
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
def test_options_bigquery_refuses_are_one_line_errors(
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


def test_a_short_last_batch_filled_with_weightless_rows_trains_as_the_short_batch() -> None:
    """``network.whole_batches``: an epoch of 50 rows in batches of 16 (last batch: 2 rows, filled to 16)
    gives the weights Keras' own fit gives with the short batch, so one training program serves."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 4)).astype(np.float32)
    y = (x @ [1.0, -2.0, 0.5, 3.0]).astype(np.float32)
    w = rng.uniform(0.5, 2.0, size=50).astype(np.float32)
    options = {"optimizer": "ADAGRAD", "l1_reg": 0.0, "l2_reg": 0.01, "activation_fn": "TANH"}
    options |= {"dropout": 0.0, "learn_rate": 0.1}
    ours, theirs = (network.compiled(options, 4, [5], 1, 0) for _ in range(2))
    theirs.set_weights(ours.get_weights())
    for epoch in range(2):
        network.train_epoch(ours, (x, y, w), 16, np.random.default_rng(epoch))
        order = np.random.default_rng(epoch).permutation(50)
        theirs.fit(x[order], y[order], sample_weight=w[order], batch_size=16, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    filled = network.whole_batches((x, y, w), np.arange(50), 16)
    assert [len(a) for a in filled] == [64, 64, 64] and not filled[2][50:].any()
