"""The DNN family: the parts DNN_CLASSIFIER and DNN_REGRESSOR share (a family, not a model type).

``options`` (BigQuery's DNN options and defaults, the rules between them, the DNN preprocessing),
``network`` (the network in Keras 3 on JAX: built from the options, trained epoch by epoch), ``train``
(``fit``: the encoded rows streamed from DuckDB as Arrow, one epoch per iteration; the weights become the
``layers`` state table), ``sql`` (the weights compiled to DuckDB SQL: one SELECT per layer),
``functions`` (ML.PREDICT, EVALUATE, CONFUSION_MATRIX, ROC_CURVE), ``compile_cache`` (where JAX keeps
the compiled training and prediction programs between processes).

``fit`` is imported on first use (``lakehouse.lazy``): ``train`` imports Keras and JAX (seconds), which a
statement that trains no DNN model never needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse import lazy

if TYPE_CHECKING:
    from warehouse.ml.models.dnn.train import fit as fit

__getattr__ = lazy.exports(__name__, {"fit": "warehouse.ml.models.dnn.train"})
