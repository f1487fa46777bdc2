"""ML.EXPLAIN_PREDICT and ML.GLOBAL_EXPLAIN of DNN_CLASSIFIER and DNN_REGRESSOR (Integrated Gradients).

Checked against things computed independently of the implementation: the attributions add up to
``prediction_value - baseline_prediction_value`` within the reported ``approximation_error``; the
baseline is ML.PREDICT at the training means; on a tiny TANH network the attributions equal Integrated
Gradients computed from ML.PREDICT alone (central finite differences along the path, a fine midpoint
sum); ML.GLOBAL_EXPLAIN is the mean absolute attribution ML.EXPLAIN_PREDICT gives over the training rows;
the network's backpropagated gradient equals finite differences for every activation.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

import warehouse
from lakehouse.errors import UsageError
from tests.warehouse.ml.models.pca.conftest import PENGUINS, RAW
from warehouse.ml.models.dnn import gradients

FEATURES = ["species", "island", "culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "sex"]
QUERY = f"SELECT {', '.join(FEATURES)}, body_mass_g FROM penguins WHERE body_mass_g IS NOT NULL"
ALL = f"STRUCT({len(FEATURES)} AS top_k_features)"


def run(con: duckdb.DuckDBPyConnection, text: str) -> list[dict[str, Any]]:
    return warehouse.execute(con, text).to_dicts()


def _attributions(row: dict[str, Any], features: list[str]) -> np.ndarray:
    found = {a["feature"]: a["attribution"] for a in row["top_feature_attributions"]}
    return np.array([found[f] for f in features])


@pytest.fixture(scope="module")
def penguins() -> duckdb.DuckDBPyConnection:
    """Three DNN models on the public penguins table: a regressor, a binary and a multiclass classifier."""
    con = duckdb.connect()
    con.execute(PENGUINS, [str(RAW)])
    common = "hidden_units = [8, 4], max_iterations = 15, enable_global_explain = TRUE, data_split_method = 'NO_SPLIT'"
    for name, model_type, label, activation in (
        ("mass", "DNN_REGRESSOR", "body_mass_g", "TANH"),
        ("sex", "DNN_CLASSIFIER", "sex", "RELU"),
        ("species", "DNN_CLASSIFIER", "species", "SIGMOID"),
    ):
        features = ", ".join(f for f in [*FEATURES, "body_mass_g"] if f != label)
        warehouse.execute(
            con,
            f"""CREATE MODEL ml.{name} OPTIONS(model_type = '{model_type}', input_label_cols = ['{label}'],
                activation_fn = '{activation}', learn_rate = 0.01, {common})
              AS SELECT {features}, {label} FROM penguins WHERE {label} IS NOT NULL AND sex <> '.'""",
        )
    return con


@pytest.mark.parametrize(
    ("model", "label"), [("mass", "body_mass_g"), ("sex", "sex"), ("species", "species")]
)
def test_attributions_add_up_to_the_prediction_less_the_baseline_within_the_reported_error(
    penguins: duckdb.DuckDBPyConnection, model: str, label: str
) -> None:
    features = [f for f in [*FEATURES, "body_mass_g"] if f != label]
    rows = run(
        penguins,
        f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.{model}, (SELECT * FROM penguins WHERE sex <> '.'), "
        f"STRUCT({len(features)} AS top_k_features))",
    )
    assert list(rows[0])[:2] == [
        f"predicted_{label}",
        "probability" if model != "mass" else "top_feature_attributions",
    ]
    errors = np.array([r["approximation_error"] for r in rows])
    for row in rows:
        total = _attributions(row, features).sum()
        delta = row["prediction_value"] - row["baseline_prediction_value"]
        assert abs(total - delta) <= row["approximation_error"] * abs(delta) + 1e-12
    # the smooth networks integrate to machine precision; the ReLU network's kinks cost a little (relative
    # to a difference that can be close to 0)
    if model == "sex":
        assert np.median(errors) < 0.05
    else:
        assert errors.max() < 1e-6


def test_more_steps_shrink_the_approximation_error_of_a_relu_network(
    penguins: duckdb.DuckDBPyConnection,
) -> None:
    def mean_error(steps: int) -> float:
        rows = run(
            penguins,
            f"SELECT approximation_error FROM ML.EXPLAIN_PREDICT(MODEL ml.sex, (SELECT * FROM penguins), "
            f"STRUCT({steps} AS integrated_gradients_num_steps))",
        )
        return float(np.mean([r["approximation_error"] for r in rows]))

    assert mean_error(100) < mean_error(15) < mean_error(3)


def test_prediction_value_is_the_margin_ml_predict_scores(penguins: duckdb.DuckDBPyConnection) -> None:
    """A regressor's prediction itself; a binary classifier's logit of the predicted class."""
    source = "(SELECT * FROM penguins WHERE sex <> '.' AND body_mass_g IS NOT NULL ORDER BY culmen_length_mm, culmen_depth_mm)"
    explained = run(penguins, f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.mass, {source})")
    predicted = run(penguins, f"SELECT * FROM ML.PREDICT(MODEL ml.mass, {source})")
    assert [r["prediction_value"] for r in explained] == pytest.approx(
        [r["predicted_body_mass_g"] for r in predicted]
    )
    binary = run(penguins, f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.sex, {source})")
    logits = np.array([r["prediction_value"] for r in binary])
    assert 1 / (1 + np.exp(-logits)) == pytest.approx([r["probability"] for r in binary])


def test_global_explain_is_the_mean_absolute_attribution_over_the_training_rows(
    penguins: duckdb.DuckDBPyConnection,
) -> None:
    label = "species"
    features = [f for f in [*FEATURES, "body_mass_g"] if f != label]
    rows = run(
        penguins,
        f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.species, (SELECT * FROM penguins WHERE {label} IS NOT NULL "
        f"AND sex <> '.'), STRUCT({len(features)} AS top_k_features))",
    )
    expected = np.abs(np.array([_attributions(r, features) for r in rows])).mean(axis=0)
    found = {
        r["feature"]: r["attribution"]
        for r in run(penguins, "SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.species)")
    }
    assert [found[f] for f in features] == pytest.approx(expected.tolist(), rel=1e-9)
    by_class = run(
        penguins, "SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.species, STRUCT(TRUE AS class_level_explain))"
    )
    assert len({r["class_label"] for r in by_class}) == 3 and len(by_class) == 3 * len(features)


def test_a_tiny_tanh_network_matches_integrated_gradients_from_finite_differences_of_ml_predict() -> None:
    """Integrated Gradients recomputed from ML.PREDICT only: the baseline is the training mean, the path
    integral a 400-step midpoint sum of central differences."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 2)) * [2.0, 0.5] + [1.0, -3.0]
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": np.sin(x[:, 0]) + x[:, 1] ** 2})
    con = duckdb.connect()
    con.register("frame", frame)
    con.execute("CREATE TABLE t AS SELECT * FROM frame")
    warehouse.execute(
        con,
        "CREATE MODEL ml.tiny OPTIONS(model_type = 'DNN_REGRESSOR', input_label_cols = ['y'], hidden_units = [3], "
        "activation_fn = 'TANH', learn_rate = 0.05, max_iterations = 10, data_split_method = 'NO_SPLIT') "
        "AS SELECT a, b, y FROM t",
    )
    mean = np.array(con.execute("SELECT avg(a), avg(b) FROM t").fetchone())
    points = x[:3]
    explained = run(
        con,
        "SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.tiny, (SELECT * FROM t LIMIT 3), STRUCT(40 AS integrated_gradients_num_steps))",
    )
    steps, h = 400, 1e-4
    alphas = (np.arange(steps) + 0.5) / steps
    probes = []
    for point in points:
        for alpha in alphas:
            base = mean + alpha * (point - mean)
            for i in range(2):
                for sign in (1.0, -1.0):
                    probe = base.copy()
                    probe[i] += sign * h
                    probes.append(probe)
    con.register("probes", pd.DataFrame(probes, columns=["a", "b"]).reset_index())
    values = np.array(
        [
            r["predicted_y"]
            for r in run(
                con, "SELECT * FROM ML.PREDICT(MODEL ml.tiny, (SELECT * FROM probes)) ORDER BY index"
            )
        ]
    ).reshape(len(points), steps, 2, 2)
    slopes = (values[..., 0] - values[..., 1]) / (2 * h)  # (points, steps, features)
    expected = (points - mean) * slopes.mean(axis=1)
    found = np.array([_attributions(r, ["a", "b"]) for r in explained])
    assert found == pytest.approx(expected, rel=1e-4, abs=1e-7)
    at_mean = run(
        con, "SELECT predicted_y FROM ML.PREDICT(MODEL ml.tiny, (SELECT avg(a) AS a, avg(b) AS b FROM t))"
    )
    assert explained[0]["baseline_prediction_value"] == pytest.approx(at_mean[0]["predicted_y"])


@pytest.mark.parametrize("activation", sorted(gradients.ACTIVATIONS))
def test_the_backpropagated_gradient_equals_finite_differences(activation: str) -> None:
    rng = np.random.default_rng(2)
    sizes = [4, 5, 3, 2]
    widen = 2 if activation == "CRELU" else 1  # CRELU's outputs are twice its layer's width
    inputs = [sizes[0]] + [widen * s for s in sizes[1:-1]]
    net = gradients.Network(
        [rng.normal(size=(a, b)) for a, b in zip(inputs, sizes[1:], strict=True)],
        [rng.normal(size=b) for b in sizes[1:]],
        activation,
    )
    x = rng.normal(size=(6, 4))
    selector = np.tile([0.3, -1.2], (6, 1))
    h = 1e-6
    numeric = np.column_stack(
        [
            ((net.margins(x + h * e) - net.margins(x - h * e)) * selector).sum(axis=1) / (2 * h)
            for e in np.eye(4)
        ]
    )
    assert net.gradient(x, selector) == pytest.approx(numeric, rel=1e-5, abs=1e-7)


def test_explanations_need_their_options(penguins: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(
        penguins,
        "CREATE MODEL ml.plain OPTIONS(model_type = 'DNN_REGRESSOR', input_label_cols = ['body_mass_g'], "
        f"hidden_units = [4], max_iterations = 2) AS {QUERY}",
    )
    with pytest.raises(UsageError, match="was not trained with enable_global_explain = TRUE"):
        run(penguins, "SELECT * FROM ML.GLOBAL_EXPLAIN(MODEL ml.plain)")
    with pytest.raises(UsageError, match="integrated_gradients_num_steps = 0 is not a positive integer"):
        run(
            penguins,
            f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.plain, ({QUERY}), STRUCT(0 AS integrated_gradients_num_steps))",
        )
    with pytest.raises(UsageError, match="threshold applies to binary models only"):
        run(
            penguins, f"SELECT * FROM ML.EXPLAIN_PREDICT(MODEL ml.plain, ({QUERY}), STRUCT(0.3 AS threshold))"
        )
