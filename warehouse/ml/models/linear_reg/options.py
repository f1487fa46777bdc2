"""Options of LINEAR_REG: the shared groups and the GLM family's, nothing of its own."""

from __future__ import annotations

from warehouse.ml.models.glm import options as glm
from warehouse.ml.options import COMMON, ITERATIVE, SUPERVISED
from warehouse.ml.tunable import REGRESSION, Tuning

OPTIONS = {**COMMON, **SUPERVISED, **ITERATIVE, **glm.OPTIONS}
encoding = glm.encoding
TUNING = Tuning(REGRESSION, glm.TUNABLE)
