"""The DNN family: the parts DNN_CLASSIFIER and DNN_REGRESSOR share (a family, not a model type).

``options`` (BigQuery's DNN options and defaults, what scikit-learn's MLP can do of them, the DNN
preprocessing), ``train`` (scikit-learn's MLP on the encoded rows streamed from DuckDB as Arrow, one
epoch per iteration; the weights become the ``layers`` state table), ``sql`` (the weights compiled to
DuckDB SQL: one SELECT per layer, weighted sums as balanced trees of additions), ``functions``
(ML.PREDICT, EVALUATE, CONFUSION_MATRIX, ROC_CURVE).
"""
