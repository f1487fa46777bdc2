"""DNN_CLASSIFIER: a multilayer perceptron (Keras on JAX) predicting a class: binary (sigmoid output; the higher label is positive) or multiclass (softmax, <= 1000 labels).

Parts: ``options`` (the DNN family's), ``train`` (Keras via ``models/dnn``), ``sql`` (how the
network's margins become the prediction), ``functions`` (the DNN family's classifier functions).
"""

from __future__ import annotations

from warehouse.ml.model import ModelType
from warehouse.ml.models.dnn_classifier import functions, options, train
from warehouse.ml.supervised import ROLES

MODEL_TYPE = ModelType(
    name="DNN_CLASSIFIER",
    options=options.OPTIONS,
    roles=ROLES,
    encoding=options.encoding,
    train=train.train,
    functions=functions.FUNCTIONS,
    tuning=options.TUNING,
)
