"""The ML functions of BOOSTED_TREE_CLASSIFIER models: PREDICT, EVALUATE, CONFUSION_MATRIX, ROC_CURVE, FEATURE_IMPORTANCE,
EXPLAIN_PREDICT, GLOBAL_EXPLAIN
(``models/trees/functions``)."""

from __future__ import annotations

from warehouse.ml.model import Function
from warehouse.ml.models.trees import functions as trees

FUNCTIONS: dict[str, Function] = dict(trees.CLASSIFIER)
