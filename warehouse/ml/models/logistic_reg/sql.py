"""The scoring SQL of LOGISTIC_REG: the generic classifier SQL (``warehouse.ml.classes``: typed class labels,
the predicted class, the ROC curve) over the GLM family's scores and probabilities (``glm.sql``:
``__z<k>``, ``__p<k>``)."""

from __future__ import annotations

from warehouse.ml.classes import PRED, class_index, label_literal, roc_curve, threshold_array, with_prediction

__all__ = ["PRED", "class_index", "label_literal", "roc_curve", "threshold_array", "with_prediction"]
