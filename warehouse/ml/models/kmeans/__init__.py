"""KMEANS: k-means clustering trained by Lloyd's algorithm in DuckDB SQL, scored as SQL.

Parts: ``options`` (OPTIONS, the seed column's role, the encoding), ``train`` (Lloyd iterations, the
centroids state table, warm start), ``sql`` (distances, assignment, cluster aggregates: the scoring
SQL training shares), ``functions`` (ML.PREDICT, EVALUATE, CENTROIDS, DETECT_ANOMALIES).
"""

from __future__ import annotations

from warehouse.ml.model import ModelType
from warehouse.ml.models.kmeans import functions, options, train

MODEL_TYPE = ModelType(
    name="KMEANS",
    options=options.OPTIONS,
    roles=options.ROLES,
    encoding=options.encoding,
    train=train.train,
    functions=functions.FUNCTIONS,
    warm_start=train.warm_start,
    tuning=options.TUNING,
    reads_in_place=True,
)
