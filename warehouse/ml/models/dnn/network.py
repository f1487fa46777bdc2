"""The DNN types' network in Keras 3 on JAX's CPU build: built from BigQuery's options, trained one epoch
at a time, its weights handed back as numpy arrays (``sql.layers_table`` stores them).

The network is the one TensorFlow's DNN estimator builds for BigQuery ML: fully connected hidden layers
(``hidden_units``), each followed by ``activation_fn`` and, in training only, by ``dropout``; a linear
output layer of logits (one for a regressor or two classes, one per class otherwise); Glorot-uniform
kernels and zero biases. CRELU is ``tf.nn.crelu``: ``[relu(z), relu(-z)]``, twice the layer's width.
L1_REG / L2_REG: FTRL applies them itself (Keras' FTRL has TensorFlow's strengths); for ADAGRAD and SGD,
which Keras has in no proximal form, they are penalties on the kernels added to the loss. The loss
(squared error, sigmoid or softmax cross-entropy) is weighted by the row weights and averaged over the
batch (TensorFlow's ``SUM_OVER_BATCH_SIZE``).

Deterministic: the initial weights and the dropout masks come from seeded generators, and each epoch's
row order from the numpy generator the caller passes; no global random state is touched.

Compiling is most of what training a small network costs: every epoch runs one training program (the
last mini-batch is filled up to the batch size, ``whole_batches``) and the per-epoch losses one
prediction program (inputs padded to ``PREDICT_BATCH`` rows, training and eval rows alike), and XLA's
programs are kept on disk between processes (``compile_cache``, applied when this module is imported).
Keras' ``steps_per_execution`` would not help here: on JAX it loops over single jitted steps in Python.

Keras picks its backend when first imported, so ``KERAS_BACKEND`` is set here, before that import. This
module is reached only through ``dnn.fit`` (``models/dnn/__init__.py`` imports the trainer lazily):
a statement that trains no DNN never pays for importing Keras and JAX.
"""

from __future__ import annotations

import os

os.environ["KERAS_BACKEND"] = "jax"
os.environ.setdefault("JAX_PLATFORMS", "cpu")  # no probing for accelerators

from collections.abc import Callable, Sequence  # noqa: E402
from functools import partial  # noqa: E402
from typing import Any  # noqa: E402

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from jax.experimental.compilation_cache import compilation_cache  # noqa: E402
from keras import ops  # noqa: E402

from lakehouse.errors import MissingDependency  # noqa: E402
from warehouse.ml.models.dnn import compile_cache  # noqa: E402

compile_cache.attach(jax.config, compilation_cache.reset_cache)

SEED = 0
#: rows per call when the network only predicts (the per-epoch losses); inputs are padded to a whole
#: number of such batches, so XLA compiles the prediction once, not once per input length
PREDICT_BATCH = 4096


class CReLU(keras.layers.Layer):
    """TensorFlow's ``crelu``: ``relu(z)`` then ``relu(-z)`` concatenated along the last axis."""

    def call(self, z: Any) -> Any:
        return ops.concatenate([ops.relu(z), ops.relu(ops.negative(z))], axis=-1)

    def compute_output_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*shape[:-1], 2 * shape[-1])


#: ACTIVATION_FN -> a new layer applying it (SQL: ``sql.ACTIVATIONS``)
ACTIVATIONS: dict[str, Callable[[], keras.layers.Layer]] = {
    "RELU": partial(keras.layers.Activation, "relu"),
    "RELU6": partial(keras.layers.Activation, "relu6"),
    "CRELU": CReLU,
    "ELU": partial(keras.layers.Activation, "elu"),
    "SELU": partial(keras.layers.Activation, "selu"),
    "SIGMOID": partial(keras.layers.Activation, "sigmoid"),
    "TANH": partial(keras.layers.Activation, "tanh"),
}

#: OPTIMIZER -> the Keras optimizer for (learn_rate, l1_reg, l2_reg); SGD is plain (no momentum), as
#: TensorFlow's gradient descent
OPTIMIZERS: dict[str, Callable[[float, float, float], keras.optimizers.Optimizer]] = {
    "ADAGRAD": lambda rate, l1, l2: keras.optimizers.Adagrad(learning_rate=rate),
    "ADAM": lambda rate, l1, l2: keras.optimizers.Adam(learning_rate=rate),
    "FTRL": lambda rate, l1, l2: keras.optimizers.Ftrl(
        learning_rate=rate, l1_regularization_strength=l1, l2_regularization_strength=l2
    ),
    "RMSPROP": lambda rate, l1, l2: keras.optimizers.RMSprop(learning_rate=rate),
    "SGD": lambda rate, l1, l2: keras.optimizers.SGD(learning_rate=rate),
}

#: the optimizers that apply L1_REG / L2_REG themselves (for the others: penalties on the kernels)
SELF_REGULARIZED = frozenset({"FTRL"})


def _check_backend() -> None:
    if keras.backend.backend() != "jax":
        raise MissingDependency(
            f"Keras was imported with the {keras.backend.backend()!r} backend before DNN training set 'jax'",
            hint="import warehouse before keras, or set KERAS_BACKEND=jax",
        )


def build(
    inputs: int,
    units: Sequence[int],
    activation: str,
    outputs: int,
    *,
    dropout: float = 0.0,
    l1: float = 0.0,
    l2: float = 0.0,
) -> keras.Model:
    """The network (not compiled): ``inputs`` -> hidden ``units`` -> ``outputs`` logits; ``l1``/``l2``
    here are kernel penalties."""
    _check_backend()
    penalty = keras.regularizers.L1L2(l1=l1, l2=l2) if l1 or l2 else None
    first = keras.Input(shape=(inputs,))
    x = first
    for layer, width in enumerate([*units, outputs]):
        x = keras.layers.Dense(
            width,
            kernel_initializer=keras.initializers.GlorotUniform(seed=SEED + layer),
            kernel_regularizer=penalty,
        )(x)
        if layer < len(units):
            x = ACTIVATIONS[activation]()(x)
            if dropout:
                x = keras.layers.Dropout(dropout, seed=SEED + layer)(x)
    return keras.Model(first, x)


def _loss(classes: int) -> keras.losses.Loss:
    """Squared error (regressor), sigmoid cross-entropy (two classes), softmax cross-entropy (more)."""
    if not classes:
        return keras.losses.MeanSquaredError()
    if classes == 2:
        return keras.losses.BinaryCrossentropy(from_logits=True)
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def compiled(
    options: dict[str, Any] | Any, inputs: int, units: Sequence[int], outputs: int, classes: int
) -> keras.Model:
    """The network for BigQuery's DNN options, compiled with its optimizer and loss."""
    optimizer = options["optimizer"]
    l1, l2 = options["l1_reg"], options["l2_reg"]
    own = optimizer in SELF_REGULARIZED
    network = build(
        inputs,
        units,
        options["activation_fn"],
        outputs,
        dropout=options["dropout"],
        l1=0.0 if own else l1,
        l2=0.0 if own else l2,
    )
    network.compile(
        optimizer=OPTIMIZERS[optimizer](options["learn_rate"], l1, l2), loss=_loss(classes), jit_compile=True
    )
    return network


def train_epoch(
    network: keras.Model,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray],
    batch_size: int,
    rng: np.random.Generator,
) -> None:
    """One pass over the rows ``(x, y, w)`` in mini-batches, in an order drawn from ``rng``."""
    x, y, w = whole_batches(arrays, rng.permutation(len(arrays[1])), batch_size)
    network.fit(x, y, sample_weight=w, batch_size=batch_size, shuffle=False, verbose=0)


def whole_batches(
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray], order: np.ndarray, batch_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows in ``order``, the last mini-batch filled up to ``batch_size`` rows of weight 0.

    XLA compiles a program per input shape: a short last batch would cost a second training program.
    The loss is averaged over the batch's size (``SUM_OVER_BATCH_SIZE``), so the real rows of a filled
    batch of ``r`` real rows weigh ``batch_size / r`` times more: its loss and gradient are those of the
    ``r`` rows alone (Keras weighs masked batches the same way).
    """
    x, y, w = (a[order] for a in arrays)
    real = len(order) % batch_size
    if not real:
        return x, y, w
    fill = batch_size - real
    w[-real:] *= batch_size / real
    return (
        np.concatenate([x, np.zeros((fill, *x.shape[1:]), x.dtype)]),
        np.concatenate([y, np.zeros((fill, *y.shape[1:]), y.dtype)]),
        np.concatenate([w, np.zeros(fill, w.dtype)]),
    )


def logits(network: keras.Model, x: np.ndarray) -> np.ndarray:
    """The network's outputs (rows x outputs) in inference mode (no dropout), as float64."""
    rows = len(x)
    if not rows:
        return np.empty((0, network.output_shape[-1]))
    padded = np.zeros((-(-rows // PREDICT_BATCH) * PREDICT_BATCH, x.shape[1]), dtype=x.dtype)
    padded[:rows] = x
    out = network.predict(padded, batch_size=PREDICT_BATCH, verbose=0)
    return np.asarray(out[:rows], dtype=np.float64)


def weights(network: keras.Model) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each Dense layer's kernel (inputs x units) and bias, first hidden layer first."""
    dense = [layer for layer in network.layers if isinstance(layer, keras.layers.Dense)]
    kernels = [np.asarray(layer.kernel.numpy(), dtype=np.float64) for layer in dense]
    biases = [np.asarray(layer.bias.numpy(), dtype=np.float64) for layer in dense]
    return kernels, biases
