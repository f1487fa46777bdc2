"""The scoring SQL of LINEAR_REG: the prediction is the GLM's single score ``__z0`` (``glm.sql``)."""

from __future__ import annotations

from sqlglot import exp

from warehouse.ml.sqlexpr import col, ident
from warehouse.ml.supervised import Y

SCORE = "__z0"


def prediction(name: str) -> exp.Expr:
    """The predicted value, named ``predicted_<label>``."""
    return exp.alias_(col(SCORE), ident(name))


def regression_rows(scored: exp.Expr, where: exp.Expr) -> exp.Select:
    """``__y`` (truth) and ``__pred`` of the scored rows that satisfy ``where``: the input of
    ``metrics.regression``."""
    return exp.select(col(Y), exp.alias_(col(SCORE), ident("__pred"))).from_(scored).where(where)
