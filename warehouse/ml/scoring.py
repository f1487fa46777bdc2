"""SQL helpers the model types' ML functions share: input rows encoded as the model's dimensions, and
``*`` without the helper columns a function added on the way."""

from __future__ import annotations

from sqlglot import exp

from warehouse.ml.preprocessing import automatic
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import ident


def encoded_input(model: Model, input_query: exp.Query) -> exp.Select:
    """The input rows plus the model's encoded dimensions ``__x0..``."""
    encoded = automatic.encoded_select(
        model.features,
        model.dims,
        standardize=model.state["standardize"],
        impute=model.state.get("impute", True),
        center=model.state.get("center", False),  # models saved before ``center`` existed did not center
    )
    return exp.select("*", *encoded).from_(input_query.subquery("__input"))


def dim_columns(model: Model) -> list[str]:
    return [automatic.dim_name(i) for i in range(len(model.dims))]


def without(names: list[str]) -> exp.Star:
    """``*`` minus the engine's helper columns (DuckDB ``* EXCLUDE (...)``)."""
    return exp.Star(except_=[exp.column(ident(n)) for n in names])
