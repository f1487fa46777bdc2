"""DNN_CLASSIFIER training: Keras on the encoded rows (``models/dnn/train``, imported on first use)."""

from __future__ import annotations

from warehouse.ml.model import TrainingData
from warehouse.ml.models import dnn
from warehouse.ml.registry import Model


def train(model: Model, data: TrainingData) -> None:
    dnn.fit(model, data, classifier=True)
