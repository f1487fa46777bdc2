"""PCA against a numpy eigendecomposition of BigQuery's documented preprocessing and against
scikit-learn's PCA; its options, solvers, functions and errors."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

import warehouse
from warehouse.ml.models.pca import train as pca_train

WINE = "SELECT * EXCEPT(row_id, target) FROM sk.wine"


def _features(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in ("row_id", "target")]


def _info(con: duckdb.DuckDBPyConnection, model: str) -> np.ndarray:
    rows = warehouse.execute(con, f"SELECT * FROM ML.PRINCIPAL_COMPONENT_INFO(MODEL {model})").rows
    return np.array([r[1:] for r in rows])


def _loadings(con: duckdb.DuckDBPyConnection, model: str, features: list[str]) -> np.ndarray:
    """components x features (numeric features only)."""
    rows = warehouse.execute(
        con,
        f"SELECT principal_component_id, feature, numerical_value FROM ML.PRINCIPAL_COMPONENTS(MODEL {model})",
    ).rows
    table = {(c, f): v for c, f, v in rows}
    k = 1 + max(c for c, _, _ in rows)
    return np.array([[table[(c, f)] for f in features] for c in range(k)])


def _predicted(con: duckdb.DuckDBPyConnection, model: str, source: str, k: int) -> np.ndarray:
    columns = ", ".join(f"principal_component_{c + 1}" for c in range(k))
    rows = warehouse.execute(
        con, f"SELECT {columns} FROM ML.PREDICT(MODEL {model}, {source}) ORDER BY row_id"
    ).rows
    return np.array(rows)


@pytest.mark.parametrize("scale", [True, False])
def test_same_components_and_projections_as_sklearn(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame], scale: bool
) -> None:
    """Numeric features only: BigQuery's PCA is scikit-learn's on the (optionally standardized) data,
    and both fix a component's sign by its largest loading, so even the signs agree."""
    frame = frames["wine"]
    features = _features(frame)
    warehouse.execute(
        con,
        f"CREATE MODEL ml.p OPTIONS(model_type='PCA', num_principal_components=5, "
        f"scale_features={str(scale).upper()}) AS {WINE}",
    )
    x = frame[features].to_numpy()
    if scale:
        x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    reference = PCA(n_components=5, svd_solver="full").fit(x)
    info = _info(con, "ml.p")
    np.testing.assert_allclose(info[:, 0], reference.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(info[:, 1], reference.explained_variance_ratio_, rtol=1e-10)
    np.testing.assert_allclose(info[:, 2], np.cumsum(reference.explained_variance_ratio_), rtol=1e-10)
    np.testing.assert_allclose(_loadings(con, "ml.p", features), reference.components_, atol=1e-10)
    predicted = _predicted(con, "ml.p", "TABLE sk.wine", 5)
    np.testing.assert_allclose(predicted, reference.transform(x), atol=1e-9)
    total = warehouse.execute(con, "SELECT * FROM ML.EVALUATE(MODEL ml.p)").rows[0][0]
    assert total == pytest.approx(reference.explained_variance_ratio_.sum(), rel=1e-10)


def test_equal_to_numpy_on_the_documented_preprocessing(con: duckdb.DuckDBPyConnection) -> None:
    """Numeric NULL -> training mean, standardized by the sample standard deviation; strings one-hot
    with NULL as its own category, not centered; eigendecomposition of X'X / (n - 1)."""
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame(
        {
            "row_id": np.arange(n),
            "a": rng.normal(10, 3, n),
            "b": rng.normal(0, 1, n),
            "g": rng.choice(["x", "y", "z", None], n),
        }
    )
    frame["b"] = frame["b"] + 0.5 * frame["a"]
    frame.loc[rng.choice(n, 30, replace=False), "a"] = np.nan
    con.register("frame", frame)
    con.execute("CREATE TABLE t AS SELECT * FROM frame")
    warehouse.execute(
        con,
        "CREATE MODEL ml.p OPTIONS(model_type='PCA', num_principal_components=4) AS SELECT a, b, g FROM t",
    )
    columns = []
    for name in ("a", "b"):
        x = frame[name]
        columns.append((x.fillna(x.mean()) - x.mean()) / x.std(ddof=1))
    for category in ("x", "y", "z", None):
        columns.append((frame["g"] == category) if category else frame["g"].isna())
    x = np.column_stack(columns).astype(float)
    values, vectors = np.linalg.eigh(x.T @ x / (n - 1))
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    info = _info(con, "ml.p")
    np.testing.assert_allclose(info[:, 0], values[:4], rtol=1e-10)
    np.testing.assert_allclose(info[:, 1], values[:4] / values.sum(), rtol=1e-10)
    predicted = _predicted(con, "ml.p", "TABLE t", 4)
    reference = x @ vectors[:, :4]
    signs = np.sign(np.sum(predicted * reference, axis=0))
    np.testing.assert_allclose(predicted * signs, reference, atol=1e-9)


def test_explained_variance_ratio_keeps_the_fewest_components_that_exceed_it(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]
) -> None:
    frame = frames["wine"]
    x = frame[_features(frame)].to_numpy()
    x = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    for ratio in (0.5, 0.8, 0.95):
        warehouse.execute(
            con,
            f"CREATE OR REPLACE MODEL ml.p OPTIONS(model_type='PCA', pca_explained_variance_ratio={ratio}) AS {WINE}",
        )
        kept = len(_info(con, "ml.p"))
        assert kept == PCA(n_components=ratio, svd_solver="full").fit(x).n_components_
        cumulative = _info(con, "ml.p")[:, 2]
        assert cumulative[-1] > ratio and (kept == 1 or cumulative[-2] <= ratio)


@pytest.mark.parametrize(
    "options",
    ["num_principal_components=6", "pca_explained_variance_ratio=0.9", "pca_explained_variance_ratio=0.99"],
)
def test_randomized_solver_agrees_with_full(con: duckdb.DuckDBPyConnection, options: str) -> None:
    source = "SELECT * EXCEPT(row_id, target) FROM sk.breast_cancer"
    for solver in ("FULL", "RANDOMIZED", "AUTO"):
        warehouse.execute(
            con,
            f"CREATE MODEL ml.p_{solver} OPTIONS(model_type='PCA', {options}, pca_solver='{solver}') AS {source}",
        )
    full = _info(con, "ml.p_FULL")
    np.testing.assert_allclose(_info(con, "ml.p_RANDOMIZED"), full, rtol=1e-8)
    np.testing.assert_array_equal(_info(con, "ml.p_AUTO"), full)  # AUTO is FULL up to 1,000 dimensions
    pred = "TABLE sk.breast_cancer"
    np.testing.assert_allclose(
        np.abs(_predicted(con, "ml.p_RANDOMIZED", pred, len(full))),
        np.abs(_predicted(con, "ml.p_FULL", pred, len(full))),
        atol=1e-6,
    )


def test_keep_original_columns_keeps_the_features(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.p OPTIONS(model_type='PCA', num_principal_components=2) "
        "AS SELECT sepal_length_cm, sepal_width_cm, petal_length_cm FROM sk.iris",
    )
    plain = warehouse.execute(con, "SELECT * FROM ML.PREDICT(MODEL ml.p, TABLE sk.iris) LIMIT 1").columns
    assert plain == ["principal_component_1", "principal_component_2", "row_id", "petal_width_cm", "target"]
    kept = warehouse.execute(
        con,
        "SELECT * FROM ML.PREDICT(MODEL ml.p, TABLE sk.iris, STRUCT(TRUE AS keep_original_columns)) LIMIT 1",
    ).columns
    assert kept[:2] == ["principal_component_1", "principal_component_2"]
    assert kept[2:] == warehouse.execute(con, "SELECT * FROM sk.iris LIMIT 1").columns


def test_detect_anomalies_flags_the_contamination_share_of_training_rows(
    con: duckdb.DuckDBPyConnection,
) -> None:
    warehouse.execute(
        con, f"CREATE MODEL ml.p OPTIONS(model_type='PCA', num_principal_components=3) AS {WINE}"
    )
    for contamination in (0.0, 0.05, 0.2):
        result = warehouse.execute(
            con,
            f"SELECT count_if(is_anomaly), count(*) FROM ML.DETECT_ANOMALIES(MODEL ml.p, "
            f"STRUCT({contamination} AS contamination))",  # no input: the training rows
        ).rows[0]
        assert result[1] == 178
        assert abs(int(result[0]) - contamination * 178) <= 1
    columns = warehouse.execute(
        con,
        "SELECT * FROM ML.DETECT_ANOMALIES(MODEL ml.p, STRUCT(0.1 AS contamination), TABLE sk.wine) LIMIT 1",
    ).columns
    assert (
        columns[:2] == ["is_anomaly", "mean_squared_error"] and "row_id" in columns and "alcohol" in columns
    )


def test_transform_clause_and_string_features(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con,
        "CREATE MODEL ml.p TRANSFORM(ML.STANDARD_SCALER(alcohol) OVER() AS alcohol, "
        "IF(color_intensity > 5, 'dark', 'light') AS shade) "
        "OPTIONS(model_type='PCA', num_principal_components=2) AS SELECT alcohol, color_intensity FROM sk.wine",
    )
    components = warehouse.execute(
        con,
        "SELECT feature, categorical_value FROM ML.PRINCIPAL_COMPONENTS(MODEL ml.p) WHERE principal_component_id = 0",
    ).rows
    assert [f for f, _ in components] == ["alcohol", "shade"]
    assert sorted(c["category"] for c in components[1][1]) == ["dark", "light"]
    rows = warehouse.execute(con, "SELECT count(*) FROM ML.PREDICT(MODEL ml.p, TABLE sk.wine)").rows
    assert rows == [(178,)]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("", r"exactly one of num_principal_components and pca_explained_variance_ratio.*neither given"),
        (
            ", num_principal_components=2, pca_explained_variance_ratio=0.5",
            r"exactly one of num_principal_components and pca_explained_variance_ratio.*both given",
        ),
        (", pca_explained_variance_ratio=1.0", r"option pca_explained_variance_ratio = 1\.0 is out of range"),
        (", pca_explained_variance_ratio=0", r"option pca_explained_variance_ratio = 0 is out of range"),
        (", num_principal_components=0", r"option num_principal_components = 0 is out of range"),
        (", num_principal_components=14", r"num_principal_components = 14 must not be larger than .*\(13\)"),
        (
            ", num_principal_components=2, pca_solver='ARPACK'",
            r"option pca_solver = 'ARPACK' is not supported",
        ),
        (", num_clusters=3", r"unknown option 'num_clusters' for model_type PCA"),
        (", num_principal_components=2, input_label_cols=['target']", r"unknown option 'input_label_cols'"),
    ],
)
def test_option_errors(con: duckdb.DuckDBPyConnection, options: str, message: str) -> None:
    with pytest.raises(Exception, match=message):
        warehouse.execute(con, f"CREATE MODEL ml.p OPTIONS(model_type='PCA'{options}) AS {WINE}")


def test_more_components_than_rows_is_an_error(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(
        Exception, match=r"num_principal_components = 4 must not be larger than the number of rows \(3\)"
    ):
        warehouse.execute(
            con, f"CREATE MODEL ml.p OPTIONS(model_type='PCA', num_principal_components=4) AS {WINE} LIMIT 3"
        )


def test_function_errors(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con, f"CREATE MODEL ml.p OPTIONS(model_type='PCA', num_principal_components=2) AS {WINE}"
    )
    cases = [
        (
            "SELECT * FROM ML.DETECT_ANOMALIES(MODEL ml.p, TABLE sk.wine)",
            r"contamination = None is not a number",
        ),
        (
            "SELECT * FROM ML.DETECT_ANOMALIES(MODEL ml.p, STRUCT(0.6 AS contamination), TABLE sk.wine)",
            r"contamination = 0\.6 is not a number in \[0, 0\.5\]",
        ),
        (
            "SELECT * FROM ML.PREDICT(MODEL ml.p, TABLE sk.wine, STRUCT(0.5 AS threshold))",
            r"unknown parameter 'threshold'",
        ),
        (
            "SELECT * FROM ML.PREDICT(MODEL ml.p, TABLE sk.wine, STRUCT(1 AS keep_original_columns))",
            r"keep_original_columns = 1 is not TRUE or FALSE",
        ),
        ("SELECT * FROM ML.PREDICT(MODEL ml.p)", r"ML\.PREDICT needs input rows"),
        ("SELECT * FROM ML.WEIGHTS(MODEL ml.p)", r"ML\.WEIGHTS is not available for PCA model ml\.p"),
    ]
    for statement, message in cases:
        with pytest.raises(Exception, match=message):
            warehouse.execute(con, statement)


def test_generic_functions_and_drop_model(con: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        con, f"CREATE MODEL ml.p OPTIONS(model_type='PCA', num_principal_components=2) AS {WINE}"
    )
    features = warehouse.execute(con, "SELECT input, dimension FROM ML.FEATURE_INFO(MODEL ml.p)").rows
    assert len(features) == 13 and {d for _, d in features} == {1}
    info = warehouse.execute(con, "SELECT training_run, iteration FROM ML.TRAINING_INFO(MODEL ml.p)").rows
    assert info == [(0, 0)]
    tables = (
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'ml' AND starts_with(table_name, 'p__')"
    )
    assert con.execute(tables).fetchone() == (3,)  # components, training_info, training_statistics
    warehouse.execute(con, "DROP MODEL ml.p")
    assert con.execute(tables).fetchone() == (0,)
    with pytest.raises(Exception, match=r"model ml\.p does not exist"):
        warehouse.execute(con, "SELECT * FROM ML.PRINCIPAL_COMPONENT_INFO(MODEL ml.p)")


def test_anomaly_quantiles_from_a_sample_of_the_training_rows(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above SAMPLE_VALUES, every n-th training row sets the cut-off; the components still see every row."""
    source = "SELECT * EXCEPT(row_id, target) FROM sk.breast_cancer"
    warehouse.execute(
        con, f"CREATE MODEL ml.all OPTIONS(model_type='PCA', num_principal_components=4) AS {source}"
    )
    monkeypatch.setattr(pca_train, "SAMPLE_VALUES", 30 * 100)  # 30 dimensions: every 6th of 569 rows
    monkeypatch.setattr(pca_train, "SAMPLE_MIN_ROWS", 1)
    warehouse.execute(
        con, f"CREATE MODEL ml.some OPTIONS(model_type='PCA', num_principal_components=4) AS {source}"
    )
    np.testing.assert_array_equal(_info(con, "ml.some"), _info(con, "ml.all"))
    scored = warehouse.execute(
        con,
        "SELECT is_anomaly, mean_squared_error FROM ML.DETECT_ANOMALIES(MODEL ml.some, "
        "STRUCT(0.1 AS contamination), TABLE sk.breast_cancer) ORDER BY row_id",
    ).rows
    errors = np.array([e for _, e in scored])
    cutoff = np.quantile(errors[::6], 0.9)  # the training rows 0, 6, 12, ... in query order
    assert [flag for flag, _ in scored] == list(errors > cutoff)


@pytest.mark.slow  # the generic one-hot encoding of 1,100 categories is ~10 s of SQL building
def test_over_a_thousand_dimensions_auto_is_randomized_and_scoring_stays_sql(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """1,102 one-hot and numeric dimensions: AUTO picks RANDOMIZED (above 1,000), which agrees with FULL,
    and the scoring SQL (one constant list per component) runs without hitting DuckDB's depth limit."""
    con.execute(
        "CREATE TABLE wide AS SELECT i AS id, sin(i) * 10 + cos(i * 0.5) AS a, sin(i) * 5 + i % 3 AS b, "
        "'c' || (i % 1100) AS code FROM range(3300) r(i)"
    )
    for solver in ("AUTO", "FULL"):
        warehouse.execute(
            con,
            f"CREATE MODEL ml.wide_{solver} OPTIONS(model_type='PCA', num_principal_components=2, "
            f"pca_solver='{solver}') AS SELECT a, b, code FROM wide",
        )
    model = warehouse.execute(con, "SELECT state FROM ml._models WHERE name = 'ml.wide_AUTO'")
    assert '"solver": "RANDOMIZED"' in model.rows[0][0]
    np.testing.assert_allclose(_info(con, "ml.wide_AUTO"), _info(con, "ml.wide_FULL"), rtol=1e-8)
    scored = warehouse.execute(
        con,
        "SELECT count(*), count_if(is_anomaly) FROM ML.DETECT_ANOMALIES(MODEL ml.wide_AUTO, "
        "STRUCT(0.1 AS contamination), TABLE wide)",
    ).rows
    assert scored[0][0] == 3300 and abs(int(scored[0][1]) - 330) <= 5
