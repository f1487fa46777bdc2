"""The hand-over from a tree model's ``prepare`` (DuckDB) to its ``fit`` (xgboost): rows, label, weights, split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class Prepared:
    """What ``fit`` needs, read from DuckDB by ``prepare``: the rows (float32, NULL -> NaN, target-encoded),
    label, weight, held-out flag, the number of classes (0: a regressor) and xgboost's parameters."""

    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    held_out: np.ndarray
    classes: int
    params: dict[str, Any]
