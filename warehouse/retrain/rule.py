"""The promotion rule: does the challenger beat the champion by more than the margin on the metric?

Loss metrics are lower-is-better, score metrics higher-is-better (``DIRECTION``, the ML.EVALUATE columns of
every model type). The margin is absolute, in the metric's units: the challenger is promoted only when its
improvement is strictly greater than the margin (with margin 0, a tie keeps the champion). A challenger
without the metric is never promoted; a champion without it (it cannot score the current data) is replaced.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lakehouse.errors import UsageError

LOWER = "lower"
HIGHER = "higher"

#: ML.EVALUATE column -> which way is better
DIRECTION: dict[str, str] = {
    **dict.fromkeys(
        (
            "mean_absolute_error",
            "mean_squared_error",
            "mean_squared_log_error",
            "median_absolute_error",
            "log_loss",
            "davies_bouldin_index",
            "mean_squared_distance",
        ),
        LOWER,
    ),
    **dict.fromkeys(
        ("r2_score", "explained_variance", "precision", "recall", "accuracy", "f1_score", "roc_auc"), HIGHER
    ),
}

#: the metric compared when none is configured: the first ML.EVALUATE returns (BigQuery's default
#: tuning objectives: ROC_AUC for classifiers, R2_SCORE for regressors, DAVIES_BOULDIN_INDEX for k-means)
DEFAULT_METRICS = ("roc_auc", "r2_score", "davies_bouldin_index", "mean_squared_error")


@dataclass(frozen=True)
class Verdict:
    promote: bool
    reason: str


def _missing(value: float | None) -> bool:
    return value is None or math.isnan(value)


def decide(metric: str, champion: float | None, challenger: float | None, margin: float = 0.0) -> Verdict:
    """Promote the challenger only if it beats the champion on ``metric`` by more than ``margin``."""
    if metric not in DIRECTION:
        raise UsageError(f"unknown metric {metric!r}", hint=f"metrics: {', '.join(sorted(DIRECTION))}")
    if margin < 0 or math.isnan(margin):
        raise UsageError(f"margin {margin!r} must be >= 0", hint="e.g. --margin 0.01")
    if challenger is None or math.isnan(challenger):
        return Verdict(False, f"kept: the challenger has no {metric}")
    if champion is None or math.isnan(champion):
        return Verdict(True, f"promoted: the champion has no {metric} on the hold-out")
    gain = champion - challenger if DIRECTION[metric] == LOWER else challenger - champion
    better = f"{metric} {challenger:.6g} vs {champion:.6g}, {DIRECTION[metric]} is better"
    if gain > margin:
        return Verdict(True, f"promoted: {better}; improvement {gain:.6g} > margin {margin:g}")
    if gain > 0:
        return Verdict(False, f"kept: {better}; improvement {gain:.6g} is within the margin {margin:g}")
    if gain == 0:
        return Verdict(False, f"kept: {better}; equal")
    return Verdict(False, f"kept: {better}; the challenger is worse")
