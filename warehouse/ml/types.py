"""The table of model types: ``OPTIONS(model_type = ...)`` -> the type's parts, and the ML functions of each.

``MODEL_TYPES`` holds one row per model type (its ``MODEL_TYPE``, built in ``models/<type>/__init__.py``);
``FUNCTIONS`` is the resulting function table as data: for each type, every ``ML.<NAME>`` it answers —
the generic ones of ``warehouse.ml.functions`` plus its own. This is the only module that names the
model types; the engine looks everything up here.
"""

from __future__ import annotations

from collections.abc import Mapping

from lakehouse.errors import NotFoundError, UsageError
from warehouse.ml import functions
from warehouse.ml.model import Function, ModelType
from warehouse.ml.models import (
    boosted_tree_classifier,
    boosted_tree_regressor,
    dnn_classifier,
    dnn_regressor,
    kmeans,
    linear_reg,
    logistic_reg,
    pca,
    random_forest_classifier,
    random_forest_regressor,
)
from warehouse.ml.options import OptionSpec

#: model_type -> its parts (the order is the order error messages list them in)
MODEL_TYPES: dict[str, ModelType] = {
    "KMEANS": kmeans.MODEL_TYPE,
    "LINEAR_REG": linear_reg.MODEL_TYPE,
    "LOGISTIC_REG": logistic_reg.MODEL_TYPE,
    "BOOSTED_TREE_CLASSIFIER": boosted_tree_classifier.MODEL_TYPE,
    "BOOSTED_TREE_REGRESSOR": boosted_tree_regressor.MODEL_TYPE,
    "RANDOM_FOREST_CLASSIFIER": random_forest_classifier.MODEL_TYPE,
    "RANDOM_FOREST_REGRESSOR": random_forest_regressor.MODEL_TYPE,
    "PCA": pca.MODEL_TYPE,
    "DNN_CLASSIFIER": dnn_classifier.MODEL_TYPE,
    "DNN_REGRESSOR": dnn_regressor.MODEL_TYPE,
}

#: model_type -> ML.<NAME> -> function: the generic functions, then the type's own (which may replace one)
FUNCTIONS: dict[str, dict[str, Function]] = {
    name: {**functions.FUNCTIONS, **model_type.functions} for name, model_type in MODEL_TYPES.items()
}

#: model_type -> option name -> spec, for ``options.parse_options``
OPTIONS: dict[str, Mapping[str, OptionSpec]] = {name: t.options for name, t in MODEL_TYPES.items()}


def get(name: str) -> ModelType:
    """The model type a stored model names (its row in ``ml._models``)."""
    if name not in MODEL_TYPES:
        raise NotFoundError(
            f"model type {name!r} is not known to this version",
            hint=f"model types: {', '.join(MODEL_TYPES)}; train the model again",
        )
    return MODEL_TYPES[name]


def function(model_type: str, name: str, model: str) -> Function:
    """``ML.<name>`` for a model of ``model_type`` (``model`` names it in the error)."""
    table = FUNCTIONS[get(model_type).name]
    if name not in table:
        raise UsageError(
            f"ML.{name} is not available for {model_type} model {model}",
            hint=f"functions for {model_type}: {', '.join('ML.' + f for f in sorted(table))}",
        )
    return table[name]
