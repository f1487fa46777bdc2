"""Options of KMEANS, the role of its seed column, and how it encodes features (standardize_features)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from warehouse.ml.options import COMMON, ITERATIVE, TUNING_OPTIONS, OptionSpec, group
from warehouse.ml.preprocessing.automatic import Encoding
from warehouse.ml.tunable import CLUSTERING, Tuning, integer, tunables

INIT = "__init"  # the training table's column of kmeans_init_col (TRUE marks a seed row)

OPTIONS = {
    **COMMON,
    **group(
        OptionSpec("num_clusters", int, None, check=lambda v: 2 <= v <= 100, valid="2..100"),
        OptionSpec("kmeans_init_method", str, "RANDOM", ("RANDOM", "KMEANS++", "CUSTOM")),
        OptionSpec("kmeans_init_col", str, None),
        OptionSpec("distance_type", str, "EUCLIDEAN", ("EUCLIDEAN", "COSINE")),
        OptionSpec("standardize_features", bool, True),
    ),
    **ITERATIVE,
    **TUNING_OPTIONS,
}

ROLES = {INIT: "kmeans_init_col"}

#: hyperparameter tuning searches the number of clusters (BigQuery: [2, 100], default range [2, 10])
TUNING = Tuning(CLUSTERING, tunables(integer("num_clusters", 2, 100, (2, 10))))


def encoding(options: Mapping[str, Any]) -> Encoding:
    return Encoding(standardize=bool(options["standardize_features"]))
