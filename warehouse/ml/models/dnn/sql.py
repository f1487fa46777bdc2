"""The network as DuckDB SQL: the weights (state table ``layers``, ``LAYERS``) applied layer by layer to
the encoded dimensions ``__x0..``, one SELECT per layer.

A layer's input is one list column ``__v<l>`` (``__v0``: the encoded dimensions). Layer ``l`` joins its
weights, read from the state table at query time as one row (``__w<l>``: a list per unit of its input
weights; ``__b<l>``: the biases), and adds ``__z<l>``, the list of ``list_dot_product(__v<l>, weights)
+ bias`` per unit; a hidden layer then adds ``__v<l+1>``, its activation (``ACTIVATIONS``: element-wise
with ``list_transform``; CRELU concatenates relu(z) and relu(-z), so the next layer has twice the
inputs), and the output layer the margins ``__m<k>`` and, for classifiers, ``__p<k>`` (sigmoid for two
classes: P(the higher label); softmax otherwise), as Keras computes them (``network``).

Why not the weights inlined as constants: the SQL text then grows with width x inputs, and DuckDB spends
its time planning it (measured, 2,000 rows: a 128 x 128 layer as scalar sums of products planned in
3.5 s and ran in 1.8 s; as dot products over inlined constant lists 0.12 s in all; a 512 x 512 layer
inlined 6.2 s, joined from a table 2.5 s, and the Python that formatted the constants took 2 s more).
Joined, a query's text and expression depth are the same whatever the width, far below DuckDB's
``max_expression_depth``.

Why not one scalar column per unit (``h1_1..h1_n`` as SELECT expressions of the previous layer's
columns): measured again for issue 15 (DuckDB 1.5.5, 10,000 rows x 20 inputs, 2 shared cores, seconds
to bind + run), this form won every time. 128 x 2 layers: this form 0.1 + 4.0; scalar sums of
products with the weights inlined 23 + 52; one ``array_inner_product`` per unit on DOUBLE[n] arrays,
weights cross-joined as one column per unit 0.5 + 15, inlined 3.5 + 6.1; one ``list_dot_product`` per
unit, joined 0.9 + 28, inlined 4.0 + 8.9. 512 x 1: this form 0.03 + 4.1; with FLOAT lists 0.08 + 4.8
(and float32 sums). Binding grows with the SQL text (inlined weights: ~430,000 characters at 128 x 2),
and per-unit expressions copy the weights or the inputs once per unit per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
from sqlglot import exp

from warehouse.ml.models.trees.sql import with_probabilities
from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import ident

#: the weights (state table ``layers``): one row per unit of each layer
LAYERS = pa.schema(
    [
        ("layer", pa.int32()),  # 0 = first hidden layer; the last one is the output layer
        ("unit", pa.int32()),
        ("bias", pa.float64()),
        ("weights", pa.list_(pa.float64())),  # one per input: the previous layer's units (layer 0: __x<i>)
    ]
)

#: SELU's constants (Keras' and TensorFlow's)
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _elementwise(z: str) -> str:
    return f'list_transform("{{v}}", lambda z: {z})'


#: ACTIVATION_FN -> the SQL of a hidden layer's outputs from the list column ``{v}`` of its weighted sums
#: (text: generated column names and fixed SQL only; Keras' definitions, ``network.ACTIVATIONS``)
ACTIVATIONS: dict[str, str] = {
    "RELU": _elementwise("greatest(z, 0.0)"),
    "RELU6": _elementwise("least(greatest(z, 0.0), 6.0)"),
    "CRELU": f"list_concat({_elementwise('greatest(z, 0.0)')}, {_elementwise('greatest(-z, 0.0)')})",
    "ELU": _elementwise("CASE WHEN z > 0 THEN z ELSE exp(z) - 1 END"),
    "SELU": _elementwise(f"{SELU_SCALE!r} * CASE WHEN z > 0 THEN z ELSE {SELU_ALPHA!r} * (exp(z) - 1) END"),
    # without overflow: exp() of a non-positive number only
    "SIGMOID": _elementwise("CASE WHEN z >= 0 THEN 1 / (1 + exp(-z)) ELSE exp(z) / (1 + exp(z)) END"),
    "TANH": _elementwise("tanh(z)"),
}


def layers_table(coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray]) -> pa.Table:
    """A fitted network's kernels (inputs x units per layer) and biases as ``LAYERS`` rows."""
    columns: dict[str, list[Any]] = {name: [] for name in LAYERS.names}
    for layer, (matrix, bias) in enumerate(zip(coefs, intercepts, strict=True)):
        units = matrix.shape[1]
        columns["layer"] += [layer] * units
        columns["unit"] += list(range(units))
        columns["bias"] += np.asarray(bias, dtype=float).tolist()
        columns["weights"] += np.asarray(matrix, dtype=float).T.tolist()
    return pa.Table.from_pydict(columns, schema=LAYERS)


def _weights(model: Model, layer: int) -> exp.Subquery:
    """One row: the layer's weights (a list per unit) ``__w<l>`` and biases ``__b<l>``, in unit order."""
    query = (
        exp.select(
            exp.alias_(exp.Var(this="list(weights ORDER BY unit)"), ident(f"__w{layer}")),
            exp.alias_(exp.Var(this="list(bias ORDER BY unit)"), ident(f"__b{layer}")),
        )
        .from_(model.state_table("layers"))
        .where(exp.EQ(this=exp.column("layer"), expression=exp.Literal.number(layer)))
    )
    return query.subquery(f"__weights{layer}")


def _select(rows: exp.Select, alias: str, columns: list[tuple[str, str]]) -> exp.Select:
    """Rows + columns given as generated text (generated column names and fixed SQL only, no user text)."""
    items = [exp.alias_(exp.Var(this=text), ident(name)) for name, text in columns]
    return exp.select("*", *items).from_(rows.subquery(alias), copy=False)


def layer_count(model: Model) -> int:
    return len(model.state["hidden_units"]) + 1


def with_layers(rows: exp.Select, model: Model) -> exp.Select:
    """Rows holding ``__x0..`` + every layer's columns, ending with the margins ``__m<k>``."""
    dims = ", ".join(f'"{dim_name(i)}"' for i in range(len(model.dims)))
    rows = _select(rows, "__inputs", [("__v0", f"[{dims}]")])
    activation = ACTIVATIONS[str(model.state["activation"])]
    last = layer_count(model) - 1
    for layer in range(last + 1):
        unit = f'list_dot_product("__v{layer}", w) + "__b{layer}"[i]'
        z = exp.alias_(
            exp.Var(this=f'list_transform("__w{layer}", lambda w, i: {unit})'), ident(f"__z{layer}")
        )
        rows = (
            exp.select("*", z)
            .from_(rows.subquery(f"__layer{layer}"), copy=False)
            .join(_weights(model, layer), join_type="CROSS", copy=False)
        )
        if layer < last:
            act = activation.format(v=f"__z{layer}")
            rows = _select(rows, f"__activation{layer}", [(f"__v{layer + 1}", act)])
    outputs = int(model.state["outputs"])
    return _select(rows, "__output", [(f"__m{k}", f'"__z{last}"[{k + 1}]') for k in range(outputs)])


def helper_columns(model: Model) -> list[str]:
    """The columns ``scores`` adds to its input's (``__x*`` included)."""
    layers = range(layer_count(model))
    names = [dim_name(i) for i in range(len(model.dims))]
    names += [f"__{kind}{layer}" for kind in ("v", "z", "w", "b") for layer in layers]
    outputs = int(model.state["outputs"])
    names += [f"__m{k}" for k in range(outputs)]
    if model.state.get("classes"):
        names += [f"__p{k}" for k in range(outputs)]
        if outputs > 1:
            names += [f"__e{k}" for k in range(outputs)]
    return names


def scores(model: Model, relation: exp.Expr) -> exp.Select:
    """Rows of ``relation`` (holding the encoded ``__x0..``) + the layers, ``__m*`` and for classifiers
    ``__p*``."""
    rows = with_layers(exp.select("*").from_(relation), model)
    outputs = int(model.state["outputs"])
    return with_probabilities(rows, outputs) if model.state.get("classes") else rows
