"""KMEANS against scikit-learn's Lloyd k-means from the same initial centroids."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.cluster import KMeans
from sklearn.metrics import davies_bouldin_score

import warehouse
from warehouse.ml import registry
from warehouse.ml.models.kmeans import sql as ksql

SEEDS = [0, 50, 100]


def _centroid_matrix(
    con: duckdb.DuckDBPyConnection, model: str, features: list[str], standardize: bool = False
) -> np.ndarray:
    flag = ", STRUCT(TRUE AS standardize)" if standardize else ""
    rows = warehouse.execute(
        con, f"SELECT centroid_id, feature, numerical_value FROM ML.CENTROIDS(MODEL {model}{flag})"
    ).rows
    table = {(c, f): v for c, f, v in rows}
    k = max(c for c, _, _ in rows)
    return np.array([[table[(c, f)] for f in features] for c in range(1, k + 1)])


def _train_custom(
    con: duckdb.DuckDBPyConnection, dataset: str, features: list[str], standardize: bool
) -> None:
    columns = ", ".join(features)
    warehouse.execute(
        con,
        f"""CREATE MODEL ml.km OPTIONS(model_type='kmeans', num_clusters={len(SEEDS)}, kmeans_init_method='CUSTOM',
            kmeans_init_col='seed', standardize_features={str(standardize).upper()}, max_iterations=300, early_stop=FALSE)
        AS SELECT {columns}, row_id IN {tuple(SEEDS)} AS seed FROM sk.{dataset} ORDER BY row_id""",
    )


@pytest.mark.parametrize("dataset", ["iris", "wine"])
def test_same_centroids_and_assignments_as_sklearn(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame], dataset: str
) -> None:
    frame = frames[dataset]
    features = [c for c in frame.columns if c not in ("row_id", "target")]
    standardize = dataset == "wine"
    _train_custom(con, dataset, features, standardize)
    x = frame[features].to_numpy()
    if standardize:
        x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    reference = KMeans(n_clusters=3, init=x[SEEDS], n_init=1, algorithm="lloyd", tol=0, max_iter=300).fit(x)
    ours = _centroid_matrix(con, "ml.km", features, standardize=standardize)
    np.testing.assert_allclose(ours, reference.cluster_centers_, rtol=1e-9, atol=1e-12)
    labels = warehouse.execute(
        con, f"SELECT centroid_id FROM ML.PREDICT(MODEL ml.km, TABLE sk.{dataset}) ORDER BY row_id"
    ).rows
    np.testing.assert_array_equal([r[0] - 1 for r in labels], reference.labels_)
    mean_sq = warehouse.execute(
        con, "SELECT mean_squared_distance, davies_bouldin_index FROM ML.EVALUATE(MODEL ml.km)"
    ).rows[0]
    assert mean_sq[0] == pytest.approx(reference.inertia_ / len(x), rel=1e-9)
    assert mean_sq[1] == pytest.approx(davies_bouldin_score(x, reference.labels_), rel=1e-9)


def test_unstandardized_centroids_are_on_the_original_scale(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    frame = frames["wine"]
    features = [c for c in frame.columns if c not in ("row_id", "target")]
    _train_custom(con, "wine", features, standardize=True)
    labels = np.array(
        [
            r[0]
            for r in warehouse.execute(
                con, "SELECT centroid_id FROM ML.PREDICT(MODEL ml.km, TABLE sk.wine) ORDER BY row_id"
            ).rows
        ]
    )
    expected = np.array([frame[features].to_numpy()[labels == c].mean(axis=0) for c in (1, 2, 3)])
    np.testing.assert_allclose(_centroid_matrix(con, "ml.km", features), expected, rtol=1e-9)


@pytest.mark.parametrize("init", ["RANDOM", "KMEANS++"])
def test_init_methods_and_cosine_train_and_score(con: duckdb.DuckDBPyConnection, init: str) -> None:
    for distance in ("EUCLIDEAN", "COSINE"):
        warehouse.execute(
            con,
            f"CREATE OR REPLACE MODEL ml.km OPTIONS(model_type='kmeans', num_clusters=3, kmeans_init_method='{init}', "
            f"distance_type='{distance}') AS SELECT * EXCEPT(row_id, target) FROM sk.iris",
        )
        counts = warehouse.execute(
            con, "SELECT count(DISTINCT centroid_id), count(*) FROM ML.PREDICT(MODEL ml.km, TABLE sk.iris)"
        ).rows
        assert counts == [(3, 150)]
        info = warehouse.execute(con, "SELECT iteration, loss FROM ML.TRAINING_INFO(MODEL ml.km)").rows
        losses = [loss for _, loss in info]
        if distance == "EUCLIDEAN":  # Lloyd's steps never raise the squared-distance loss
            assert losses == sorted(losses, reverse=True)


def test_warm_start_continues_from_the_previous_centroids(con: duckdb.DuckDBPyConnection) -> None:
    base = "OPTIONS(model_type='kmeans', num_clusters=3, kmeans_init_method='KMEANS++', max_iterations=1{}) AS SELECT * EXCEPT(row_id, target) FROM sk.iris"
    warehouse.execute(con, "CREATE MODEL ml.km " + base.format(""))
    first = warehouse.execute(con, "SELECT loss FROM ML.TRAINING_INFO(MODEL ml.km)").rows[-1][0]
    warehouse.execute(con, "CREATE MODEL ml.km " + base.format(", warm_start=TRUE"))
    second = warehouse.execute(con, "SELECT loss FROM ML.TRAINING_INFO(MODEL ml.km)").rows[-1][0]
    assert second <= first


def test_categorical_features_get_one_hot_centroids_with_a_null_category(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute(
        "CREATE TABLE pts AS SELECT i AS id, (i % 2) * 10.0 AS x, CASE WHEN i % 2 = 0 THEN 'a' WHEN i % 4 = 1 THEN NULL ELSE 'b' END AS g FROM range(40) r(i)"
    )
    warehouse.execute(
        con,
        "CREATE MODEL ml.cat OPTIONS(model_type='kmeans', num_clusters=2, kmeans_init_method='KMEANS++') AS SELECT x, g FROM pts",
    )
    rows = warehouse.execute(
        con,
        "SELECT centroid_id, categorical_value FROM ML.CENTROIDS(MODEL ml.cat) WHERE feature = 'g' ORDER BY 1",
    ).rows
    shares = sorted(tuple(sorted((c["category"], c["value"]) for c in cats)) for _, cats in rows)
    assert shares == [
        (("_null_filler", 0.0), ("a", 1.0), ("b", 0.0)),
        (("_null_filler", 0.5), ("a", 0.0), ("b", 0.5)),
    ]
    info = {r[0]: r for r in warehouse.execute(con, "SELECT * FROM ML.FEATURE_INFO(MODEL ml.cat)").rows}
    assert info["g"][6:] == (3, 10, 3)
    assert info["x"][1:4] == (0.0, 10.0, 5.0)


def test_detect_anomalies_flags_the_contamination_share_of_training_rows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.km OPTIONS(model_type='kmeans', num_clusters=3, kmeans_init_method='KMEANS++') AS SELECT * EXCEPT(row_id, target) FROM sk.iris",
    )
    flagged = warehouse.execute(
        con,
        "SELECT count_if(is_anomaly) FROM ML.DETECT_ANOMALIES(MODEL ml.km, STRUCT(0.1 AS contamination), TABLE sk.iris)",
    ).rows[0][0]
    assert 12 <= flagged <= 16
    on_training_data = warehouse.execute(
        con, "SELECT count_if(is_anomaly) FROM ML.DETECT_ANOMALIES(MODEL ml.km, STRUCT(0.1 AS contamination))"
    ).rows[0][0]
    assert on_training_data == flagged
    with pytest.raises(Exception, match="contamination"):
        warehouse.execute(
            con, "SELECT * FROM ML.DETECT_ANOMALIES(MODEL ml.km, STRUCT(2 AS contamination), TABLE sk.iris)"
        )


def test_kmeans_plus_plus_seeds_one_centroid_per_separated_blob(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE blobs AS SELECT i, [20, 20, 55, 90, 90][i % 5 + 1] + sin(i) * 5 AS x, "
        "[20, 80, 50, 20, 80][i % 5 + 1] + cos(i * 3) * 5 AS y FROM range(1000) r(i)"
    )
    for _ in range(2):  # the draws are seeded by the row ids: the same result every time
        warehouse.execute(
            con,
            "CREATE OR REPLACE MODEL ml.blobs OPTIONS(model_type='kmeans', num_clusters=5, kmeans_init_method='KMEANS++', "
            "max_iterations=1) AS SELECT x, y FROM blobs",
        )
        sizes = warehouse.execute(
            con, "SELECT count(*) FROM ML.PREDICT(MODEL ml.blobs, TABLE blobs) GROUP BY centroid_id"
        ).rows
        assert sorted(n for (n,) in sizes) == [200] * 5


def test_detect_anomalies_without_input_reapplies_the_transform(con: duckdb.DuckDBPyConnection) -> None:
    """Without input the training query runs again, through the model's TRANSFORM like any input."""
    warehouse.execute(
        con,
        "CREATE MODEL ml.kmt TRANSFORM(ML.MIN_MAX_SCALER(sepal_length_cm) OVER () AS sl, petal_length_cm) "
        "OPTIONS(model_type='kmeans', num_clusters=3) AS SELECT sepal_length_cm, petal_length_cm FROM sk.iris",
    )
    query = "SELECT count_if(is_anomaly), sum(normalized_distance) FROM ML.DETECT_ANOMALIES(MODEL ml.kmt, STRUCT(0.1 AS contamination){})"
    rerun = warehouse.execute(con, query.format("")).rows[0]
    given = warehouse.execute(con, query.format(", TABLE sk.iris")).rows[0]
    assert rerun[0] == given[0] > 0
    assert rerun[1] == pytest.approx(given[1])


@pytest.mark.slow
def test_training_stops_when_no_row_changes_cluster(con: duckdb.DuckDBPyConnection) -> None:
    """Means summed by two threads in a varying order may differ in their last bit from one step to
    the next; training stopped only at max_iterations then, where scikit-learn stops once no label changes."""
    con.execute("SET threads = 2")
    features = ", ".join(f"(i % 8) * {j + 1}.5 + sin(i * {j + 3}.7) AS f{j}" for j in range(8))
    con.execute(f"CREATE TABLE blobs AS SELECT i, {features}, i < 8 AS seed FROM range(1000000) r(i)")
    columns = ", ".join(f"f{j}" for j in range(8))
    warehouse.execute(
        con,
        f"""CREATE MODEL ml.blobs OPTIONS(model_type='kmeans', num_clusters=8, kmeans_init_method='CUSTOM',
            kmeans_init_col='seed', standardize_features=FALSE, max_iterations=10, early_stop=FALSE)
        AS SELECT {columns}, seed FROM blobs""",
    )
    data = con.execute(f"SELECT {columns} FROM blobs ORDER BY i").fetchnumpy()
    x = np.column_stack([data[f"f{j}"] for j in range(8)])
    reference = KMeans(n_clusters=8, init=x[:8], n_init=1, algorithm="lloyd", tol=0, max_iter=10).fit(x)
    steps = warehouse.execute(con, "SELECT count(*) FROM ML.TRAINING_INFO(MODEL ml.blobs)").rows[0][0]
    assert steps == reference.n_iter_ < 10
    ours = _centroid_matrix(con, "ml.blobs", [f"f{j}" for j in range(8)])
    np.testing.assert_allclose(ours, reference.cluster_centers_, rtol=1e-9, atol=1e-9)


def test_anomaly_quantiles_are_those_of_the_scored_training_rows(con: duckdb.DuckDBPyConnection) -> None:
    """The quantiles training stores for DETECT_ANOMALIES (found in numpy after the last step) are the
    lower quantiles of distance / cluster radius over the training rows as ML.PREDICT scores them."""
    warehouse.execute(
        con,
        "CREATE MODEL ml.km OPTIONS(model_type='kmeans', num_clusters=3, max_iterations=3, early_stop=FALSE) "
        "AS SELECT * EXCEPT(row_id, target) FROM sk.iris",
    )
    model = registry.load(con, "ml", "km")
    radius = {int(c): r for c, r in model.state["cluster_radius"].items()}
    rows = warehouse.execute(
        con,
        "SELECT centroid_id, NEAREST_CENTROIDS_DISTANCE FROM ML.PREDICT(MODEL ml.km, TABLE sk.iris)",
    ).rows
    normalized = np.sort([min(n["DISTANCE"] for n in near) / radius[c] for c, near in rows])
    positions = [(i * (len(rows) - 1)) // 1000 for i in range(1001)]
    expected = normalized[positions]
    np.testing.assert_allclose(model.state["normalized_distance_quantiles"], expected, rtol=1e-9, atol=1e-12)


@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            # ties, signed zeros, subnormals, a NaN with its sign bit set
            st.sampled_from([0.0, -0.0, 1.0, 5e-324, -5e-324, float(np.copysign(np.nan, -1.0))]),
        ),
        min_size=1,
        max_size=300,
    )
)
def test_order_statistics_are_those_of_a_partition(values: list[float]) -> None:
    """The bucketed selection the anomaly quantiles use gives, at every rank, the value np.partition puts
    there (NaN last), whatever the doubles: negative, infinite, NaN, ties."""
    x = np.array(values, dtype=float)
    positions = [(i * (len(x) - 1)) // 1000 for i in range(1001)]
    expected = x.copy()
    expected.partition(sorted(set(positions)))
    ours = ksql.order_statistics(x, positions)
    np.testing.assert_array_equal(np.array(ours), expected[positions])


def test_order_statistics_of_many_rows_skip_buckets_alike() -> None:
    """More rows than ranks (only some buckets are sorted): negative values, both NaNs, infinities, ties."""
    rng = np.random.default_rng(7)
    x = np.concatenate(
        [
            rng.normal(size=20_000) * 1e3,
            np.zeros(3_000),
            [np.nan, np.copysign(np.nan, -1.0), np.inf, -np.inf, -0.0],
            rng.exponential(size=5_000),
        ]
    )
    rng.shuffle(x)
    positions = [(i * (len(x) - 1)) // 1000 for i in range(1001)]
    expected = x.copy()
    expected.partition(sorted(set(positions)))
    np.testing.assert_array_equal(np.array(ksql.order_statistics(x, positions)), expected[positions])


def test_order_statistics_of_no_values_is_an_error() -> None:
    with pytest.raises(ValueError, match="order statistics of no values"):
        ksql.order_statistics(np.array([], dtype=float), [0])
