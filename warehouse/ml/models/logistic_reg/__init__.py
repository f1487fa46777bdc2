"""LOGISTIC_REG: binary or multiclass logistic regression of the GLM family (``models/glm``).

Parts: ``options`` (the shared groups, the GLM family's, class weights), ``train`` (classes, class
weights, the family's optimizers), ``sql`` (typed class labels, the predicted class, the ROC curve),
``functions`` (ML.PREDICT, EVALUATE, ROC_CURVE, CONFUSION_MATRIX, WEIGHTS).
"""

from __future__ import annotations

from warehouse.ml.model import ModelType
from warehouse.ml.models.logistic_reg import functions, options, train
from warehouse.ml.supervised import ROLES

MODEL_TYPE = ModelType(
    name="LOGISTIC_REG",
    options=options.OPTIONS,
    roles=ROLES,
    encoding=options.encoding,
    train=train.train,
    functions=functions.FUNCTIONS,
    warm_start=train.warm_start,
    tuning=options.TUNING,
)
