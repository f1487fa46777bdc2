"""DNN_REGRESSOR training: scikit-learn's MLP on the encoded rows (``models/dnn/train``)."""

from __future__ import annotations

from warehouse.ml.model import TrainingData
from warehouse.ml.models.dnn import train as dnn
from warehouse.ml.registry import Model


def train(model: Model, data: TrainingData) -> None:
    dnn.train(model, data, classifier=False)
