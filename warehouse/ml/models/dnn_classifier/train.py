"""DNN_CLASSIFIER training: Keras on the encoded rows (``models/dnn/train``, imported on first use), then the
global explanation when asked for (``models/dnn/explain``)."""

from __future__ import annotations

from warehouse.ml.model import TrainingData
from warehouse.ml.models import dnn
from warehouse.ml.models.dnn import explain
from warehouse.ml.registry import Model


def train(model: Model, data: TrainingData) -> None:
    dnn.fit(model, data, classifier=True)
    explain.record_global(model, data)  # with enable_global_explain, from the stored weights
