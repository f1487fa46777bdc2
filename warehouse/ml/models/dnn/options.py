"""Options of the DNN model types as BigQuery ML documents them, and the DNN preprocessing (standardized
numerics, one-hot categoricals: BigQuery's automatic preprocessing).

``DNN`` holds what DNN_CLASSIFIER and DNN_REGRESSOR share (with ``options.ITERATIVE`` less ``warm_start``);
the classifier adds ``CLASS_WEIGHTS``. BigQuery trains with TensorFlow; here Keras 3 on JAX trains
(``network``), with every activation, optimizer, dropout and L1/L2 BigQuery offers. ``check`` holds the
rules between options, each broken one a single clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehouse.errors import UsageError
from warehouse.ml.options import ITERATIVE, OptionSpec, group
from warehouse.ml.preprocessing.automatic import Encoding
from warehouse.ml.tunable import INF, arrays, choice, integer, real, tunables

#: ACTIVATION_FN values (how each is computed: ``network.ACTIVATIONS`` in Keras, ``sql.ACTIVATIONS`` in SQL)
ACTIVATIONS = ("RELU", "RELU6", "CRELU", "ELU", "SELU", "SIGMOID", "TANH")

#: OPTIMIZER values (``network.OPTIMIZERS``: the Keras optimizer of each)
OPTIMIZERS = ("ADAGRAD", "ADAM", "FTRL", "RMSPROP", "SGD")

#: the optimizers L1_REG / L2_REG apply to (BigQuery: TensorFlow's proximal Adagrad, FTRL and proximal SGD)
REGULARIZED = ("ADAGRAD", "FTRL", "SGD")

#: largest mini-batch BigQuery takes
MAX_BATCH_SIZE = 8192

#: what both DNN types take: BigQuery's defaults (batch_size and hidden_units depend on the data: None)
DNN = group(
    OptionSpec(
        "hidden_units",
        tuple,
        None,
        check=lambda v: all(u >= 1 for u in v),
        valid="an array of layer widths >= 1, e.g. [128, 64]",
    ),
    OptionSpec("activation_fn", str, "RELU", ACTIVATIONS),
    OptionSpec("optimizer", str, "ADAM", OPTIMIZERS),
    OptionSpec("learn_rate", float, 0.001, check=lambda v: 0 < v <= 1, valid="0 < value <= 1"),
    OptionSpec(
        "batch_size",
        int,
        None,
        check=lambda v: 1 <= v <= MAX_BATCH_SIZE,
        valid=f"an integer 1..{MAX_BATCH_SIZE}",
    ),
    OptionSpec("dropout", float, 0.0, check=lambda v: 0 <= v < 1, valid="0 <= value < 1"),
    OptionSpec("l1_reg", float, 0.0, check=lambda v: v >= 0, valid="a number >= 0"),
    OptionSpec("l2_reg", float, 0.0, check=lambda v: v >= 0, valid="a number >= 0"),
    OptionSpec("integrated_gradients_num_steps", int, 15, check=lambda v: v >= 1, valid="an integer >= 1"),
    OptionSpec("tf_version", str, "1.15", ("1.15", "2.8.0")),
    OptionSpec("enable_global_explain", bool, False),
    *[spec for name, spec in ITERATIVE.items() if name != "warm_start"],
)

#: classifiers only
CLASS_WEIGHTS = group(
    OptionSpec("auto_class_weights", bool, False),
    OptionSpec("class_weights", dict, None),
)


#: what hyperparameter tuning searches in a DNN (``hp-tuning-overview``: valid range, default range, scale).
#: BigQuery's default search space also holds L1_REG / L2_REG (0, 10] LOG: they are left out of it here
#: (default range None: tuned only when the statement gives them) because they apply to ADAGRAD, FTRL
#: and SGD only (``check``) and the default optimizer is ADAM, so every default trial would be INFEASIBLE.
TUNABLE = tunables(
    integer("batch_size", 1, MAX_BATCH_SIZE, (16, 1024), log=True),
    real("dropout", 0, 1, "[)", (0, 0.8)),
    arrays("hidden_units", 1),
    real("learn_rate", 0, 1, "[]", (0, 1)),
    choice("optimizer", *OPTIMIZERS),
    real("l1_reg", 0, INF, "()", None, log=True),
    real("l2_reg", 0, INF, "()", None, log=True),
    choice("activation_fn", *ACTIVATIONS),
)


def encoding(options: Mapping[str, Any]) -> Encoding:
    """DNN: numeric features mean-imputed and standardized, categoricals one-hot (NULL its own category)."""
    return Encoding(standardize=True)


def check(options: Mapping[str, Any]) -> None:
    """The rules between options BigQuery documents (one error each)."""
    for name in ("l1_reg", "l2_reg"):
        if options[name] and options["optimizer"] not in REGULARIZED:
            raise UsageError(
                f"{name} applies to optimizer {', '.join(map(repr, REGULARIZED))} only (BigQuery's rule), "
                f"not {options['optimizer']!r}",
                hint=f"set optimizer = 'ADAGRAD', 'FTRL' or 'SGD', or drop {name}",
            )
    if options.get("auto_class_weights") and options.get("class_weights"):
        raise UsageError(
            "auto_class_weights and class_weights cannot both be set", hint="keep one of the two options"
        )
