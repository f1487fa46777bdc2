"""Options of DNN_CLASSIFIER: the shared groups and the DNN family's options and class weights."""

from __future__ import annotations

from warehouse.ml.models.dnn import options as dnn
from warehouse.ml.options import COMMON, SUPERVISED
from warehouse.ml.tunable import CLASSIFICATION, Tuning

OPTIONS = {**COMMON, **SUPERVISED, **dnn.DNN, **dnn.CLASS_WEIGHTS}
encoding = dnn.encoding
TUNING = Tuning(CLASSIFICATION, dnn.TUNABLE)
