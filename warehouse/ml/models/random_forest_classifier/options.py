"""Options of RANDOM_FOREST_CLASSIFIER: the shared groups and the tree family's random forest options and class weights."""

from __future__ import annotations

from warehouse.ml.models.trees import options as trees
from warehouse.ml.options import COMMON, SUPERVISED
from warehouse.ml.tunable import CLASSIFICATION, Tuning

OPTIONS = {**COMMON, **SUPERVISED, **trees.TREE, **trees.FOREST, **trees.CLASS_WEIGHTS}
encoding = trees.encoding
TUNING = Tuning(CLASSIFICATION, trees.TUNABLE_FOREST)
