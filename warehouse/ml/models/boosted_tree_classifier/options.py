"""Options of BOOSTED_TREE_CLASSIFIER: the shared groups and the tree family's boosted tree options and class weights."""

from __future__ import annotations

from warehouse.ml.models.trees import options as trees
from warehouse.ml.options import COMMON, SUPERVISED
from warehouse.ml.tunable import CLASSIFICATION, Tuning

OPTIONS = {**COMMON, **SUPERVISED, **trees.TREE, **trees.BOOSTED, **trees.CLASS_WEIGHTS}
encoding = trees.encoding
TUNING = Tuning(CLASSIFICATION, trees.TUNABLE_BOOSTED)
