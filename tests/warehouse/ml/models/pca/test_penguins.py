"""PCA on the public penguins table against BigQuery's own recorded outputs.

The expected numbers are what BigQuery ML returned for
``CREATE MODEL ... OPTIONS(model_type='pca', num_principal_components=3) AS SELECT * FROM penguins``,
as recorded (rounded to 6 digits) in python-bigquery-dataframes' system tests
(tests/system/small/ml/test_core.py and test_decomposition.py, commit 19b5eb05c; Apache-2.0) and in
the docstring of ``bigframes.ml.decomposition.PCA``. A principal component's sign is arbitrary, so
loadings and projections are compared up to the sign of the whole component.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

import warehouse

MODEL = "CREATE MODEL ml.penguins_pca OPTIONS(model_type='pca', num_principal_components=3) AS SELECT * FROM penguins"

#: ML.PRINCIPAL_COMPONENT_INFO as BigQuery returned it
INFO = [
    (0, 3.278657, 0.469357, 0.469357),
    (1, 1.270829, 0.181926, 0.651283),
    (2, 1.125354, 0.1611, 0.812383),
]

#: ML.PRINCIPAL_COMPONENTS, component 0: numeric loadings and categorical ones
PC0_NUMERIC = {
    "culmen_length_mm": 0.401489,
    "culmen_depth_mm": -0.377482,
    "flipper_length_mm": 0.524052,
    "body_mass_g": 0.501174,
}
PC0_CATEGORICAL = {
    "species": {
        "Gentoo penguin (Pygoscelis papua)": 0.25068877125667804,
        "Adelie Penguin (Pygoscelis adeliae)": -0.20622291900416198,
        "Chinstrap penguin (Pygoscelis antarctica)": -0.030161149275185855,
    },
    "island": {
        "Biscoe": 0.19761120114410635,
        "Dream": -0.11264736305259061,
        "Torgersen": -0.07065913511418596,
    },
    "sex": {
        ".": 0.0015916894448071784,
        "MALE": 0.06869704739750442,
        "FEMALE": -0.052521171596813174,
        "_null_filler": -0.0034628622681684906,
    },
}

NEW_PENGUINS = """(
SELECT * FROM UNNEST([
  STRUCT(1633 AS tag_number, 'Adelie Penguin (Pygoscelis adeliae)' AS species, 'Torgersen' AS island,
         39.5 AS culmen_length_mm, 18.8 AS culmen_depth_mm, 196.0 AS flipper_length_mm, 3750.0 AS body_mass_g, 'MALE' AS sex),
  STRUCT(1672, 'Adelie Penguin (Pygoscelis adeliae)', 'Torgersen', 38.5, 17.2, 181.0, 5200.0, 'FEMALE'),
  STRUCT(1690, 'Chinstrap penguin (Pygoscelis antarctica)', 'Dream', 37.9, 18.1, 188.0, 3325.0, 'FEMALE')
]))"""

#: ML.PREDICT on NEW_PENGUINS (ordered by tag_number)
PREDICTED = [
    [-1.314041, -0.889106, -0.704345],
    [-0.855813, -1.259753, 0.322555],
    [-1.848786, -0.983304, -0.095759],
]
#: ML.DETECT_ANOMALIES on NEW_PENGUINS: mean_squared_error, and is_anomaly per contamination
MSE = [0.254188, 0.731243, 0.298889]
ANOMALIES = {0.1: [False, True, False], 0.2: [False, True, True], 0.25: [True, True, True]}


@pytest.fixture
def model(penguins: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    warehouse.execute(penguins, MODEL)
    return penguins


def _same_up_to_sign(actual: np.ndarray, expected: np.ndarray, atol: float) -> None:
    """Column by column: equal, or equal after flipping the column's sign."""
    for c in range(expected.shape[1]):
        sign = 1.0 if np.dot(actual[:, c], expected[:, c]) >= 0 else -1.0
        np.testing.assert_allclose(sign * actual[:, c], expected[:, c], rtol=0, atol=atol)


def test_principal_component_info_equals_bigquerys_to_6_digits(model: duckdb.DuckDBPyConnection) -> None:
    rows = warehouse.execute(model, "SELECT * FROM ML.PRINCIPAL_COMPONENT_INFO(MODEL ml.penguins_pca)").rows
    assert [r[0] for r in rows] == [0, 1, 2]
    np.testing.assert_allclose(np.array(rows)[:, 1:], np.array(INFO)[:, 1:], rtol=0, atol=5e-7)


def test_evaluate_equals_bigquerys_total_explained_variance_ratio(model: duckdb.DuckDBPyConnection) -> None:
    stored = warehouse.execute(model, "SELECT * FROM ML.EVALUATE(MODEL ml.penguins_pca)")
    assert stored.columns == ["total_explained_variance_ratio"]
    assert stored.rows[0][0] == pytest.approx(0.812383, abs=5e-7)
    rescored = warehouse.execute(model, "SELECT * FROM ML.EVALUATE(MODEL ml.penguins_pca, TABLE penguins)")
    assert rescored.rows[0][0] == pytest.approx(stored.rows[0][0], rel=1e-12)


def test_principal_components_equal_bigquerys_up_to_sign(model: duckdb.DuckDBPyConnection) -> None:
    result = warehouse.execute(model, "SELECT * FROM ML.PRINCIPAL_COMPONENTS(MODEL ml.penguins_pca)")
    assert result.columns == ["principal_component_id", "feature", "numerical_value", "categorical_value"]
    assert len(result.rows) == 21  # 3 components x 7 features, as BigQuery's
    first = {feature: (number, categories) for pc, feature, number, categories in result.rows if pc == 0}
    assert list(first) == ["species", "island", *PC0_NUMERIC, "sex"]  # the query's column order
    sign = np.sign(first["flipper_length_mm"][0]) * np.sign(PC0_NUMERIC["flipper_length_mm"])
    for feature, value in PC0_NUMERIC.items():
        assert first[feature] == (pytest.approx(sign * value, abs=5e-7), [])
    for feature, expected in PC0_CATEGORICAL.items():
        number, categories = first[feature]
        assert number is None
        assert {c["category"]: sign * c["value"] for c in categories} == pytest.approx(expected, abs=1e-12)


def test_predict_equals_bigquerys_up_to_sign(model: duckdb.DuckDBPyConnection) -> None:
    result = warehouse.execute(
        model, f"SELECT * FROM ML.PREDICT(MODEL ml.penguins_pca, {NEW_PENGUINS}) ORDER BY tag_number"
    )
    assert result.columns == [
        "principal_component_1",
        "principal_component_2",
        "principal_component_3",
        "tag_number",
    ]  # the feature columns are dropped unless keep_original_columns
    _same_up_to_sign(np.array([r[:3] for r in result.rows]), np.array(PREDICTED), atol=5e-7)


@pytest.mark.parametrize("contamination", sorted(ANOMALIES))
def test_detect_anomalies_equals_bigquerys(model: duckdb.DuckDBPyConnection, contamination: float) -> None:
    result = warehouse.execute(
        model,
        f"SELECT is_anomaly, mean_squared_error, tag_number FROM ML.DETECT_ANOMALIES(MODEL ml.penguins_pca, "
        f"STRUCT({contamination} AS contamination), {NEW_PENGUINS}) ORDER BY tag_number",
    )
    assert [r[0] for r in result.rows] == ANOMALIES[contamination]
    assert [r[1] for r in result.rows] == pytest.approx(MSE, abs=5e-7)


def test_the_bigframes_docstring_example(con: duckdb.DuckDBPyConnection) -> None:
    """``PCA(n_components=2).fit(X)`` in bigframes' documentation, with the output BigQuery gave."""
    con.execute(
        "CREATE TABLE x AS SELECT * FROM (VALUES (0, -1, -1), (1, -2, -1), (2, -3, -2), (3, 1, 1), (4, 2, 1), (5, 3, 2)) "
        "t(i, feat0, feat1)"
    )
    warehouse.execute(
        con,
        "CREATE MODEL ml.small OPTIONS(model_type='PCA', num_principal_components=2) AS SELECT feat0, feat1 FROM x",
    )
    predicted = warehouse.execute(
        con, "SELECT * EXCEPT(i) FROM ML.PREDICT(MODEL ml.small, TABLE x) ORDER BY i"
    )
    expected = [
        [-0.755243, 0.157628],
        [-1.05405, -0.141179],
        [-1.809292, 0.016449],
        [0.755243, -0.157628],
        [1.05405, 0.141179],
        [1.809292, -0.016449],
    ]
    _same_up_to_sign(np.array(predicted.rows), np.array(expected), atol=5e-6)
    ratios = warehouse.execute(
        con, "SELECT explained_variance_ratio FROM ML.PRINCIPAL_COMPONENT_INFO(MODEL ml.small)"
    ).rows
    assert [r[0] for r in ratios] == pytest.approx([0.99099, 0.00901], abs=5e-6)
