"""The scoring SQL of BOOSTED_TREE_CLASSIFIER: the trees' margins (``trees.sql``) through the sigmoid (two classes:
P(the higher label)) or the softmax (one probability per class), the predicted class as LOGISTIC_REG's."""

from __future__ import annotations

from warehouse.ml.models.trees.sql import scores, with_probabilities

__all__ = ["scores", "with_probabilities"]
