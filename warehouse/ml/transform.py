"""The TRANSFORM clause (placeholder until implemented)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.registry import Model


def fit(
    con: duckdb.DuckDBPyConnection,
    relation: exp.Expr,
    clause: exp.TransformModelProperty,
    labels: list[str],
    to_duckdb: Callable[[exp.Expr], exp.Expr],
) -> tuple[exp.Expr, dict[str, Any]]:
    raise UsageError("TRANSFORM is not supported yet")


def apply(model: Model, input_query: exp.Query) -> exp.Query:
    raise UsageError("TRANSFORM is not supported yet")
