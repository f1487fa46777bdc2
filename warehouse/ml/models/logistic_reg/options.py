"""Options of LOGISTIC_REG: the shared groups, the GLM family's and the class weights."""

from __future__ import annotations

from warehouse.ml.models.glm import options as glm
from warehouse.ml.options import COMMON, ITERATIVE, SUPERVISED, OptionSpec, group
from warehouse.ml.tunable import CLASSIFICATION, Tuning

OPTIONS = {
    **COMMON,
    **SUPERVISED,
    **ITERATIVE,
    **glm.OPTIONS,
    **group(
        OptionSpec("auto_class_weights", bool, False),
        OptionSpec("class_weights", dict, None),
    ),
}
encoding = glm.encoding
TUNING = Tuning(CLASSIFICATION, glm.TUNABLE)
