"""The promotion rule as a decision table: better, worse, equal, within the margin, loss vs score
metrics, a missing metric on either side."""

from __future__ import annotations

import math

import pytest

from lakehouse.errors import UsageError
from warehouse.retrain import decide

NAN = math.nan


@pytest.mark.parametrize(
    ("metric", "champion", "challenger", "margin", "promote", "reason"),
    [
        # score metrics: higher is better
        ("r2_score", 0.50, 0.60, 0.0, True, "improvement 0.1 > margin 0"),
        ("r2_score", 0.60, 0.50, 0.0, False, "the challenger is worse"),
        ("r2_score", 0.60, 0.60, 0.0, False, "equal"),
        ("roc_auc", 0.80, 0.81, 0.05, False, "within the margin 0.05"),
        ("roc_auc", 0.80, 0.90, 0.05, True, "improvement 0.1 > margin 0.05"),
        # loss metrics: lower is better
        ("mean_squared_error", 10.0, 8.0, 0.0, True, "lower is better; improvement 2 > margin 0"),
        ("mean_squared_error", 8.0, 10.0, 0.0, False, "the challenger is worse"),
        ("davies_bouldin_index", 1.0, 0.95, 0.1, False, "within the margin 0.1"),
        ("log_loss", 0.7, 0.7, 0.0, False, "equal"),
        # a missing metric
        ("r2_score", 0.5, None, 0.0, False, "the challenger has no r2_score"),
        ("r2_score", 0.5, NAN, 0.0, False, "the challenger has no r2_score"),
        ("mean_absolute_error", None, 3.0, 0.0, True, "the champion has no mean_absolute_error"),
        ("mean_absolute_error", None, None, 0.0, False, "the challenger has no"),
    ],
)
def test_the_promotion_rule(
    metric: str, champion: float | None, challenger: float | None, margin: float, promote: bool, reason: str
) -> None:
    verdict = decide(metric, champion, challenger, margin)
    assert verdict.promote is promote
    assert reason in verdict.reason
    assert verdict.reason.startswith("promoted" if promote else "kept")


def test_an_unknown_metric_or_a_negative_margin_is_an_error() -> None:
    with pytest.raises(UsageError, match="unknown metric 'r3_score'"):
        decide("r3_score", 1.0, 2.0)
    with pytest.raises(UsageError, match="margin -0.1 must be >= 0"):
        decide("r2_score", 1.0, 2.0, -0.1)
