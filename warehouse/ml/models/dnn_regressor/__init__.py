"""DNN_REGRESSOR: a multilayer perceptron (Keras on JAX) predicting a number (squared error).

Parts: ``options`` (the DNN family's), ``train`` (Keras via ``models/dnn``), ``sql`` (how the
network's margins become the prediction), ``functions`` (the DNN family's regressor functions).
"""

from __future__ import annotations

from warehouse.ml.model import ModelType
from warehouse.ml.models.dnn_regressor import functions, options, train
from warehouse.ml.supervised import ROLES

MODEL_TYPE = ModelType(
    name="DNN_REGRESSOR",
    options=options.OPTIONS,
    roles=ROLES,
    encoding=options.encoding,
    train=train.train,
    functions=functions.FUNCTIONS,
    tuning=options.TUNING,
)
