"""The ML functions of DNN_REGRESSOR models: PREDICT, EVALUATE (``models/dnn/functions``)."""

from __future__ import annotations

from warehouse.ml.model import Function
from warehouse.ml.models.dnn import functions as dnn

FUNCTIONS: dict[str, Function] = dict(dnn.REGRESSOR)
