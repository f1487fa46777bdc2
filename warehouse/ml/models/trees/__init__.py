"""The tree family: the parts BOOSTED_TREE_* and RANDOM_FOREST_* share (a family, not a model type).

``options`` (BigQuery's tree options and defaults, the tree preprocessing), ``train`` (xgboost on the
encoded rows streamed from DuckDB as Arrow; the trees become a node table), ``sql`` (the node table
compiled to DuckDB SQL: one nested CASE per tree, float32 comparisons, missing-value directions),
``functions`` (ML.PREDICT, EVALUATE, CONFUSION_MATRIX, ROC_CURVE, FEATURE_IMPORTANCE), ``explain``
(ML.EXPLAIN_PREDICT by TreeSHAP, the global explanation training stores for ML.GLOBAL_EXPLAIN).
"""
