"""PCA: principal component analysis, fitted by numpy on rows streamed from DuckDB, scored as SQL.

Parts: ``options`` (NUM_PRINCIPAL_COMPONENTS or PCA_EXPLAINED_VARIANCE_RATIO, SCALE_FEATURES,
PCA_SOLVER; the encoding), ``train`` (second moments of the encoded rows, eigendecomposition, the
components state table), ``sql`` (projections and reconstruction error as SQL), ``functions``
(ML.PREDICT, EVALUATE, PRINCIPAL_COMPONENTS, PRINCIPAL_COMPONENT_INFO, DETECT_ANOMALIES).
"""

from __future__ import annotations

from warehouse.ml.model import ModelType
from warehouse.ml.models.pca import functions, options, train

MODEL_TYPE = ModelType(
    name="PCA",
    options=options.OPTIONS,
    roles=options.ROLES,
    encoding=options.encoding,
    train=train.train,
    functions=functions.FUNCTIONS,
    materialize=False,  # training reads the encoded rows once, as an Arrow stream
)
