"""BOOSTED_TREE_REGRESSOR training: xgboost on the encoded rows (``models/trees/train``)."""

from __future__ import annotations

from warehouse.ml.model import Stages, TrainingData
from warehouse.ml.models.trees import train as trees
from warehouse.ml.registry import Model


def train(model: Model, data: TrainingData) -> None:
    trees.train(model, data, classifier=False)


STAGES: Stages = trees.stages(classifier=False)
