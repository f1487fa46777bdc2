"""BOOSTED_TREE_* and RANDOM_FOREST_*: the SQL scoring equals xgboost's own predict, the metrics equal
scikit-learn's, BigQuery's tutorial statements run, and the options, functions and registry behave.

Tolerance: xgboost sums its trees in float32, the SQL in DOUBLE, so predictions agree to 1e-6 relative
to the predictions' scale (``_close``); the splits themselves are exact (float32 comparisons).
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb
from sklearn import metrics as skm

import warehouse
from catalog.sources import ml as ml_source
from lakehouse.errors import UsageError

FEATURES = [f"f{i}" for i in range(4)]
ROWS = 600


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """Random features with NULLs, a string feature, a numeric, a binary and a 3-class label."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(ROWS, len(FEATURES)))
    x[rng.random(x.shape) < 0.15] = np.nan
    y = (
        2 * np.nan_to_num(x[:, 0])
        + np.nan_to_num(x[:, 1]) ** 2
        - np.nan_to_num(x[:, 2])
        + rng.normal(size=ROWS) * 0.3
    )
    frame = pd.DataFrame(x, columns=FEATURES)
    frame["y"] = y
    frame["c"] = np.where(y > 0.5, "yes", "no")
    frame["m"] = np.digitize(y, [-1.0, 1.0])
    frame["s"] = rng.choice(["red", "green", "blue", None], size=ROWS)
    connection = duckdb.connect()
    connection.register("frame", frame)
    connection.execute("CREATE TABLE t AS SELECT * FROM frame")
    connection.unregister("frame")
    return connection


def _booster(con: duckdb.DuckDBPyConnection, name: str) -> xgb.Booster:
    row = con.execute(f'SELECT model FROM ml."{name}__booster"').fetchone()
    assert row is not None
    booster = xgb.Booster()
    booster.load_model(bytearray(row[0].encode()))
    return booster


def _matrix(con: duckdb.DuckDBPyConnection) -> xgb.DMatrix:
    x = con.execute(f"SELECT {', '.join(FEATURES)} FROM t").df()
    return xgb.DMatrix(x.to_numpy(dtype=float))  # NULL -> NaN, xgboost's missing value


def _close(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6 * float(np.abs(theirs).max()))


def _train(con: duckdb.DuckDBPyConnection, name: str, model_type: str, label: str, extra: str = "") -> None:
    warehouse.execute(
        con,
        f"CREATE OR REPLACE MODEL ml.{name} OPTIONS(model_type='{model_type}', input_label_cols=['{label}']{extra}) "
        f"AS SELECT {', '.join(FEATURES)}, {label} FROM t",
    )


REGRESSORS = {
    "boosted": ("boosted_tree_regressor", ""),
    "deep": (
        "boosted_tree_regressor",
        ", max_tree_depth=20, min_tree_child_weight=0, l2_reg=0, max_iterations=5",
    ),
    "dart": (
        "boosted_tree_regressor",
        ", booster_type='DART', dropout=0.3, early_stop=FALSE, max_iterations=8",
    ),
    "exact_l1": (
        "boosted_tree_regressor",
        ", tree_method='EXACT', l1_reg=0.5, subsample=0.7, colsample_bylevel=0.5",
    ),
    "forest_500": ("random_forest_regressor", ", num_parallel_tree=500, max_tree_depth=4"),
}


@pytest.mark.parametrize("case", list(REGRESSORS))
def test_regressor_sql_scoring_equals_xgboost_predict(con: duckdb.DuckDBPyConnection, case: str) -> None:
    model_type, extra = REGRESSORS[case]
    _train(con, "r", model_type, "y", extra)
    ours = np.array(warehouse.execute(con, "SELECT predicted_y FROM ML.PREDICT(MODEL ml.r, TABLE t)").rows)[
        :, 0
    ]
    booster = _booster(con, "r")
    _close(ours.astype(float), booster.predict(_matrix(con)))
    trees = con.execute('SELECT count(DISTINCT tree), max(feature) FROM ml."r__trees"').fetchone()
    assert trees is not None and trees[0] == booster.num_boosted_rounds() * (
        500 if case == "forest_500" else 1
    )


def test_nan_inputs_score_as_xgboost(con: duckdb.DuckDBPyConnection) -> None:
    """A NaN input is xgboost's missing value: it follows each split's default direction, as NULL does
    (the training NULLs give the splits both directions). xgboost refuses infinite inputs."""
    _train(con, "r", "boosted_tree_regressor", "y")
    con.execute(
        "CREATE TABLE odd AS SELECT CASE WHEN rowid % 3 = 0 THEN 'NaN'::DOUBLE ELSE f0 END AS f0, "
        "CASE WHEN rowid % 5 = 0 THEN 'NaN'::DOUBLE ELSE f1 END AS f1, f2, f3 FROM t"
    )
    directions = con.execute('SELECT DISTINCT missing_yes FROM ml."r__trees" WHERE feature >= 0').fetchall()
    assert sorted(d for (d,) in directions) == [False, True]
    ours = np.array(warehouse.execute(con, "SELECT predicted_y FROM ML.PREDICT(MODEL ml.r, TABLE odd)").rows)
    x = con.execute(f"SELECT {', '.join(FEATURES)} FROM odd").df().to_numpy(dtype=float)
    _close(ours[:, 0].astype(float), _booster(con, "r").predict(xgb.DMatrix(x)))


@pytest.mark.parametrize(
    ("model_type", "label"),
    [("boosted_tree_regressor", "y"), ("boosted_tree_classifier", "c"), ("random_forest_classifier", "m")],
)
def test_stored_metrics_equal_evaluate_in_sql(
    con: duckdb.DuckDBPyConnection, model_type: str, label: str
) -> None:
    """The metrics stored at training (from xgboost's margins) equal ML.EVALUATE's compiled SQL on the
    same rows (no split: every row)."""
    _train(con, "e", model_type, label, ", data_split_method='NO_SPLIT'")
    stored = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.e)")
    scored = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.e, TABLE t)")
    assert stored.columns == scored.columns
    np.testing.assert_allclose(np.array(stored.rows[0], float), np.array(scored.rows[0], float), rtol=1e-6)


def test_deep_trees_reach_depth_20_and_still_score(con: duckdb.DuckDBPyConnection) -> None:
    """A chain-shaped target forces deep splits; the nested CASE stays under DuckDB's depth limit."""
    con.execute("CREATE TABLE chain AS SELECT i::DOUBLE AS f0, i % 2 AS y FROM range(400) r(i)")
    warehouse.execute(
        con,
        "CREATE MODEL ml.chain OPTIONS(model_type='boosted_tree_regressor', input_label_cols=['y'], max_tree_depth=20, "
        "min_tree_child_weight=0, l2_reg=0, max_iterations=1, learn_rate=1, data_split_method='NO_SPLIT') AS SELECT * FROM chain",
    )
    depth = _depth(con, "chain")
    assert depth == 20
    ours = np.array(
        warehouse.execute(con, "SELECT predicted_y FROM ML.PREDICT(MODEL ml.chain, TABLE chain)").rows
    )[:, 0]
    x = con.execute("SELECT f0 FROM chain").fetchnumpy()["f0"].reshape(-1, 1)
    _close(ours.astype(float), _booster(con, "chain").predict(xgb.DMatrix(x)))


def _depth(con: duckdb.DuckDBPyConnection, name: str) -> int:
    rows = con.execute(f'SELECT tree, node, yes, no FROM ml."{name}__trees" WHERE feature >= 0').fetchall()
    children = {(t, n): (y, n2) for t, n, y, n2 in rows}

    def depth(tree: int, node: int) -> int:
        if (tree, node) not in children:
            return 0
        return 1 + max(depth(tree, c) for c in children[(tree, node)])

    return max(depth(t, 0) for t, *_ in rows)


@pytest.mark.parametrize("model_type", ["boosted_tree_classifier", "random_forest_classifier"])
def test_binary_classifier_equals_xgboost_and_metrics_equal_sklearn(
    con: duckdb.DuckDBPyConnection, model_type: str
) -> None:
    _train(con, "b", model_type, "c", ", num_parallel_tree=20" if "forest" in model_type else "")
    rows = warehouse.execute(
        con, "SELECT c, predicted_c, predicted_c_probs FROM ML.PREDICT(MODEL ml.b, TABLE t)"
    ).rows
    assert rows[0][2][0]["label"] == "yes" and rows[0][2][1]["label"] == "no"  # higher label is positive
    p_yes = np.array([r[2][0]["prob"] for r in rows])
    _close(p_yes, _booster(con, "b").predict(_matrix(con)))
    truth = np.array([r[0] == "yes" for r in rows])
    predicted = np.array([r[1] == "yes" for r in rows])
    assert (predicted == (p_yes > 0.5)).all()
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
        "SELECT threshold, true_positives FROM ML.ROC_CURVE(MODEL ml.b, TABLE t, GENERATE_ARRAY(0.5, 0.5))",
    ).rows
    assert roc == [(0.5, int((truth & predicted).sum()))]


def test_multiclass_classifier_equals_xgboost_and_metrics_equal_sklearn(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _train(con, "m", "boosted_tree_classifier", "m")
    rows = warehouse.execute(
        con, "SELECT m, predicted_m, predicted_m_probs FROM ML.PREDICT(MODEL ml.m, TABLE t)"
    ).rows
    probs = np.array([[p["prob"] for p in r[2]] for r in rows])
    assert [p["label"] for p in rows[0][2]] == [0, 1, 2]
    _close(probs, _booster(con, "m").predict(_matrix(con)))
    truth = np.array([r[0] for r in rows])
    predicted = np.array([r[1] for r in rows])
    assert (predicted == probs.argmax(axis=1)).all()
    evaluated = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.m, TABLE t)")
    values = dict(zip(evaluated.columns, evaluated.rows[0], strict=True))
    assert values["precision"] == pytest.approx(
        skm.precision_score(truth, predicted, average="macro"), rel=1e-9
    )
    assert values["recall"] == pytest.approx(skm.recall_score(truth, predicted, average="macro"), rel=1e-9)
    assert values["f1_score"] == pytest.approx(skm.f1_score(truth, predicted, average="macro"), rel=1e-9)
    assert values["accuracy"] == pytest.approx(skm.accuracy_score(truth, predicted), rel=1e-9)
    assert values["log_loss"] == pytest.approx(skm.log_loss(truth, probs), rel=1e-6)
    assert values["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, probs, multi_class="ovr"), rel=1e-9)


def test_regression_metrics_equal_sklearn(con: duckdb.DuckDBPyConnection) -> None:
    _train(con, "r", "boosted_tree_regressor", "y")
    rows = warehouse.execute(con, "SELECT y, predicted_y FROM ML.PREDICT(MODEL ml.r, TABLE t)").rows
    truth, predicted = np.array(rows).T
    evaluated = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.r, TABLE t)")
    values = dict(zip(evaluated.columns, evaluated.rows[0], strict=True))
    assert values["mean_absolute_error"] == pytest.approx(skm.mean_absolute_error(truth, predicted), rel=1e-9)
    assert values["mean_squared_error"] == pytest.approx(skm.mean_squared_error(truth, predicted), rel=1e-9)
    assert values["r2_score"] == pytest.approx(skm.r2_score(truth, predicted), rel=1e-9)
    assert values["explained_variance"] == pytest.approx(
        skm.explained_variance_score(truth, predicted), rel=1e-9
    )
    assert values["mean_squared_log_error"] is None  # labels below -1: BigQuery's MSLE is undefined


def test_string_features_are_label_encoded_and_one_hot_on_request(con: duckdb.DuckDBPyConnection) -> None:
    for method, dims in [("LABEL_ENCODING", 2), ("ONE_HOT_ENCODING", 5), ("TARGET_ENCODING", 2)]:
        warehouse.execute(
            con,
            "CREATE OR REPLACE MODEL ml.s OPTIONS(model_type='boosted_tree_regressor', input_label_cols=['y'], "
            f"category_encoding_method='{method}') AS SELECT f0, s, y FROM t",
        )
        model = warehouse.execute(con, "SELECT json_extract(state, '$.dims') FROM ml._models").rows[0][0]
        assert len(json.loads(model)) == dims
        x = con.execute(
            "SELECT f0, coalesce(list_position(['blue', 'green', 'red'], s), 0)::DOUBLE AS s FROM t"
        ).df()
        if method == "ONE_HOT_ENCODING":
            continue
        if method == "TARGET_ENCODING":
            means = con.execute("SELECT state FROM ml._models").fetchone()
            assert means is not None and '"target_encoding": {"1"' in means[0]
            continue
        ours = np.array(
            warehouse.execute(con, "SELECT predicted_y FROM ML.PREDICT(MODEL ml.s, TABLE t)").rows
        )[:, 0]
        _close(ours.astype(float), _booster(con, "s").predict(xgb.DMatrix(x.to_numpy(dtype=float))))


def test_feature_importance_equals_xgboost_get_score(con: duckdb.DuckDBPyConnection) -> None:
    _train(con, "r", "boosted_tree_regressor", "y")
    rows = warehouse.execute(con, "SELECT * FROM ML.FEATURE_IMPORTANCE(MODEL ml.r)").rows
    booster = _booster(con, "r")
    for kind, column in [("weight", 1), ("gain", 2), ("cover", 3)]:
        score = booster.get_score(importance_type=kind)
        for row in rows:
            assert row[column] == pytest.approx(score.get(f"f{FEATURES.index(row[0])}", 0.0), rel=1e-5)


def test_instance_weights_of_one_train_the_unweighted_booster_and_others_change_it(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Weights all 1 are left out of xgboost's matrix: the same booster as no weight column (the default
    split included); any other weights are given to xgboost and change the trees."""
    con.execute("ALTER TABLE t ADD COLUMN one DOUBLE DEFAULT 1.0")
    con.execute("ALTER TABLE t ADD COLUMN varied DOUBLE")
    con.execute("UPDATE t SET varied = 1.0 + (rowid % 4)")
    _train(con, "plain", "boosted_tree_regressor", "y")
    boosters = {}
    for column in ("one", "varied"):
        warehouse.execute(
            con,
            f"CREATE OR REPLACE MODEL ml.{column} OPTIONS(model_type='boosted_tree_regressor', "
            f"input_label_cols=['y'], instance_weight_col='{column}') "
            f"AS SELECT {', '.join(FEATURES)}, y, {column} FROM t",
        )
        boosters[column] = _booster(con, column).save_raw("json")
    plain = _booster(con, "plain").save_raw("json")
    assert boosters["one"] == plain
    assert boosters["varied"] != plain


def test_training_info_early_stop_feature_info_registry_and_drop(con: duckdb.DuckDBPyConnection) -> None:
    _train(con, "r", "boosted_tree_regressor", "y", ", max_iterations=50, min_rel_progress=0.05")
    info = warehouse.execute(
        con, "SELECT iteration, loss, eval_loss, learning_rate FROM ML.TRAINING_INFO(MODEL ml.r)"
    ).rows
    assert 2 <= len(info) < 50  # stopped early: the eval loss improved by less than 5 %
    assert [r[0] for r in info] == list(range(len(info)))
    assert all(r[2] is not None and r[3] == 0.3 for r in info)
    assert info[-1][1] < info[0][1]
    features = warehouse.execute(con, "SELECT input, null_count FROM ML.FEATURE_INFO(MODEL ml.r)").rows
    assert [f for f, _ in features] == FEATURES and all(n > 0 for _, n in features)
    [record] = [r for r in ml_source.scan(con).records if r.name == "ml.r"]
    assert record.properties["model_type"] == "BOOSTED_TREE_REGRESSOR"
    assert set(record.properties["metrics"]) >= {"r2_score", "mean_absolute_error"}
    warehouse.execute(con, "DROP MODEL ml.r")
    left = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'r\\_\\_%' ESCAPE '\\'"
    ).fetchone()
    assert left == (0,)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            "model_type='random_forest_regressor', learn_rate=0.1",
            "unknown option 'learn_rate' for model_type RANDOM_FOREST_REGRESSOR",
        ),
        ("model_type='random_forest_regressor', max_iterations=5", "unknown option 'max_iterations'"),
        (
            "model_type='boosted_tree_regressor', auto_class_weights=TRUE",
            "unknown option 'auto_class_weights'",
        ),
        ("model_type='boosted_tree_regressor', dropout=0.2", "dropout applies to booster_type = 'DART' only"),
        ("model_type='random_forest_regressor', colsample_bynode=1.0", "a random forest needs colsample"),
        ("model_type='random_forest_regressor', subsample=1.0", "option subsample = 1.0 is out of range"),
        (
            "model_type='boosted_tree_regressor', booster_type='LINEAR'",
            "option booster_type = 'LINEAR' is not supported",
        ),
        (
            "model_type='boosted_tree_regressor', max_tree_depth=21",
            "option max_tree_depth = 21 is out of range",
        ),
    ],
)
def test_options_a_type_does_not_take_are_clear_errors(
    con: duckdb.DuckDBPyConnection, options: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        warehouse.execute(
            con, f"CREATE MODEL ml.x OPTIONS({options}, input_label_cols=['y']) AS SELECT f0, y FROM t"
        )


def test_the_boosted_tree_tutorial_runs_with_only_table_names_changed(con: duckdb.DuckDBPyConnection) -> None:
    """BigQuery ML's boosted-tree classifier tutorial (census income), on a small synthetic census table."""
    rng = np.random.default_rng(3)
    n = 800
    census = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "workclass": rng.choice([" Private", " Self-emp", " State-gov"], n),
            "marital_status": rng.choice([" Married", " Never-married", " Divorced"], n),
            "education_num": rng.integers(1, 16, n),
            "occupation": rng.choice([" Sales", " Tech-support", " Craft-repair"], n),
            "hours_per_week": rng.integers(10, 70, n),
            "functional_weight": rng.integers(10_000, 500_000, n),
        }
    )
    score = census["education_num"] * 3 + census["hours_per_week"] + rng.normal(0, 10, n)
    census["income_bracket"] = np.where(score > 70, " >50K", " <=50K")
    con.register("census", census)
    con.execute("CREATE SCHEMA bqml_tutorial")
    con.execute("CREATE TABLE bqml_tutorial.census_adult_income AS SELECT * FROM census")
    warehouse.execute(
        con,
        """
        CREATE OR REPLACE VIEW `bqml_tutorial.input_data` AS
        SELECT
          age, workclass, marital_status, education_num, occupation, hours_per_week, income_bracket,
          CASE
            WHEN MOD(functional_weight, 10) < 8 THEN 'training'
            WHEN MOD(functional_weight, 10) = 8 THEN 'evaluation'
            WHEN MOD(functional_weight, 10) = 9 THEN 'prediction'
          END AS dataframe
        FROM `bqml_tutorial.census_adult_income`
        """,
    )
    warehouse.execute(
        con,
        """
        CREATE MODEL `bqml_tutorial.tree_model`
        OPTIONS(MODEL_TYPE='BOOSTED_TREE_CLASSIFIER',
                BOOSTER_TYPE = 'GBTREE',
                NUM_PARALLEL_TREE = 1,
                MAX_ITERATIONS = 50,
                TREE_METHOD = 'HIST',
                EARLY_STOP = FALSE,
                SUBSAMPLE = 0.85,
                INPUT_LABEL_COLS = ['income_bracket'])
        AS SELECT * EXCEPT(dataframe)
        FROM `bqml_tutorial.input_data`
        WHERE dataframe = 'training'
        """,
    )
    evaluated = warehouse.execute(
        con,
        """
        SELECT *
        FROM ML.EVALUATE(MODEL `bqml_tutorial.tree_model`,
          (SELECT * FROM `bqml_tutorial.input_data` WHERE dataframe = 'evaluation'))
        """,
    )
    assert evaluated.columns == ["precision", "recall", "accuracy", "f1_score", "log_loss", "roc_auc"]
    assert evaluated.rows[0][2] > 0.7
    predicted = warehouse.execute(
        con,
        """
        SELECT *
        FROM ML.PREDICT(MODEL `bqml_tutorial.tree_model`,
          (SELECT * FROM `bqml_tutorial.input_data` WHERE dataframe = 'prediction'))
        """,
    )
    assert predicted.columns[:2] == ["predicted_income_bracket", "predicted_income_bracket_probs"]
    assert {r[0] for r in predicted.rows} <= {" >50K", " <=50K"}
    info = warehouse.execute(
        con, "SELECT count(*) FROM ML.TRAINING_INFO(MODEL `bqml_tutorial.tree_model`)"
    ).rows
    assert info == [(50,)]


def test_training_query_with_random_rows_trains_on_one_read(con: duckdb.DuckDBPyConnection) -> None:
    """A sample drawn in the training query (RAND(), TABLESAMPLE, a sequence) is read once into the training
    table even when no split needs one: counted and then read from a view, its rows would differ."""
    con.execute("CREATE SEQUENCE s")
    for where in ("RAND() < 0.5", "MOD(nextval('s'), 2) = 0"):
        summary = warehouse.execute(
            con,
            "CREATE OR REPLACE MODEL ml.sampled OPTIONS(model_type='boosted_tree_regressor', "
            f"input_label_cols=['y'], data_split_method='NO_SPLIT') AS SELECT f0, y FROM t WHERE {where}",
        ).message
        rows = int(summary.split(" on ")[1].split(" rows")[0])
        assert 0 < rows < ROWS, summary
        [(evaluated,)] = con.execute('SELECT count(*) FROM ml."sampled__training_statistics"').fetchall()
        assert evaluated > 0


def test_training_query_whose_rows_change_between_reads_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    """Unless the split is SEQ the encoded rows are a view, counted and then read: a query that
    returns other rows on each read, behind a view the engine cannot see into (here a sequence: 601 values
    per read, every other row kept, so consecutive reads keep 300 and 301 rows), is one clear error, not
    arrays left partly unwritten."""
    con.execute("CREATE SEQUENCE s")
    con.execute("CREATE TABLE t601 AS SELECT * FROM t UNION ALL (SELECT * FROM t LIMIT 1)")
    con.execute("CREATE VIEW changing AS SELECT f0, y FROM t601 WHERE nextval('s') % 2 = 0")
    with pytest.raises(
        UsageError,
        match=r"returned 30[01] rows with a label when counted and (more than )?30[01] when read: its rows change",
    ):
        warehouse.execute(
            con,
            "CREATE MODEL ml.changing OPTIONS(model_type='boosted_tree_regressor', input_label_cols=['y'], "
            "data_split_method='NO_SPLIT') AS SELECT f0, y FROM changing",
        )


@pytest.mark.parametrize("split", ["AUTO_SPLIT", "RANDOM"])
def test_a_hashed_split_over_the_view_holds_out_the_rows_of_the_written_table(
    con: duckdb.DuckDBPyConnection, split: str
) -> None:
    """AUTO_SPLIT (RANDOM from 500 rows) and RANDOM hash each row's number: a written training table's
    rowid, or in a view the same rows numbered in their order. A query with RAND() is written (read once),
    one without is a view: both hold out the same rows, NULL labels included in the numbering (dropped
    after it), so they train the same booster on the same rows and report the same metrics."""
    rows = "SELECT f0, f1, f2, f3, s, CASE WHEN f3 > 0.8 THEN NULL ELSE y END AS y FROM t"
    options = f"model_type='boosted_tree_regressor', input_label_cols=['y'], data_split_method='{split}'"
    for name, where in (("viewed", ""), ("written", " WHERE RAND() < 2")):
        warehouse.execute(con, f"CREATE MODEL ml.{name} OPTIONS({options}) AS SELECT * FROM ({rows}){where}")
    viewed, written = _booster(con, "viewed"), _booster(con, "written")
    assert viewed.save_raw("json") == written.save_raw("json")
    info = "SELECT iteration, loss, eval_loss FROM ML.TRAINING_INFO(MODEL ml.{}) ORDER BY iteration"
    [viewed_info, written_info] = [warehouse.execute(con, info.format(n)).rows for n in ("viewed", "written")]
    assert viewed_info == written_info and all(eval_loss is not None for *_, eval_loss in viewed_info)
    metrics = "SELECT * FROM ML.EVALUATE(MODEL ml.{})"
    assert (
        warehouse.execute(con, metrics.format("viewed")).rows
        == warehouse.execute(con, metrics.format("written")).rows
    )
