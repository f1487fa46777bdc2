"""The scoring SQL of BOOSTED_TREE_REGRESSOR: the prediction is the trees' margin ``__m0`` (``trees.sql``: base score
plus the sum of the trees), with no link function."""

from __future__ import annotations

from warehouse.ml.models.trees.sql import scores, with_margins

__all__ = ["scores", "with_margins"]
