"""The scoring SQL of DNN_CLASSIFIER: the network's margins (``dnn.sql``) through the sigmoid (two classes:
P(the higher label)) or the softmax (one probability per class), the predicted class as every classifier's."""

from __future__ import annotations

from warehouse.ml.models.dnn.sql import scores, with_layers
from warehouse.ml.models.trees.sql import with_probabilities

__all__ = ["scores", "with_layers", "with_probabilities"]
