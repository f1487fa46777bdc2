"""Options of DNN_REGRESSOR: the shared groups and the DNN family's options."""

from __future__ import annotations

from warehouse.ml.models.dnn import options as dnn
from warehouse.ml.options import COMMON, SUPERVISED
from warehouse.ml.tunable import REGRESSION, Tuning

OPTIONS = {**COMMON, **SUPERVISED, **dnn.DNN}
encoding = dnn.encoding
TUNING = Tuning(REGRESSION, dnn.TUNABLE)
