"""The ML functions of RANDOM_FOREST_REGRESSOR models: PREDICT, EVALUATE, FEATURE_IMPORTANCE,
EXPLAIN_PREDICT, GLOBAL_EXPLAIN
(``models/trees/functions``)."""

from __future__ import annotations

from warehouse.ml.model import Function
from warehouse.ml.models.trees import functions as trees

FUNCTIONS: dict[str, Function] = dict(trees.REGRESSOR)
