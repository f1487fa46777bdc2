"""The network as DuckDB SQL: the weights (state table ``layers``, ``LAYERS``) compiled to one SELECT per
layer over the encoded dimensions ``__x0..``.

Layer ``l`` adds ``__z<l>_<j>`` (bias + the weighted sum of the previous layer's columns) and then
``__a<l>_<j>`` (the activation of it); the output layer adds the margins ``__m<k>`` and, for
classifiers, ``__p<k>`` (sigmoid for two classes: P(the higher label); softmax otherwise), as
scikit-learn's MLP computes them. A weighted sum is a balanced, parenthesized tree of additions, so an
expression's depth grows with log2(width) and a layer of any width stays far below DuckDB's
``max_expression_depth`` (1000); a wide layer costs width x inputs multiply-adds per row, vectorized
by DuckDB, and the layers nest as subqueries (depth = 2 x layers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from warehouse.ml.models.trees.sql import sum_sql, with_probabilities
from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.registry import Model, read_state
from warehouse.ml.sqlexpr import ident

#: the weights (state table ``layers``): one row per weight; ``input`` -1 is the unit's bias
LAYERS = pa.schema(
    [
        ("layer", pa.int32()),  # 0 = first hidden layer; the last one is the output layer
        ("input", pa.int32()),  # the previous layer's unit (for layer 0: the dimension __x<input>)
        ("unit", pa.int32()),
        ("weight", pa.float64()),
    ]
)

#: ACTIVATION_FN -> the SQL of the activation of a column (as text: generated names and numbers only)
ACTIVATIONS: dict[str, Callable[[str], str]] = {
    "RELU": lambda z: f"greatest({z}, CAST(0 AS DOUBLE))",
    # scipy's expit, without overflow: exp() of a non-positive number only
    "SIGMOID": lambda z: f"CASE WHEN {z} >= 0 THEN 1 / (1 + exp(-{z})) ELSE exp({z}) / (1 + exp({z})) END",
    "TANH": lambda z: f"tanh({z})",
}


@dataclass
class Network:
    """The weights of a model: per layer, the (inputs x units) matrix and the biases."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]

    @classmethod
    def from_arrays(cls, coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray]) -> Network:
        return cls(
            [np.asarray(c, dtype=float) for c in coefs], [np.asarray(b, dtype=float) for b in intercepts]
        )

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[Any, ...]]) -> Network:
        """From ``LAYERS`` rows ordered by layer, input, unit."""
        layers = 1 + max(r[0] for r in rows)
        weights: list[np.ndarray] = []
        biases: list[np.ndarray] = []
        for layer in range(layers):
            mine = [r for r in rows if r[0] == layer]
            units = 1 + max(r[2] for r in mine)
            inputs = 1 + max(r[1] for r in mine)
            matrix = np.zeros((inputs, units))
            bias = np.zeros(units)
            for _, i, j, value in mine:
                if i < 0:
                    bias[j] = value
                else:
                    matrix[i, j] = value
            weights.append(matrix)
            biases.append(bias)
        return cls(weights, biases)

    @property
    def outputs(self) -> int:
        return int(self.weights[-1].shape[1])


def layers_table(coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray]) -> pa.Table:
    """A fitted MLP's ``coefs_`` and ``intercepts_`` as ``LAYERS`` rows."""
    columns: dict[str, list[Any]] = {name: [] for name in LAYERS.names}
    for layer, (matrix, bias) in enumerate(zip(coefs, intercepts, strict=True)):
        inputs, units = matrix.shape
        for i in range(-1, inputs):
            values = bias if i < 0 else matrix[i]
            columns["layer"] += [layer] * units
            columns["input"] += [i] * units
            columns["unit"] += list(range(units))
            columns["weight"] += [float(v) for v in values]
    return pa.Table.from_pydict(columns, schema=LAYERS)


def load(con: duckdb.DuckDBPyConnection, model: Model) -> Network:
    return Network.from_rows(read_state(con, model, "layers", "layer, input, unit"))


def _number(value: float) -> str:
    """A DOUBLE literal that reads back bit for bit (scientific notation: DuckDB reads it as DOUBLE)."""
    return f"{value:.17e}"


def affine_sql(inputs: list[str], weights: np.ndarray, bias: float) -> str:
    """bias + sum_i weights[i] * "inputs[i]", the sum as a balanced tree (generated text: numbers
    formatted here and generated column names, no user text)."""
    terms = [f'"{name}" * {_number(w)}' for name, w in zip(inputs, weights, strict=True)]
    return sum_sql([_number(bias), *terms])


def _select(rows: exp.Select, alias: str, columns: list[tuple[str, str]]) -> exp.Select:
    items = [exp.alias_(exp.Var(this=text), ident(name)) for name, text in columns]
    return exp.select("*", *items).from_(rows.subquery(alias), copy=False)


def with_layers(rows: exp.Select, network: Network, activation: str) -> exp.Select:
    """Rows holding ``__x0..`` + every layer's columns, ending with the margins ``__m<k>``."""
    inputs = [dim_name(i) for i in range(network.weights[0].shape[0])]
    last = len(network.weights) - 1
    for layer, (matrix, bias) in enumerate(zip(network.weights, network.biases, strict=True)):
        units = range(matrix.shape[1])
        names = [f"__m{j}" if layer == last else f"__z{layer}_{j}" for j in units]
        rows = _select(
            rows,
            f"__layer{layer}",
            [(n, affine_sql(inputs, matrix[:, j], bias[j])) for j, n in zip(units, names, strict=True)],
        )
        if layer < last:
            inputs = [f"__a{layer}_{j}" for j in units]
            rows = _select(
                rows,
                f"__activation{layer}",
                [(a, ACTIVATIONS[activation](f'"{z}"')) for a, z in zip(inputs, names, strict=True)],
            )
    return rows


def helper_columns(dims: int, network: Network, classifier: bool) -> list[str]:
    """The columns ``scores`` adds to its input's (``__x*`` included)."""
    names = [dim_name(i) for i in range(dims)]
    for layer, matrix in enumerate(network.weights[:-1]):
        names += [f"__{kind}{layer}_{j}" for kind in ("z", "a") for j in range(matrix.shape[1])]
    outputs = network.outputs
    names += [f"__m{k}" for k in range(outputs)]
    if classifier:
        names += [f"__p{k}" for k in range(outputs)]
        if outputs > 1:
            names += [f"__e{k}" for k in range(outputs)]
    return names


def scores(model: Model, network: Network, relation: exp.Expr) -> exp.Select:
    """Rows of ``relation`` (holding the encoded ``__x0..``) + the layers, ``__m*`` and for classifiers
    ``__p*``."""
    rows = with_layers(exp.select("*").from_(relation), network, str(model.state["activation"]))
    return with_probabilities(rows, network.outputs) if model.state.get("classes") else rows
