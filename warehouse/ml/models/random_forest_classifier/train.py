"""RANDOM_FOREST_CLASSIFIER training: xgboost on the encoded rows (``models/trees/train``), classes in label order."""

from __future__ import annotations

from warehouse.ml.model import Stages, TrainingData
from warehouse.ml.models.trees import train as trees
from warehouse.ml.registry import Model


def train(model: Model, data: TrainingData) -> None:
    trees.train(model, data, classifier=True)


STAGES: Stages = trees.stages(classifier=True)
