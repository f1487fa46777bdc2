"""Hyperparameter tuning end to end through SQL: CREATE MODEL with NUM_TRIALS, ML.TRIAL_INFO, trial_id in
the ML functions, the TRAIN/EVAL/TEST split, BigQuery's errors, and the statements of BigQuery's tutorial.

Trials are kept small (few rounds, small data): the machine has two cores.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

import warehouse
from lakehouse.errors import NotFoundError, UsageError
from warehouse.ml import dbt_hook, registry

ROWS = 800
TRIAL_INFO_COLUMNS = [
    "trial_id",
    "hyperparameters",
    "hparam_tuning_evaluation_metrics",
    "training_loss",
    "eval_loss",
    "status",
    "error_message",
    "is_optimal",
]


def _table() -> duckdb.DuckDBPyConnection:
    """A regression and a binary label over three numeric features and one string feature."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(ROWS, 3))
    y = 2 * x[:, 0] - x[:, 1] ** 2 + 0.5 * x[:, 2] + rng.normal(size=ROWS) * 0.3
    frame = pd.DataFrame(x, columns=["x1", "x2", "x3"])
    frame["s"] = rng.choice(["a", "b", "c"], size=ROWS)
    frame["y"] = y
    frame["c"] = np.where(y > 0, "yes", "no")
    connection = duckdb.connect()
    connection.register("frame", frame)
    connection.execute("CREATE TABLE t AS SELECT * FROM frame")
    connection.unregister("frame")
    return connection


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return _table()


@pytest.fixture(scope="module")
def tuned() -> duckdb.DuckDBPyConnection:
    """The table with ``TREE_GRID`` trained, for the tests that only read the model."""
    connection = _table()
    run(connection, TREE_GRID)
    return connection


def run(con: duckdb.DuckDBPyConnection, text: str) -> list[dict]:
    return warehouse.execute(con, text).to_dicts()


TREE_GRID = """
CREATE MODEL ml.bt OPTIONS(
  model_type = 'BOOSTED_TREE_REGRESSOR', input_label_cols = ['y'], max_iterations = 3,
  num_trials = 10, hparam_tuning_algorithm = 'GRID_SEARCH',
  max_tree_depth = HPARAM_CANDIDATES([1, 3]), learn_rate = HPARAM_CANDIDATES([0.1, 0.6]))
AS SELECT x1, x2, x3, s, y FROM t
"""


def test_grid_search_trains_every_candidate_once_and_the_optimal_trial_has_the_best_objective(
    tuned: duckdb.DuckDBPyConnection,
) -> None:
    con = tuned
    info = warehouse.execute(con, "SELECT * FROM ML.TRIAL_INFO(MODEL ml.bt) ORDER BY trial_id")
    assert info.columns == TRIAL_INFO_COLUMNS
    rows = info.to_dicts()
    combos = [(r["hyperparameters"]["max_tree_depth"], r["hyperparameters"]["learn_rate"]) for r in rows]
    assert sorted(combos) == [(1, 0.1), (1, 0.6), (3, 0.1), (3, 0.6)]  # 4 < num_trials: the grid is exhausted
    assert [r["trial_id"] for r in rows] == [1, 2, 3, 4]
    assert all(r["status"] == "SUCCEEDED" and r["error_message"] is None for r in rows)
    assert all(r["training_loss"] is not None and r["eval_loss"] is not None for r in rows)
    r2 = {r["trial_id"]: r["hparam_tuning_evaluation_metrics"]["r2_score"] for r in rows}
    optimal = [r["trial_id"] for r in rows if r["is_optimal"]]
    assert optimal == [max(r2, key=lambda k: (r2[k], -k))]
    model = registry.load(con, "ml", "bt")
    assert model.options["max_tree_depth"] == rows[optimal[0] - 1]["hyperparameters"]["max_tree_depth"]


def test_trial_id_addresses_that_trials_model_and_the_optimal_trial_serves_by_default(
    tuned: duckdb.DuckDBPyConnection,
) -> None:
    con = tuned
    optimal = run(con, "SELECT trial_id FROM ML.TRIAL_INFO(MODEL ml.bt) WHERE is_optimal")[0]["trial_id"]
    features = con.execute("SELECT x1, x2, x3 FROM t ORDER BY x1").fetchnumpy()
    default = warehouse.execute(con, "SELECT * FROM ML.PREDICT(MODEL ml.bt, (SELECT * FROM t)) ORDER BY x1")
    assert default.columns[:2] == ["trial_id", "predicted_y"]
    assert {row[0] for row in default.rows} == {optimal}
    by_trial = {}
    for trial_id in (1, 2, 3, 4):
        rows = run(
            con,
            f"SELECT trial_id, predicted_y FROM ML.PREDICT(MODEL ml.bt, (SELECT * FROM t), STRUCT({trial_id} AS trial_id)) ORDER BY x1",
        )
        assert {r["trial_id"] for r in rows} == {trial_id}
        by_trial[trial_id] = np.array([r["predicted_y"] for r in rows])
        # the trial's own booster (xgboost, not our SQL) predicts the same values
        raw = con.execute(f'SELECT model FROM ml."bt__trial_{trial_id}__booster"').fetchone()[0]
        booster = xgb.Booster()
        booster.load_model(bytearray(raw.encode()))
        s = con.execute("SELECT s FROM t ORDER BY x1").fetchnumpy()["s"]
        codes = np.array([{"a": 1, "b": 2, "c": 3}[v] for v in s], dtype=np.float32)
        matrix = np.column_stack([features["x1"], features["x2"], features["x3"], codes]).astype(np.float32)
        assert np.allclose(booster.predict(xgb.DMatrix(matrix)), by_trial[trial_id], rtol=1e-5, atol=1e-5)
    assert np.array_equal(by_trial[optimal], np.array([row[1] for row in default.rows]))
    assert not np.allclose(by_trial[1], by_trial[4])


def _test_rows(con) -> str:
    """The TEST rows as the split picks them: 10..20 % of the row hash over the training query's columns."""
    return "(SELECT * FROM t WHERE hash(x1, x2, x3, s, y) % 1000000 / 1000000.0 >= 0.1 AND hash(x1, x2, x3, s, y) % 1000000 / 1000000.0 < 0.2)"


def test_evaluate_reports_every_trial_on_the_test_split_and_trial_info_on_eval(
    tuned: duckdb.DuckDBPyConnection,
) -> None:
    con = tuned
    evaluated = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.bt) ORDER BY trial_id")
    assert evaluated.columns[0] == "trial_id" and "r2_score" in evaluated.columns
    assert [r[0] for r in evaluated.rows] == [1, 2, 3, 4]
    info = {r["trial_id"]: r for r in run(con, "SELECT * FROM ML.TRIAL_INFO(MODEL ml.bt)")}
    test_rows = _test_rows(con)
    assert 40 < con.execute(f"SELECT count(*) FROM {test_rows}").fetchone()[0] < 130
    for row in evaluated.to_dicts():
        on_test = run(
            con, f"SELECT * FROM ML.EVALUATE(MODEL ml.bt, {test_rows}, STRUCT({row['trial_id']} AS trial_id))"
        )
        assert on_test[0]["trial_id"] == row["trial_id"]
        assert on_test[0]["r2_score"] == pytest.approx(row["r2_score"], rel=1e-9)
        assert row["r2_score"] != pytest.approx(
            info[row["trial_id"]]["hparam_tuning_evaluation_metrics"]["r2_score"]
        )
    one = run(con, "SELECT * FROM ML.EVALUATE(MODEL ml.bt, STRUCT(2 AS trial_id))")
    assert [r["trial_id"] for r in one] == [2]


def test_training_info_of_a_tuned_model_is_bigquerys_error_and_trial_info_needs_tuning(
    tuned: duckdb.DuckDBPyConnection,
) -> None:
    con = tuned
    with pytest.raises(
        UsageError,
        match="ML.TRAINING_INFO doesn't support hyperparameter tuning models. Please use ML.TRIAL_INFO instead.",
    ):
        run(con, "SELECT * FROM ML.TRAINING_INFO(MODEL ml.bt)")
    run(
        con,
        "CREATE MODEL ml.plain OPTIONS(model_type='LINEAR_REG', input_label_cols=['y']) AS SELECT x1, y FROM t",
    )
    with pytest.raises(UsageError, match="ML.TRIAL_INFO needs a model trained with hyperparameter tuning"):
        run(con, "SELECT * FROM ML.TRIAL_INFO(MODEL ml.plain)")
    with pytest.raises(NotFoundError, match="model ml.bt has no trial 9"):
        run(con, "SELECT * FROM ML.PREDICT(MODEL ml.bt, TABLE t, STRUCT(9 AS trial_id))")


def test_tuning_is_deterministic(con) -> None:
    statement = """CREATE OR REPLACE MODEL ml.lg OPTIONS(model_type='LOGISTIC_REG', input_label_cols=['c'],
      num_trials=4, max_parallel_trials=2, l2_reg=HPARAM_RANGE(0, 10)) AS SELECT x1, c FROM t"""
    run(con, statement)
    first = run(con, "SELECT * FROM ML.TRIAL_INFO(MODEL ml.lg) ORDER BY trial_id")
    run(con, statement)
    assert run(con, "SELECT * FROM ML.TRIAL_INFO(MODEL ml.lg) ORDER BY trial_id") == first
    assert len(first) == 4 and first[0]["hyperparameters"] == {"l2_reg": 1e-14}  # starts at the default, 0
    assert all(set(r["hparam_tuning_evaluation_metrics"]) == {"roc_auc"} for r in first)


def test_an_invalid_combination_is_an_infeasible_trial(con) -> None:
    run(
        con,
        """CREATE MODEL ml.rf OPTIONS(model_type='RANDOM_FOREST_CLASSIFIER', input_label_cols=['c'],
        num_parallel_tree=3, max_tree_depth=3, colsample_bynode=HPARAM_CANDIDATES([0.5, 1.0]),
        num_trials=2, hparam_tuning_algorithm='GRID_SEARCH') AS SELECT x1, x2, c FROM t""",
    )
    rows = {
        r["hyperparameters"]["colsample_bynode"]: r
        for r in run(con, "SELECT * FROM ML.TRIAL_INFO(MODEL ml.rf)")
    }
    assert rows[1.0]["status"] == "INFEASIBLE" and "colsample" in rows[1.0]["error_message"]
    assert rows[1.0]["hparam_tuning_evaluation_metrics"]["roc_auc"] is None
    assert rows[0.5]["status"] == "SUCCEEDED" and rows[0.5]["is_optimal"]
    with pytest.raises(UsageError, match="did not succeed"):
        run(
            con,
            f"SELECT * FROM ML.PREDICT(MODEL ml.rf, TABLE t, STRUCT({rows[1.0]['trial_id']} AS trial_id))",
        )


def test_kmeans_tunes_num_clusters_and_centroids_lists_every_trial(con) -> None:
    run(
        con,
        """CREATE MODEL ml.km OPTIONS(model_type='KMEANS', num_trials=3, hparam_tuning_algorithm='GRID_SEARCH',
        num_clusters=HPARAM_CANDIDATES([2, 3, 4]), max_iterations=5) AS SELECT x1, x2 FROM t""",
    )
    info = run(con, "SELECT * FROM ML.TRIAL_INFO(MODEL ml.km) ORDER BY trial_id")
    index = {r["trial_id"]: r["hparam_tuning_evaluation_metrics"]["davies_bouldin_index"] for r in info}
    optimal = next(r["trial_id"] for r in info if r["is_optimal"])
    assert index[optimal] == min(index.values())  # lower is better
    centroids = run(
        con,
        "SELECT trial_id, count(DISTINCT centroid_id) AS k FROM ML.CENTROIDS(MODEL ml.km) GROUP BY 1 ORDER BY 1",
    )
    assert centroids == [{"trial_id": 1, "k": 2}, {"trial_id": 2, "k": 3}, {"trial_id": 3, "k": 4}]


LINEAR_GRID = """
CREATE OR REPLACE MODEL ml.lin OPTIONS(
  model_type = 'LINEAR_REG', input_label_cols = ['y'], num_trials = 3, hparam_tuning_algorithm = 'GRID_SEARCH',
  l2_reg = HPARAM_CANDIDATES([0, 1, 100]))
AS SELECT x1, x2, s, y FROM t
"""


def test_drop_model_removes_every_trial(con) -> None:
    run(con, LINEAR_GRID)
    trials = "SELECT count(DISTINCT split_part(table_name, '__', 2)) FROM duckdb_tables() WHERE table_name LIKE 'lin__trial_%'"
    assert con.execute(trials).fetchone()[0] == 3
    run(con, "DROP MODEL ml.lin")
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'lin%'").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            "max_iterations = HPARAM_RANGE(5, 10)",
            "option max_iterations of model_type BOOSTED_TREE_REGRESSOR cannot be tuned",
        ),
        ("num_trials = 0", "num_trials = 0 is out of range"),
        ("hparam_tuning_objectives = ['ROC_AUC']", "needs num_trials"),
        ("hparam_tuning_algorithm = 'GRID_SEARCH'", "needs num_trials"),
        (
            "num_trials = 2, hparam_tuning_objectives = ['ROC_AUC']",
            "'ROC_AUC' is not an objective of model_type BOOSTED_TREE_REGRESSOR",
        ),
        (
            "num_trials = 2, hparam_tuning_objectives = ['R2_SCORE', 'MEAN_SQUARED_ERROR']",
            "exactly one objective",
        ),
        (
            "num_trials = 2, hparam_tuning_algorithm = 'GRID_SEARCH', learn_rate = HPARAM_RANGE(0.1, 0.5)",
            "'GRID_SEARCH' needs discrete search spaces",
        ),
        ("num_trials = 2, dropout = HPARAM_RANGE(0.1, 0.5)", "dropout can be tuned only when booster_type"),
        (
            "num_trials = 2, max_tree_depth = HPARAM_RANGE(1, 30)",
            r"HPARAM_RANGE\(1, 30\) is not a range inside \[1, 20\]",
        ),
        ("num_trials = 2, subsample = HPARAM_CANDIDATES([0.5, 2.0])", "candidate 2.0 is not valid"),
        ("num_trials = 2, booster_type = HPARAM_RANGE(0, 1)", "HPARAM_RANGE takes two numbers"),
        ("num_trials = 2, data_split_eval_fraction = 0.3", "data_split_test_fraction go together"),
        ("num_trials = 101", "num_trials = 101 is out of range"),
        ("num_trials = 2, max_parallel_trials = 6", "max_parallel_trials = 6 is out of range"),
    ],
)
def test_bad_tuning_options_are_bigquerys_errors(con, options: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        run(
            con,
            f"CREATE MODEL ml.bad OPTIONS(model_type='BOOSTED_TREE_REGRESSOR', input_label_cols=['y'], {options}) AS SELECT x1, y FROM t",
        )


def test_a_type_without_tuning_rejects_num_trials(con) -> None:
    with pytest.raises(UsageError, match="unknown option 'num_trials' for model_type PCA"):
        run(
            con,
            "CREATE MODEL ml.p OPTIONS(model_type='PCA', num_principal_components=2, num_trials=3) AS SELECT x1, x2 FROM t",
        )


def test_custom_split_reads_train_eval_test_strings(con) -> None:
    con.execute("ALTER TABLE t ADD COLUMN part VARCHAR")
    con.execute(
        "UPDATE t SET part = CASE WHEN x3 < -1 THEN 'TEST' WHEN x3 < -0.5 THEN 'EVAL' ELSE 'TRAIN' END"
    )
    run(
        con,
        """CREATE MODEL ml.cs OPTIONS(model_type='LINEAR_REG', input_label_cols=['y'], num_trials=2,
        data_split_method='CUSTOM', data_split_col='part', l2_reg=HPARAM_CANDIDATES([0.0, 100.0]),
        hparam_tuning_algorithm='GRID_SEARCH') AS SELECT x1, x2, y, part FROM t""",
    )
    test = "(SELECT * FROM t WHERE part = 'TEST')"
    for row in run(con, "SELECT * FROM ML.EVALUATE(MODEL ml.cs)"):
        again = run(
            con, f"SELECT * FROM ML.EVALUATE(MODEL ml.cs, {test}, STRUCT({row['trial_id']} AS trial_id))"
        )
        assert again[0]["mean_squared_error"] == pytest.approx(row["mean_squared_error"], rel=1e-9)
    con.execute("UPDATE t SET part = 'HOLDOUT' WHERE x3 > 2")
    with pytest.raises(UsageError, match="holds 'HOLDOUT'; with hyperparameter tuning it must be"):
        run(
            con,
            "CREATE OR REPLACE MODEL ml.cs OPTIONS(model_type='LINEAR_REG', input_label_cols=['y'], num_trials=2, data_split_method='CUSTOM', data_split_col='part') AS SELECT x1, y, part FROM t",
        )


def test_the_trials_state_is_in_the_registry(tuned: duckdb.DuckDBPyConnection) -> None:
    con = tuned
    model = registry.load(con, "ml", "bt")
    tuning = model.state["tuning"]
    assert tuning["objective"] == "R2_SCORE" and tuning["algorithm"] == "GRID_SEARCH"
    assert tuning["data_split"] == {"method": "AUTO_SPLIT", "eval_fraction": 0.1, "test_fraction": 0.1}
    assert json.dumps(model.state)  # JSON all the way down
    assert {f"trial_{k}__trees" for k in (1, 2, 3, 4)} <= set(model.state["tables"])


def test_an_earlier_version_keeps_its_trials(con) -> None:
    """A registered model replaced by a new version: version 1's trials move with it (warehouse.ml.versions)."""
    statement = LINEAR_GRID.replace("num_trials = 3,", "num_trials = 3, model_registry = 'VERTEX_AI',")
    run(con, statement)
    query = "SELECT predicted_y FROM ML.PREDICT(MODEL ml.{}, TABLE t, STRUCT(3 AS trial_id)) ORDER BY x1"
    before = run(con, query.format("lin"))
    run(con, statement.replace("[0, 1, 100]", "[5, 50, 500]"))
    assert run(con, query.format("lin__v1")) == before
    assert run(con, query.format("lin")) != before
    assert len(run(con, "SELECT trial_id FROM ML.TRIAL_INFO(MODEL ml.lin__v1)")) == 3


def test_seq_split_trains_on_the_lowest_values_and_tests_on_the_next_band(con) -> None:
    run(
        con,
        """CREATE MODEL ml.seq OPTIONS(model_type='LINEAR_REG', input_label_cols=['y'], num_trials=2,
        hparam_tuning_algorithm='GRID_SEARCH', l2_reg=HPARAM_CANDIDATES([0, 10]), data_split_method='SEQ',
        data_split_col='x3', data_split_eval_fraction=0.2, data_split_test_fraction=0.2)
        AS SELECT x1, x2, x3, y FROM t""",
    )
    band = "(SELECT * FROM t QUALIFY (row_number() OVER (ORDER BY x3) - 1) / count(*) OVER () >= 0.6 AND (row_number() OVER (ORDER BY x3) - 1) / count(*) OVER () < 0.8)"
    assert con.execute(f"SELECT count(*) FROM {band}").fetchone()[0] == ROWS // 5
    for row in run(con, "SELECT * FROM ML.EVALUATE(MODEL ml.seq)"):
        again = run(
            con, f"SELECT * FROM ML.EVALUATE(MODEL ml.seq, {band}, STRUCT({row['trial_id']} AS trial_id))"
        )
        assert again[0]["r2_score"] == pytest.approx(row["r2_score"], rel=1e-9)


def test_dbt_mls_hparam_macros_reach_the_engine(con) -> None:
    """dbt_ml's ``dbt_ml.hparam_range(..)``/``hparam_candidates(..)`` render as lists in ``ml_config``; the
    ``model`` materialization's entry point turns them into the search space."""
    config = {
        "model_type": "boosted_tree_regressor",
        "input_label_cols": ["y"],
        "max_iterations": 2,
        "num_trials": 3,
        "hparam_tuning_algorithm": "grid_search",
        "max_tree_depth": ["hparam_candidates", [1, 2, 3]],
        "learn_rate": ["hparam_range", 0.1, 0.5],
    }
    with pytest.raises(UsageError, match="'GRID_SEARCH' needs discrete search spaces; learn_rate"):
        dbt_hook.train(con, "ml", "dbt_tuned", config, "SELECT x1, x2, y FROM t")
    config["hparam_tuning_algorithm"] = "random_search"
    dbt_hook.train(con, "ml", "dbt_tuned", config, "SELECT x1, x2, y FROM t")
    rows = run(con, "SELECT hyperparameters FROM ML.TRIAL_INFO(MODEL ml.dbt_tuned) ORDER BY trial_id")
    assert [set(r["hyperparameters"]) for r in rows] == [{"max_tree_depth", "learn_rate"}] * 3
    assert all(r["hyperparameters"]["max_tree_depth"] in (1, 2, 3) for r in rows)
    assert all(0.1 <= r["hyperparameters"]["learn_rate"] <= 0.5 for r in rows)


def test_tuning_reports_progress_trial_by_trial(con) -> None:
    events = []
    warehouse.execute(con, LINEAR_GRID, progress=events.append)
    tuning = [(e.done, e.total, e.unit) for e in events if e.task == "tune ml.lin"]
    assert tuning == [(1, 3, "trials"), (2, 3, "trials"), (3, 3, "trials")]
    assert all(e.message.startswith("best r2_score ") for e in events if e.task == "tune ml.lin")
