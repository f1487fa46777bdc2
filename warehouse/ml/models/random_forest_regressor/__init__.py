"""RANDOM_FOREST_REGRESSOR: a random forest (xgboost: one round of num_parallel_tree trees, row and column sampling) predicting a number.

Parts: ``options`` (the tree family's groups), ``train`` (xgboost via ``models/trees``), ``sql`` (how the
trees' margins become the prediction), ``functions`` (the tree family's regressor functions).
"""

from __future__ import annotations

from warehouse.ml.model import ModelType
from warehouse.ml.models.random_forest_regressor import functions, options, train
from warehouse.ml.supervised import ROLES, writes_rows

MODEL_TYPE = ModelType(
    name="RANDOM_FOREST_REGRESSOR",
    options=options.OPTIONS,
    roles=ROLES,
    encoding=options.encoding,
    train=train.train,
    functions=functions.FUNCTIONS,
    tuning=options.TUNING,
    stages=train.STAGES,
    materialize=writes_rows,  # the trainer reads the rows once: a view unless the split is SEQ
)
