"""The network as DuckDB SQL: the weights (state table ``layers``, ``LAYERS``) compiled to one SELECT per
layer over the encoded dimensions ``__x0..``.

A layer's input is one list column ``__v<l>`` (``__v0``: the encoded dimensions); a hidden layer adds
``__z<l>``, the list of its units' ``list_dot_product(__v<l>, [weights]) + bias``, and ``__v<l+1>``, the
activation of each (``list_transform``); the output layer adds the margins ``__m<k>`` and, for
classifiers, ``__p<k>`` (sigmoid for two classes: P(the higher label); softmax otherwise), as
scikit-learn's MLP computes them. A unit is one function call over a constant list, so an expression's
depth does not grow with a layer's width and stays far below DuckDB's ``max_expression_depth``; wide
layers stay cheap to plan (measured: a 128-unit layer over 128 inputs as scalar sums of products took
3.5 s to plan and 1.8 s to run on 2,000 rows, as dot products over constant lists 0.12 s).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
from sqlglot import exp

from warehouse.ml.models.trees.sql import with_probabilities
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

#: ACTIVATION_FN -> the SQL of the activation of ``z`` (text: used in a lambda over generated lists only)
ACTIVATIONS: dict[str, str] = {
    "RELU": "greatest(z, CAST(0 AS DOUBLE))",
    # scipy's expit, without overflow: exp() of a non-positive number only
    "SIGMOID": "CASE WHEN z >= 0 THEN 1 / (1 + exp(-z)) ELSE exp(z) / (1 + exp(z)) END",
    "TANH": "tanh(z)",
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


def unit_sql(vector: str, weights: np.ndarray, bias: float) -> str:
    """bias + the dot product of the list column ``vector`` with the unit's weights (generated text:
    numbers formatted here and a generated column name, no user text)."""
    values = ", ".join(_number(w) for w in weights)
    return f'list_dot_product("{vector}", CAST([{values}] AS DOUBLE[])) + {_number(bias)}'


def _select(rows: exp.Select, alias: str, columns: list[tuple[str, str]]) -> exp.Select:
    items = [exp.alias_(exp.Var(this=text), ident(name)) for name, text in columns]
    return exp.select("*", *items).from_(rows.subquery(alias), copy=False)


def with_layers(rows: exp.Select, network: Network, activation: str) -> exp.Select:
    """Rows holding ``__x0..`` + every layer's columns, ending with the margins ``__m<k>``."""
    dims = ", ".join(f'"{dim_name(i)}"' for i in range(network.weights[0].shape[0]))
    rows = _select(rows, "__inputs", [("__v0", f"[{dims}]")])
    last = len(network.weights) - 1
    for layer, (matrix, bias) in enumerate(zip(network.weights, network.biases, strict=True)):
        units = [unit_sql(f"__v{layer}", matrix[:, j], bias[j]) for j in range(matrix.shape[1])]
        if layer == last:
            return _select(rows, f"__layer{layer}", [(f"__m{j}", u) for j, u in enumerate(units)])
        rows = _select(rows, f"__layer{layer}", [(f"__z{layer}", f"[{', '.join(units)}]")])
        act = f'list_transform("__z{layer}", lambda z: {ACTIVATIONS[activation]})'
        rows = _select(rows, f"__activation{layer}", [(f"__v{layer + 1}", act)])
    raise AssertionError("a network has an output layer")


def helper_columns(dims: int, network: Network, classifier: bool) -> list[str]:
    """The columns ``scores`` adds to its input's (``__x*`` included)."""
    layers = len(network.weights)
    names = [dim_name(i) for i in range(dims)] + [f"__v{layer}" for layer in range(layers)]
    names += [f"__z{layer}" for layer in range(layers - 1)]
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
