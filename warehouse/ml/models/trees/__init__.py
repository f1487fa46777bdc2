"""The tree family: the parts BOOSTED_TREE_* and RANDOM_FOREST_* share (a family, not a model type).

``options`` (BigQuery's tree options and defaults, the tree preprocessing), ``train`` (xgboost on the
encoded rows streamed from DuckDB as Arrow; the trees become a node table), ``sql`` (the node table
compiled to DuckDB SQL: one nested CASE per tree, float32 comparisons, missing-value directions),
``functions`` (ML.PREDICT, EVALUATE, CONFUSION_MATRIX, ROC_CURVE, FEATURE_IMPORTANCE), ``explain``
(ML.EXPLAIN_PREDICT by TreeSHAP, the global explanation training stores for ML.GLOBAL_EXPLAIN),
``booster`` (the only module that imports xgboost: fit, describe, load, contributions).

``booster``'s functions are imported on first use (``lakehouse.lazy``): xgboost (with scikit-learn) takes a
second or more to import, which a statement that trains or explains no tree model never needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse import lazy

if TYPE_CHECKING:
    from warehouse.ml.models.trees.booster import contributions as contributions
    from warehouse.ml.models.trees.booster import describe as describe
    from warehouse.ml.models.trees.booster import fit_booster as fit_booster
    from warehouse.ml.models.trees.booster import load_booster as load_booster

BOOSTER = "warehouse.ml.models.trees.booster"
__getattr__ = lazy.exports(
    __name__, {name: BOOSTER for name in ("contributions", "describe", "fit_booster", "load_booster")}
)
