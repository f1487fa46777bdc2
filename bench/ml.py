"""Benchmark: BigQuery ML on DuckDB against scikit-learn / numpy in the same run; prints ratios.

- k-means, N x 8, k = 8, from the same initial centroids (CUSTOM init; after a 1,000-row fit on each side, so
  neither pays imports): time per Lloyd iteration, ours (one SQL query per iteration) vs scikit-learn's
  KMeans(algorithm='lloyd'), and the whole CREATE MODEL vs KMeans.fit on the array in memory.
- linear regression, M x 20: CREATE MODEL (normal equation on SQL aggregates, including the feature
  statistics and the metrics BigQuery ML computes) vs fetching the same table from DuckDB into numpy +
  numpy.linalg.lstsq.  Bar <= 2x.
- ML.PREDICT throughput (rows/s), k-means, linear and logistic, vs scikit-learn's predict including
  reading the table into numpy (the bar: >= 1x), and vs predict on the array already in memory.
- boosted trees, T x 20 (after a 1,000-row fit on each side, so neither pays imports): CREATE MODEL (BOOSTED_TREE_REGRESSOR: feature statistics, the encoded rows fetched
  from DuckDB as Arrow, xgboost, trees stored, metrics in SQL) vs xgboost.train with the same parameters on
  the same data already in memory.  Bar <= 1.3x.  The same with BigQuery's default split (AUTO_SPLIT: 10,000
  random eval rows from 50,000 rows) vs xgboost.train given the same train and eval rows in memory.  Tree ML.PREDICT (SQL compiled from the trees) rows/s vs
  Booster.predict on an in-memory array.  Bar >= 0.5x.
- DNN vs MLP, D x 20 (80 % train, 20 % hold-out): CREATE MODEL (DNN_REGRESSOR, Keras on JAX: feature
  statistics, the encoded rows fetched from DuckDB, training, weights stored, metrics in SQL) vs
  scikit-learn's MLPRegressor with the same options (layers, ReLU, Adam, learn rate, batch, epochs) on the
  same standardized rows in memory; R2 on the hold-out; ML.PREDICT (SQL over the stored weights) rows/s
  vs MLPRegressor.predict.  Then the SQL scoring of ever larger networks (units x layers, one epoch of
  training each) until one takes over --dnn-limit-seconds per 10,000 rows: the largest it handles.
  And the same CREATE MODEL in a new process with an empty and then a warm JAX compilation cache.

Data is generated inside DuckDB. Usage: PYTHONPATH=. python bench/ml.py [--kmeans-rows 5000000] [--linreg-rows 10000000] [--tree-rows 1000000] [--dnn-rows 100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

import duckdb
import numpy as np
import xgboost as xgb
from sklearn.cluster import KMeans
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.neural_network import MLPRegressor

import warehouse

K, KMEANS_DIMS, LINREG_DIMS = 8, 8, 20


def _timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _generate(con: duckdb.DuckDBPyConnection, kmeans_rows: int, linreg_rows: int) -> None:
    cluster = "(i % 8)"
    features = ", ".join(f"{cluster} * {j + 1}.5 + sin(i * {j + 3}.7) AS f{j}" for j in range(KMEANS_DIMS))
    con.execute(
        f"CREATE TABLE points AS SELECT i AS id, {features}, i < {K} AS seed FROM range({kmeans_rows}) r(i)"
    )
    xs = ", ".join(f"sin(i * {j + 1}.3 + {j}) * {j + 1} AS x{j}" for j in range(LINREG_DIMS))
    con.execute(f"CREATE TABLE reg AS SELECT {xs} FROM range({linreg_rows}) r(i)")
    terms = " + ".join(f"{(j % 5) - 2}.25 * x{j}" for j in range(LINREG_DIMS))
    con.execute(f"CREATE TABLE regression AS SELECT *, 3.0 + {terms} + sin(random() * 6.28) AS y FROM reg")
    con.execute("DROP TABLE reg")


def bench_kmeans(con: duckdb.DuckDBPyConnection, iterations: int) -> list[tuple[str, float, float, float]]:
    columns = ", ".join(f"f{j}" for j in range(KMEANS_DIMS))
    sql = (
        f"CREATE OR REPLACE MODEL ml.bench_km OPTIONS(model_type='kmeans', num_clusters={K}, kmeans_init_method='CUSTOM', "
        f"kmeans_init_col='seed', standardize_features=FALSE, max_iterations={iterations}, early_stop=FALSE) "
        f"AS SELECT {columns}, seed FROM points"
    )
    # steady state on both sides, as for the trees: a small fit first loads our ML modules (the peer's
    # scikit-learn is imported above) and warms each side's first-call costs
    warehouse.execute(
        con,
        sql.replace("ml.bench_km", "ml.bench_km_warm").replace("FROM points", "FROM points WHERE id < 1000"),
    )
    small = con.execute(f"SELECT {columns} FROM points WHERE id < 1000 ORDER BY id").fetchnumpy()
    small_matrix = np.column_stack([small[f"f{j}"] for j in range(KMEANS_DIMS)])
    KMeans(n_clusters=K, init=small_matrix[:K], n_init=1, max_iter=iterations, tol=0, algorithm="lloyd").fit(
        small_matrix
    )
    total, _ = _timed(lambda: warehouse.execute(con, sql))
    durations = [
        r[0]
        for r in warehouse.execute(con, "SELECT duration_ms FROM ML.TRAINING_INFO(MODEL ml.bench_km)").rows
    ]
    ours = float(np.median(durations)) / 1000
    x = con.execute(f"SELECT {columns} FROM points ORDER BY id").fetchnumpy()
    matrix = np.column_stack([x[f"f{j}"] for j in range(KMEANS_DIMS)])
    init = matrix[:K]
    reference = KMeans(n_clusters=K, init=init, n_init=1, max_iter=iterations, tol=0, algorithm="lloyd")
    elapsed, fitted = _timed(lambda: reference.fit(matrix))
    theirs = elapsed / max(fitted.n_iter_, 1)
    rows = len(matrix)
    predict_ours, _ = _timed(
        lambda: warehouse.execute(
            con, "SELECT sum(centroid_id) FROM ML.PREDICT(MODEL ml.bench_km, TABLE points)"
        )
    )
    predict_theirs, _ = _timed(lambda: fitted.predict(matrix))
    read_and_predict, _ = _timed(lambda: fitted.predict(_read(con, "points", "f", KMEANS_DIMS)))
    return [
        (f"k-means {rows:,} x {KMEANS_DIMS}, k={K}: seconds per iteration", ours, theirs, ours / theirs),
        (
            f"k-means CREATE MODEL total ({len(durations)} iterations, incl. init and stats)",
            total,
            elapsed,
            total / elapsed,
        ),
        (
            "k-means ML.PREDICT rows/s (vs reading the table into numpy + KMeans.predict)",
            rows / predict_ours,
            rows / read_and_predict,
            read_and_predict / predict_ours,
        ),
        (
            "k-means ML.PREDICT rows/s (vs KMeans.predict on the array already in memory)",
            rows / predict_ours,
            rows / predict_theirs,
            predict_theirs / predict_ours,
        ),
    ]


def bench_linreg(con: duckdb.DuckDBPyConnection) -> list[tuple[str, float, float, float]]:
    sql = (
        "CREATE OR REPLACE MODEL ml.bench_lr OPTIONS(model_type='linear_reg', input_label_cols=['y'], "
        "optimize_strategy='NORMAL_EQUATION', data_split_method='NO_SPLIT') AS SELECT * FROM regression"
    )
    ours, _ = _timed(lambda: warehouse.execute(con, sql))
    columns = ", ".join(f"x{j}" for j in range(LINREG_DIMS))

    def numpy_fit() -> np.ndarray:
        data = con.execute(f"SELECT {columns}, y FROM regression").fetchnumpy()
        design = np.column_stack([np.ones(len(data["y"])), *[data[f"x{j}"] for j in range(LINREG_DIMS)]])
        return np.linalg.lstsq(design, data["y"], rcond=None)[0]

    theirs, solution = _timed(numpy_fit)
    weights = warehouse.execute(con, "SELECT processed_input, weight FROM ML.WEIGHTS(MODEL ml.bench_lr)").rows
    ours_w = np.array([w for name, w in weights if name != "__INTERCEPT__"])
    error = float(np.max(np.abs(ours_w - solution[1:]) / np.maximum(np.abs(solution[1:]), 1e-12)))
    rows = con.execute("SELECT count(*) FROM regression").fetchone()[0]  # type: ignore[index]
    data = con.execute(f"SELECT {columns}, y FROM regression").fetchnumpy()
    matrix = np.column_stack([data[f"x{j}"] for j in range(LINREG_DIMS)])
    model = LinearRegression().fit(matrix[:1000], data["y"][:1000])
    predict_ours, _ = _timed(
        lambda: warehouse.execute(
            con, "SELECT sum(predicted_y) FROM ML.PREDICT(MODEL ml.bench_lr, TABLE regression)"
        )
    )
    predict_theirs, _ = _timed(lambda: model.predict(matrix))
    read_and_predict, _ = _timed(lambda: model.predict(_read(con, "regression", "x", LINREG_DIMS)))
    logistic = bench_logistic(con, matrix, data["y"], rows)
    return [
        (
            f"linear regression {rows:,} x {LINREG_DIMS}: CREATE MODEL vs fetch + lstsq (s); max rel. weight diff {error:.1e}",
            ours,
            theirs,
            ours / theirs,
        ),
        (
            "linear ML.PREDICT rows/s (vs reading the table into numpy + LinearRegression.predict)",
            rows / predict_ours,
            rows / read_and_predict,
            read_and_predict / predict_ours,
        ),
        (
            "linear ML.PREDICT rows/s (vs LinearRegression.predict on the array already in memory)",
            rows / predict_ours,
            rows / predict_theirs,
            predict_theirs / predict_ours,
        ),
        *logistic,
    ]


def bench_logistic(
    con: duckdb.DuckDBPyConnection, matrix: np.ndarray, y: np.ndarray, rows: int
) -> list[tuple[str, float, float, float]]:
    """Logistic ML.PREDICT over the regression table (label y > 3; the model trained on 100,000 rows)."""
    sql = (
        "CREATE OR REPLACE MODEL ml.bench_lg OPTIONS(model_type='logistic_reg', input_label_cols=['positive'], "
        "data_split_method='NO_SPLIT', max_iterations=5) AS SELECT * EXCLUDE (y), y > 3 AS positive "
        "FROM regression LIMIT 100000"
    )
    warehouse.execute(con, sql)
    model = LogisticRegression(max_iter=50).fit(matrix[:100_000], y[:100_000] > 3)
    predict_ours, _ = _timed(
        lambda: warehouse.execute(
            con, "SELECT count_if(predicted_positive) FROM ML.PREDICT(MODEL ml.bench_lg, TABLE regression)"
        )
    )
    predict_theirs, _ = _timed(lambda: model.predict(matrix))
    read_and_predict, _ = _timed(lambda: model.predict(_read(con, "regression", "x", LINREG_DIMS)))
    return [
        (
            "logistic ML.PREDICT rows/s (vs reading the table into numpy + LogisticRegression.predict)",
            rows / predict_ours,
            rows / read_and_predict,
            read_and_predict / predict_ours,
        ),
        (
            "logistic ML.PREDICT rows/s (vs LogisticRegression.predict on the array already in memory)",
            rows / predict_ours,
            rows / predict_theirs,
            predict_theirs / predict_ours,
        ),
    ]


def _read(con: duckdb.DuckDBPyConnection, table: str, prefix: str, dims: int) -> np.ndarray:
    """What a scikit-learn user does before ``predict``: the feature columns fetched into one array."""
    data = con.execute(f"SELECT {', '.join(f'{prefix}{j}' for j in range(dims))} FROM {table}").fetchnumpy()
    return np.column_stack([data[f"{prefix}{j}"] for j in range(dims)])


def bench_trees(con: duckdb.DuckDBPyConnection, rows: int) -> list[tuple[str, float, float, float]]:
    xs = ", ".join(f"sin(i * {j + 1}.7 + {j}) * {j + 1} AS x{j}" for j in range(LINREG_DIMS))
    con.execute(f"CREATE OR REPLACE TABLE tree_data AS SELECT {xs} FROM range({rows}) r(i)")
    target = " + ".join(f"{(j % 3) - 1}.5 * x{j} * x{(j + 1) % LINREG_DIMS}" for j in range(LINREG_DIMS))
    con.execute(f"CREATE OR REPLACE TABLE trees AS SELECT *, {target} AS y FROM tree_data")
    sql = (
        "CREATE OR REPLACE MODEL ml.bench_bt OPTIONS(model_type='boosted_tree_regressor', input_label_cols=['y'], "
        "data_split_method='NO_SPLIT', early_stop=FALSE) AS SELECT * FROM trees"
    )
    columns = ", ".join(f"x{j}" for j in range(LINREG_DIMS))
    params = {"objective": "reg:squarederror", "tree_method": "hist", "max_depth": 6, "eta": 0.3, "seed": 0}
    # steady state on both sides: a small fit first loads our modules (the peer's xgboost is imported above)
    warehouse.execute(
        con, sql.replace("ml.bench_bt", "ml.bench_bt_warm").replace("FROM trees", "FROM trees LIMIT 1000")
    )
    small = con.execute(f"SELECT {columns}, y FROM trees LIMIT 1000").fetchnumpy()
    small_x = np.column_stack([small[f"x{j}"] for j in range(LINREG_DIMS)]).astype(np.float32)
    xgb.train(params, xgb.QuantileDMatrix(small_x, label=small["y"]), 20, verbose_eval=False)
    ours, _ = _timed(lambda: warehouse.execute(con, sql))
    data = con.execute(f"SELECT {columns}, y FROM trees").fetchnumpy()
    matrix = np.column_stack([data[f"x{j}"] for j in range(LINREG_DIMS)]).astype(np.float32)

    def xgboost_fit() -> xgb.Booster:
        dtrain = xgb.QuantileDMatrix(matrix, label=data["y"])
        return xgb.train(params, dtrain, 20, evals=[(dtrain, "train")], verbose_eval=False)

    theirs, booster = _timed(xgboost_fit)
    # BigQuery's default split (AUTO_SPLIT: 10,000 random eval rows from 50,000 rows), the peer given the same
    # train/eval rows (the hash of each row's number, as ours) in memory
    split_ours, _ = _timed(lambda: warehouse.execute(con, sql.replace("'NO_SPLIT'", "'AUTO_SPLIT'")))
    held = con.execute(
        f"SELECT hash(rowid, 1) % 1000000 < {round(min(0.2, 10_000 / rows) * 1_000_000)} AS e FROM trees"
    ).fetchnumpy()["e"]
    held = np.asarray(held, dtype=bool)
    x_train, y_train, x_eval, y_eval = matrix[~held], data["y"][~held], matrix[held], data["y"][held]

    def xgboost_split_fit() -> xgb.Booster:
        dtrain = xgb.QuantileDMatrix(x_train, label=y_train)
        deval = xgb.QuantileDMatrix(x_eval, label=y_eval, ref=dtrain)
        return xgb.train(params, dtrain, 20, evals=[(dtrain, "train"), (deval, "eval")], verbose_eval=False)

    split_theirs, _ = _timed(xgboost_split_fit)
    predict_ours, _ = _timed(
        lambda: warehouse.execute(
            con, "SELECT sum(predicted_y) FROM ML.PREDICT(MODEL ml.bench_bt, TABLE trees)"
        )
    )
    dmatrix = xgb.DMatrix(matrix)
    predict_theirs, _ = _timed(lambda: booster.predict(dmatrix))
    return [
        (
            f"boosted trees {rows:,} x {LINREG_DIMS}, 20 rounds: CREATE MODEL vs xgboost.train in memory (s)",
            ours,
            theirs,
            ours / theirs,
        ),
        (
            f"boosted trees {rows:,} x {LINREG_DIMS}, AUTO_SPLIT: CREATE MODEL vs xgboost.train, same split (s)",
            split_ours,
            split_theirs,
            split_ours / split_theirs,
        ),
        (
            "boosted tree ML.PREDICT rows/s (vs Booster.predict)",
            rows / predict_ours,
            rows / predict_theirs,
            predict_theirs / predict_ours,
        ),
    ]


DNN_UNITS, DNN_EPOCHS, DNN_BATCH = (64, 32), 10, 256


def _dnn_data(con: duckdb.DuckDBPyConnection, rows: int) -> None:
    xs = ", ".join(f"sin(i * {j + 1}.7 + {j}) * {j + 1} AS x{j}" for j in range(LINREG_DIMS))
    target = " + ".join(
        f"{(j % 3) - 1}.5 * tanh(x{j} * x{(j + 1) % LINREG_DIMS} / 20)" for j in range(LINREG_DIMS)
    )
    con.execute(f"CREATE OR REPLACE TABLE dnn_all AS SELECT i, {xs} FROM range({rows}) r(i)")
    con.execute(f"CREATE OR REPLACE TABLE dnn_all2 AS SELECT *, {target} AS y FROM dnn_all")
    cut = int(rows * 0.8)
    con.execute(f"CREATE OR REPLACE TABLE dnn_train AS SELECT * EXCLUDE (i) FROM dnn_all2 WHERE i < {cut}")
    con.execute(f"CREATE OR REPLACE TABLE dnn_holdout AS SELECT * EXCLUDE (i) FROM dnn_all2 WHERE i >= {cut}")


def bench_dnn(con: duckdb.DuckDBPyConnection, rows: int) -> list[tuple[str, float, float, float]]:
    _dnn_data(con, rows)
    sql = (
        "CREATE OR REPLACE MODEL ml.bench_dnn OPTIONS(model_type='dnn_regressor', input_label_cols=['y'], "
        f"hidden_units={list(DNN_UNITS)}, activation_fn='RELU', optimizer='ADAM', learn_rate=0.001, "
        f"batch_size={DNN_BATCH}, max_iterations={DNN_EPOCHS}, early_stop=FALSE, data_split_method='NO_SPLIT') "
        "AS SELECT * FROM dnn_train"
    )
    ours, _ = _timed(lambda: warehouse.execute(con, sql))
    columns = [f"x{j}" for j in range(LINREG_DIMS)]
    train = con.execute("SELECT * FROM dnn_train").fetchnumpy()
    hold = con.execute("SELECT * FROM dnn_holdout").fetchnumpy()
    x = np.column_stack([train[c] for c in columns])
    mean, std = x.mean(axis=0), x.std(axis=0, ddof=1)
    x = (x - mean) / std
    xh = (np.column_stack([hold[c] for c in columns]) - mean) / std
    mlp = MLPRegressor(
        hidden_layer_sizes=DNN_UNITS,
        solver="adam",
        learning_rate_init=0.001,
        batch_size=DNN_BATCH,
        max_iter=DNN_EPOCHS,
        alpha=0.0,
        tol=0.0,
        n_iter_no_change=DNN_EPOCHS + 1,
        random_state=0,
    )
    theirs, _ = _timed(lambda: mlp.fit(x, train["y"]))
    r2_ours = warehouse.execute(
        con, "SELECT r2_score FROM ML.EVALUATE(MODEL ml.bench_dnn, TABLE dnn_holdout)"
    )
    r2_theirs = r2_score(hold["y"], mlp.predict(xh))
    predict_ours, _ = _timed(
        lambda: warehouse.execute(
            con, "SELECT sum(predicted_y) FROM ML.PREDICT(MODEL ml.bench_dnn, TABLE dnn_holdout)"
        )
    )
    predict_theirs, _ = _timed(lambda: mlp.predict(xh))
    held = len(hold["y"])
    shape = f"{list(DNN_UNITS)}, {DNN_EPOCHS} epochs, batch {DNN_BATCH}"
    return [
        (
            f"DNN {rows:,} x {LINREG_DIMS} {shape}: CREATE MODEL vs MLPRegressor.fit in memory (s)",
            ours,
            theirs,
            ours / theirs,
        ),
        ("DNN hold-out R2 (vs MLPRegressor)", r2_ours.rows[0][0], r2_theirs, r2_ours.rows[0][0] / r2_theirs),
        (
            "DNN ML.PREDICT rows/s (vs MLPRegressor.predict)",
            held / predict_ours,
            held / predict_theirs,
            predict_theirs / predict_ours,
        ),
    ]


#: CREATE MODEL of bench_dnn's network in a new process, the compilation cache in argv[1], rows argv[2]
CACHE_SCRIPT = """
import json, sys, time
import duckdb
import warehouse
from bench.ml import DNN_BATCH, DNN_EPOCHS, DNN_UNITS, _dnn_data
from warehouse.ml.models.dnn import compile_cache
compile_cache.use(sys.argv[1])
con = duckdb.connect(config={"threads": 2})
_dnn_data(con, int(sys.argv[2]))
import warehouse.ml.models.dnn.train  # Keras and JAX: not counted
started = time.perf_counter()
warehouse.execute(con, "CREATE MODEL ml.m OPTIONS(model_type='dnn_regressor', input_label_cols=['y'], "
    f"hidden_units={list(DNN_UNITS)}, activation_fn='RELU', batch_size={DNN_BATCH}, "
    f"max_iterations={DNN_EPOCHS}, early_stop=FALSE, data_split_method='NO_SPLIT') AS SELECT * FROM dnn_train")
print(json.dumps(time.perf_counter() - started))
"""


def bench_dnn_cache(rows: int) -> list[tuple[str, float, float, float]]:
    """CREATE MODEL in a new process with an empty compilation cache, then in another with the cache the
    first one filled (``compile_cache``): what compiling costs a new process."""
    with tempfile.TemporaryDirectory() as cache:
        times = []
        for _ in range(2):
            done = subprocess.run(
                [sys.executable, "-c", CACHE_SCRIPT, cache, str(rows)],
                capture_output=True,
                text=True,
                check=True,
            )
            times.append(float(json.loads(done.stdout.strip().splitlines()[-1])))
    cold, warm = times
    return [
        ("DNN CREATE MODEL in a new process: compilation cache warm vs empty (s)", warm, cold, warm / cold)
    ]


def bench_dnn_scoring_limit(
    con: duckdb.DuckDBPyConnection, limit: float
) -> list[tuple[str, float, float, float]]:
    """ML.PREDICT of 10,000 rows by ever larger networks; the last under ``limit`` seconds is reported."""
    _dnn_data(con, 12_500)  # 10,000 training rows, 2,500 hold-out
    largest: tuple[str, float] = ("none", 0.0)
    for width, layers in [(128, 2), (256, 4), (512, 4), (1024, 4), (1024, 8), (2048, 8)]:
        units = [width] * layers
        warehouse.execute(
            con,
            "CREATE OR REPLACE MODEL ml.bench_wide OPTIONS(model_type='dnn_regressor', input_label_cols=['y'], "
            f"hidden_units={units}, max_iterations=1, batch_size=1024, data_split_method='NO_SPLIT') "
            "AS SELECT * FROM dnn_train",
        )
        seconds, _ = _timed(
            lambda: warehouse.execute(
                con, "SELECT sum(predicted_y) FROM ML.PREDICT(MODEL ml.bench_wide, TABLE dnn_train)"
            )
        )
        print(f"  DNN SQL scoring {width} x {layers}: {seconds:.2f}s per 10,000 rows")
        if seconds > limit:
            break
        largest = (f"{width} x {layers}", seconds)
    return [
        (
            f"DNN largest network scored in SQL under {limit:g}s / 10,000 rows: {largest[0]} (s)",
            largest[1],
            limit,
            largest[1] / limit,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kmeans-rows", type=int, default=5_000_000)
    parser.add_argument("--linreg-rows", type=int, default=10_000_000)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tree-rows", type=int, default=1_000_000)
    parser.add_argument("--dnn-rows", type=int, default=100_000)
    parser.add_argument("--dnn-limit-seconds", type=float, default=30.0)
    parser.add_argument(
        "--only", choices=["kmeans", "linreg", "trees", "dnn"], help="run one part (the others get no rows)"
    )
    args = parser.parse_args()
    con = duckdb.connect(config={"threads": args.threads})
    con.execute("SET enable_progress_bar = false")
    kmeans_rows = args.kmeans_rows if args.only in (None, "kmeans") else 0
    linreg_rows = args.linreg_rows if args.only in (None, "linreg") else 0
    tree_rows = args.tree_rows if args.only in (None, "trees") else 0
    dnn_rows = args.dnn_rows if args.only in (None, "dnn") else 0
    seconds, _ = _timed(lambda: _generate(con, kmeans_rows, linreg_rows))
    print(f"generated data in DuckDB in {seconds:.1f}s (threads={args.threads})")
    results = (bench_kmeans(con, args.iterations) if kmeans_rows else []) + (
        bench_linreg(con) if linreg_rows else []
    )
    results += bench_trees(con, tree_rows) if tree_rows else []
    results += (
        bench_dnn(con, dnn_rows)
        + bench_dnn_cache(dnn_rows)
        + bench_dnn_scoring_limit(con, args.dnn_limit_seconds)
        if dnn_rows
        else []
    )
    print(f"{'measure':<100} {'ours':>14} {'peer':>14} {'ours/peer':>10}")
    for name, ours, peer, ratio in results:
        print(f"{name:<100} {ours:>14.4g} {peer:>14.4g} {ratio:>9.2f}x")
    print(
        "ratios: time ratios are ours/peer (lower is better); throughput rows show peer time / our time as ours/peer time"
    )


if __name__ == "__main__":
    main()
