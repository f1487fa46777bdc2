"""What each model type declares it tunes (``ModelType.tuning``) agrees with its options and with the
types BigQuery ML tunes."""

from __future__ import annotations

import pytest

from warehouse.ml import types
from warehouse.ml.tunable import CLASSIFICATION, CLUSTERING, REGRESSION

#: BigQuery ML's tunable types among ours (``hp-tuning-overview``) and their default objective
TUNED = {
    "LINEAR_REG": "R2_SCORE",
    "LOGISTIC_REG": "ROC_AUC",
    "KMEANS": "DAVIES_BOULDIN_INDEX",
    "BOOSTED_TREE_CLASSIFIER": "ROC_AUC",
    "BOOSTED_TREE_REGRESSOR": "R2_SCORE",
    "RANDOM_FOREST_CLASSIFIER": "ROC_AUC",
    "RANDOM_FOREST_REGRESSOR": "R2_SCORE",
    "DNN_CLASSIFIER": "ROC_AUC",
    "DNN_REGRESSOR": "R2_SCORE",
}


def test_the_tunable_types_are_bigquerys_with_its_default_objectives() -> None:
    declared = {name: t.tuning.objectives[0] for name, t in types.MODEL_TYPES.items() if t.tuning is not None}
    assert {name: declared[name] for name in TUNED if name in declared} == TUNED
    assert "PCA" not in declared


@pytest.mark.parametrize("name", [n for n, t in types.MODEL_TYPES.items() if t.tuning is not None])
def test_a_tunable_option_is_an_option_of_its_type(name: str) -> None:
    model_type = types.MODEL_TYPES[name]
    assert model_type.tuning is not None
    assert set(model_type.tuning.hyperparameters) <= set(model_type.options)
    assert model_type.tuning.objectives in (REGRESSION, CLASSIFICATION, CLUSTERING)
    assert {"num_trials", "max_parallel_trials", "hparam_tuning_algorithm"} <= set(model_type.options)
    for tunable in model_type.tuning.hyperparameters.values():
        default = model_type.options[tunable.name].default
        assert default is None or tunable.admits(default), tunable.name  # the search may start at the default
