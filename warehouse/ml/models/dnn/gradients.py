"""The network of a DNN model in numpy, read from its state table ``layers`` (whatever library trained it):
its margins and their gradient with respect to the encoded dimensions, and Integrated Gradients.

Integrated Gradients (Sundararajan et al. 2017, the method BigQuery ML uses for DNN models) attributes
``F(x) - F(x')`` to the dimensions as ``(x - x') * integral over a in [0, 1] of dF/dx(x' + a (x - x'))``.
The integral is approximated by Gauss-Legendre quadrature with ``steps`` nodes (as Vertex Explainable AI
does: more accurate than a Riemann sum of the same number of steps). ``F`` is one margin per row, chosen by
``selector`` (rows x outputs weights on the output margins: a one-hot of the explained output).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np

from warehouse.ml.models.dnn.sql import SELU_ALPHA, SELU_SCALE
from warehouse.ml.registry import Model, read_state

Array = np.ndarray


def _sigmoid(z: Array) -> Array:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * z)))  # = 1 / (1 + exp(-z)), without overflow


def _elementwise(f: Callable[[Array], Array], df: Callable[[Array], Array]) -> tuple[Forward, Backward]:
    return f, lambda z, g: g * df(z)


def _crelu_backward(z: Array, g: Array) -> Array:
    """CRELU's outputs are ``[relu(z), relu(-z)]``: the gradient of each half flows back to ``z``."""
    n = z.shape[1]
    return np.asarray(g[:, :n] * (z > 0) - g[:, n:] * (z < 0))


def _elu(z: Array) -> Array:
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))


Forward = Callable[[Array], Array]
Backward = Callable[[Array, Array], Array]  # (weighted sums z, gradient w.r.t. the outputs) -> w.r.t. z

#: ACTIVATION_FN -> (the activation, its backward pass), as ``sql.ACTIVATIONS`` computes it in SQL
ACTIVATIONS: dict[str, tuple[Forward, Backward]] = {
    "RELU": _elementwise(lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "RELU6": _elementwise(lambda z: np.clip(z, 0.0, 6.0), lambda z: ((z > 0) & (z < 6)).astype(float)),
    "CRELU": (lambda z: np.concatenate([np.maximum(z, 0.0), np.maximum(-z, 0.0)], axis=1), _crelu_backward),
    "ELU": _elementwise(_elu, lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))),
    "SELU": _elementwise(
        lambda z: SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.expm1(np.minimum(z, 0.0))),
        lambda z: SELU_SCALE * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0.0))),
    ),
    "SIGMOID": _elementwise(_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "TANH": _elementwise(np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
}


@dataclass(frozen=True)
class Network:
    """Weights (inputs x units) and biases of each layer, the last one the output layer."""

    weights: list[Array]
    biases: list[Array]
    activation: str

    def _layers(self, x: Array) -> tuple[list[Array], Array]:
        """The hidden layers' pre-activations and the output margins (rows x outputs)."""
        act = ACTIVATIONS[self.activation][0]
        pre: list[Array] = []
        h = x
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            pre.append(h @ w + b)
            h = act(pre[-1])
        return pre, h @ self.weights[-1] + self.biases[-1]

    def margins(self, x: Array) -> Array:
        return self._layers(x)[1]

    def gradient(self, x: Array, selector: Array) -> Array:
        """d(sum_o selector[:, o] * margin_o)/dx per row (rows x dims), by backpropagation."""
        backward = ACTIVATIONS[self.activation][1]
        pre, _ = self._layers(x)
        g = selector @ self.weights[-1].T
        for layer in range(len(pre) - 1, -1, -1):
            g = backward(pre[layer], g) @ self.weights[layer].T
        return np.asarray(g)


def load(con: duckdb.DuckDBPyConnection, model: Model) -> Network:
    """The network stored in the model's ``layers`` table."""
    rows = read_state(con, model, "layers", "layer, unit")
    count = int(rows[-1][0]) + 1 if rows else 0
    weights, biases = [], []
    for layer in range(count):
        units = [r for r in rows if r[0] == layer]
        weights.append(np.array([r[3] for r in units], dtype=np.float64).T)
        biases.append(np.array([r[2] for r in units], dtype=np.float64))
    return Network(weights, biases, str(model.state["activation"]))


def integrated_gradients(net: Network, x: Array, baseline: Array, selector: Array, steps: int) -> Array:
    """(rows, dims): each dimension's share of ``F(x) - F(baseline)``, ``F`` the margins weighted by
    ``selector``."""
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas, weights = (nodes + 1.0) / 2.0, weights / 2.0  # from [-1, 1] to [0, 1]
    delta = x - baseline
    total = np.zeros_like(x)
    for alpha, weight in zip(alphas, weights, strict=True):
        total += weight * net.gradient(baseline + alpha * delta, selector)
    return np.asarray(delta * total)
