"""The scoring SQL of DNN_REGRESSOR: the prediction is the network's output margin ``__m0`` (``dnn.sql``),
with no output activation."""

from __future__ import annotations

from warehouse.ml.models.dnn.sql import scores, with_layers

__all__ = ["scores", "with_layers"]
