"""Options of PCA, and how it encodes features (SCALE_FEATURES; numeric columns are always centered).

BigQuery's CREATE MODEL for PCA takes exactly one of NUM_PRINCIPAL_COMPONENTS and
PCA_EXPLAINED_VARIANCE_RATIO; ``components_wanted`` checks that rule (it needs both values, so it is
not a single option's check).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehouse.errors import UsageError
from warehouse.ml.options import COMMON, OptionSpec, group
from warehouse.ml.preprocessing.automatic import Encoding

OPTIONS = {
    **COMMON,
    **group(
        OptionSpec("num_principal_components", int, None, check=lambda v: v >= 1, valid="an integer >= 1"),
        OptionSpec(
            "pca_explained_variance_ratio", float, None, check=lambda v: 0 < v < 1, valid="(0, 1) exclusive"
        ),
        OptionSpec("scale_features", bool, True),
        OptionSpec("pca_solver", str, "AUTO", ("AUTO", "FULL", "RANDOMIZED")),
    ),
}

ROLES: dict[str, str] = {}


def encoding(options: Mapping[str, Any]) -> Encoding:
    """Numeric features centered, and scaled to unit variance when SCALE_FEATURES; categoricals one-hot
    (0/1, not centered: what reproduces BigQuery's recorded eigenvalues)."""
    return Encoding(standardize=bool(options["scale_features"]), center=True)


def components_wanted(options: Mapping[str, Any]) -> tuple[int | None, float | None]:
    """(NUM_PRINCIPAL_COMPONENTS, PCA_EXPLAINED_VARIANCE_RATIO): exactly one of them is set."""
    count, ratio = options["num_principal_components"], options["pca_explained_variance_ratio"]
    if (count is None) == (ratio is None):
        given = "both" if count is not None else "neither"
        raise UsageError(
            "exactly one of num_principal_components and pca_explained_variance_ratio must be specified "
            f"for PCA models ({given} given)",
            hint="OPTIONS(model_type='PCA', num_principal_components=3) or pca_explained_variance_ratio=0.8",
        )
    return count, ratio
