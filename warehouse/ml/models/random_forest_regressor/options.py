"""Options of RANDOM_FOREST_REGRESSOR: the shared groups and the tree family's random forest options."""

from __future__ import annotations

from warehouse.ml.models.trees import options as trees
from warehouse.ml.options import COMMON, SUPERVISED
from warehouse.ml.tunable import REGRESSION, Tuning

OPTIONS = {**COMMON, **SUPERVISED, **trees.TREE, **trees.FOREST}
encoding = trees.encoding
TUNING = Tuning(REGRESSION, trees.TUNABLE_FOREST)
