"""LINEAR_REG: linear regression of the GLM family (``models/glm``), trained on SQL aggregates.

Parts: ``options`` (the shared groups and the GLM family's), ``train`` (least squares with L1/L2 by the
family's optimizers), ``sql`` (the prediction is the score ``__z0``), ``functions`` (ML.PREDICT,
EVALUATE, WEIGHTS).
"""

from __future__ import annotations

from warehouse.ml.model import ModelType
from warehouse.ml.models.linear_reg import functions, options, train
from warehouse.ml.supervised import ROLES

MODEL_TYPE = ModelType(
    name="LINEAR_REG",
    options=options.OPTIONS,
    roles=ROLES,
    encoding=options.encoding,
    train=train.train,
    functions=functions.FUNCTIONS,
    warm_start=train.warm_start,
    tuning=options.TUNING,
)
