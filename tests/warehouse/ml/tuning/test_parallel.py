"""MAX_PARALLEL_TRIALS: the trials of a batch of a tree type fit at once in worker threads, and the trials
equal those of one trial at a time under the same seed (grid and random search ask the same points)."""

from __future__ import annotations

import dataclasses
import threading

import duckdb
import numpy as np
import pandas as pd
import pytest

import warehouse
from warehouse.ml import types
from warehouse.ml.model import Stages

ROWS = 600


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(ROWS, 3))
    x[rng.random((ROWS, 3)) < 0.05] = np.nan
    y = 2 * np.nan_to_num(x[:, 0]) - np.nan_to_num(x[:, 1]) ** 2 + rng.normal(size=ROWS) * 0.3
    frame = pd.DataFrame(x, columns=["x1", "x2", "x3"])
    frame["s"] = rng.choice(["a", "b", "c"], size=ROWS)
    frame["y"] = y
    frame["c"] = np.where(y > 0.5, "hi", np.where(y > -1, "mid", "lo"))
    connection = duckdb.connect()
    connection.register("frame", frame)
    connection.execute("CREATE TABLE t AS SELECT * FROM frame")
    connection.unregister("frame")
    return connection


def _trial_info(con: duckdb.DuckDBPyConnection, statement: str, parallel: int) -> list[dict]:
    text = statement.replace("max_parallel_trials = 1", f"max_parallel_trials = {parallel}")
    warehouse.execute(con, text)
    rows = warehouse.execute(con, "SELECT * FROM ML.TRIAL_INFO(MODEL ml.m) ORDER BY trial_id").to_dicts()
    evaluated = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.m) ORDER BY trial_id").to_dicts()
    tested = {e["trial_id"]: e for e in evaluated}  # the trials that trained
    return [{**r, "test": tested.get(r["trial_id"])} for r in rows]


STATEMENTS = {
    "boosted regressor, random search": """CREATE OR REPLACE MODEL ml.m OPTIONS(
      model_type = 'BOOSTED_TREE_REGRESSOR', input_label_cols = ['y'], max_iterations = 4, num_trials = 5,
      max_parallel_trials = 1, hparam_tuning_algorithm = 'RANDOM_SEARCH', learn_rate = HPARAM_RANGE(0.05, 0.8),
      max_tree_depth = HPARAM_RANGE(1, 6), subsample = HPARAM_RANGE(0.5, 1.0)) AS SELECT x1, x2, x3, s, y FROM t""",
    "random forest classifier, grid search": """CREATE OR REPLACE MODEL ml.m OPTIONS(
      model_type = 'RANDOM_FOREST_CLASSIFIER', input_label_cols = ['c'], num_parallel_tree = 4, num_trials = 6,
      max_parallel_trials = 1, hparam_tuning_algorithm = 'GRID_SEARCH',
      max_tree_depth = HPARAM_CANDIDATES([2, 5]), colsample_bynode = HPARAM_CANDIDATES([0.5, 1.0]))
      AS SELECT x1, x2, x3, s, c FROM t""",
}


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_parallel_trials_equal_the_serial_trials(con, name: str) -> None:
    serial = _trial_info(con, STATEMENTS[name], 1)
    assert _trial_info(con, STATEMENTS[name], 2) == serial
    assert _trial_info(con, STATEMENTS[name], 3) == serial
    assert len({str(r["hyperparameters"]) for r in serial}) == len(serial) >= 4
    if name.endswith("grid search"):  # every candidate once; colsample_bynode 1.0 is no forest: infeasible
        combos = {
            (r["hyperparameters"]["max_tree_depth"], r["hyperparameters"]["colsample_bynode"]) for r in serial
        }
        assert combos == {(2, 0.5), (2, 1.0), (5, 0.5), (5, 1.0)}
        assert [r["status"] for r in serial].count("INFEASIBLE") == 2
    assert sum(r["is_optimal"] for r in serial) == 1


def test_the_fits_of_a_batch_run_at_once(con, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each fit waits at a barrier for the other fit of its batch: fits run one after another would break it."""
    barrier = threading.Barrier(2, timeout=120)
    threads: set[str] = set()
    real = types.MODEL_TYPES["BOOSTED_TREE_REGRESSOR"]
    assert real.stages is not None
    stages = real.stages

    def fit(model, prepared, cores):  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        barrier.wait()
        return stages.fit(model, prepared, cores)

    staged = dataclasses.replace(real, stages=Stages(stages.prepare, fit, stages.store))
    monkeypatch.setitem(types.MODEL_TYPES, "BOOSTED_TREE_REGRESSOR", staged)
    statement = STATEMENTS["boosted regressor, random search"].replace("num_trials = 5", "num_trials = 4")
    info = _trial_info(con, statement, 2)
    assert [r["status"] for r in info] == ["SUCCEEDED"] * 4
    assert len(threads) == 2 and threading.current_thread().name not in threads
