"""Options of the DNN model types as BigQuery ML documents them, what scikit-learn's MLP can do of them,
and the DNN preprocessing (standardized numerics, one-hot categoricals: BigQuery's automatic preprocessing).

``DNN`` holds what DNN_CLASSIFIER and DNN_REGRESSOR share (with ``options.ITERATIVE`` less ``warm_start``);
the classifier adds ``CLASS_WEIGHTS``. BigQuery trains with TensorFlow; here scikit-learn's
``MLPClassifier``/``MLPRegressor`` train, and a value BigQuery accepts that the MLP has no equivalent for
(an activation, an optimizer, dropout, L1) is refused by ``check`` with one clear line, never ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehouse.errors import UsageError
from warehouse.ml.options import ITERATIVE, OptionSpec, group
from warehouse.ml.preprocessing.automatic import Encoding
from warehouse.ml.tunable import INF, arrays, choice, integer, real, tunables

#: ACTIVATION_FN -> scikit-learn's activation (None: BigQuery has it, scikit-learn's MLP does not)
ACTIVATIONS: dict[str, str | None] = {
    "RELU": "relu",
    "SIGMOID": "logistic",
    "TANH": "tanh",
    "RELU6": None,
    "CRELU": None,
    "ELU": None,
    "SELU": None,
}

#: OPTIMIZER -> scikit-learn's solver (None: not in scikit-learn's MLP)
OPTIMIZERS: dict[str, str | None] = {
    "ADAM": "adam",
    "SGD": "sgd",
    "ADAGRAD": None,
    "FTRL": None,
    "RMSPROP": None,
}

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
    OptionSpec("activation_fn", str, "RELU", tuple(ACTIVATIONS)),
    OptionSpec("optimizer", str, "ADAM", tuple(OPTIMIZERS)),
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
#: BigQuery's default search space also holds DROPOUT [0, 0.8] and L1_REG / L2_REG (0, 10] LOG: they are
#: left out of it here (default range None: tuned only when the statement gives them) while the trainer,
#: scikit-learn's MLP, has no dropout or L1 and takes L2 with SGD only — ``check`` would make every
#: default trial INFEASIBLE. Candidates the MLP lacks (an optimizer, an activation) are INFEASIBLE trials.
TUNABLE = tunables(
    integer("batch_size", 1, MAX_BATCH_SIZE, (16, 1024), log=True),
    real("dropout", 0, 1, "[)", None),
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


def _unavailable(name: str, value: str, table: Mapping[str, str | None]) -> UsageError:
    usable = [k for k, v in table.items() if v is not None]
    return UsageError(
        f"{name} = '{value}' is not available: scikit-learn's MLP, which trains DNN models here, "
        f"has {', '.join(usable)}",
        hint=f"use {name} = " + " or ".join(f"'{k}'" for k in usable),
    )


def check(options: Mapping[str, Any]) -> None:
    """What BigQuery accepts that the MLP cannot do, and the rules between options (one error each)."""
    for name, table in (("activation_fn", ACTIVATIONS), ("optimizer", OPTIMIZERS)):
        if table[options[name]] is None:
            raise _unavailable(name, options[name], table)
    if options["dropout"]:
        raise UsageError(
            f"dropout = {options['dropout']} is not available: scikit-learn's MLP has no dropout",
            hint="drop the option (dropout = 0); l2_reg regularizes instead",
        )
    if options["l1_reg"]:
        raise UsageError(
            f"l1_reg = {options['l1_reg']} is not available: scikit-learn's MLP has an L2 penalty only",
            hint="use l2_reg",
        )
    if options["l2_reg"] and options["optimizer"] != "SGD":
        raise UsageError(
            f"l2_reg applies to optimizer 'SGD' only here (BigQuery: ADAGRAD, FTRL or SGD), "
            f"not {options['optimizer']!r}",
            hint="set optimizer = 'SGD' or drop l2_reg",
        )
    if options.get("auto_class_weights") and options.get("class_weights"):
        raise UsageError(
            "auto_class_weights and class_weights cannot both be set", hint="keep one of the two options"
        )
