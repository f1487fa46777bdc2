"""The training statistics every model stores at CREATE MODEL, and ML.VALIDATE_DATA_SKEW against them.

At CREATE MODEL the engine calls ``record`` for every model type alike: the statistics of the raw
(pre-TRANSFORM) columns of the training query, label and other role columns left out, go into the
state table ``<model>__training_statistics`` (``statistics.COLUMNS``, computed by one CREATE TABLE AS
in the warehouse) and their names and types into ``model.state["monitoring"]``. ``skew`` compares input
rows with them as ML.VALIDATE_DATA_SKEW does: same buckets as training, the thresholds of the call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml import registry
from warehouse.ml.model import Call
from warehouse.ml.monitoring import params as monitoring_params
from warehouse.ml.monitoring import validate
from warehouse.ml.monitoring.statistics import COLUMNS, Column, Range, statistics
from warehouse.ml.monitoring.statistics import range_aggregates as statistics_range_aggregates
from warehouse.ml.preprocessing.automatic import is_numeric_type
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import col, sql

PART = "training_statistics"
BUCKETS = monitoring_params.PARAMS["num_histogram_buckets"].default
RANK_BUCKETS = monitoring_params.PARAMS["num_rank_histogram_buckets"].default
#: types that have no statistics (and cannot be model features either)
_NO_STATISTICS = ("[]", "STRUCT", "MAP", "UNION", "BLOB")


def describable(dtype: str) -> bool:
    return not any(word in dtype.upper() for word in _NO_STATISTICS)


def _kept(columns: Sequence[tuple[str, str]], ignored: Sequence[str]) -> list[tuple[str, str]]:
    skip = set(ignored)
    return [(name, dtype) for name, dtype in columns if name not in skip and describable(dtype)]


def _described(kept: Sequence[tuple[str, str]]) -> list[Column]:
    return [Column(name, is_numeric_type(dtype)) for name, dtype in kept]


def _numeric(columns: Sequence[tuple[str, str]], ignored: Sequence[str]) -> list[Column]:
    """The numeric columns ``record`` describes, in its order (the order of the range aggregates)."""
    return [c for c in _described(_kept(columns, ignored)) if c.numeric]


def range_aggregates(columns: Sequence[tuple[str, str]], ignored: Sequence[str]) -> list[exp.Expr]:
    """Aggregates for a caller that scans the same raw rows anyway and finds each numeric column's
    min and max there (the engine's feature statistics): the number of NaN and infinite values of each
    numeric column ``record`` describes. ``read_ranges`` turns them into ``ranges``: a column without
    any has its min and max as its finite range (finite min/max aggregates cost as much as the rest of
    the feature statistics)."""
    return [
        exp.func("count_if", exp.Not(this=exp.func("isfinite", exp.cast(col(c.name), "DOUBLE"))))
        for c in _numeric(columns, ignored)
    ]


def read_ranges(
    con: duckdb.DuckDBPyConnection,
    source: exp.Expr,
    columns: Sequence[tuple[str, str]],
    ignored: Sequence[str],
    values: Sequence[Any],
    bounds: Mapping[str, tuple[float | None, float | None]],
) -> dict[str, Range]:
    """The ranges of ``record``'s numeric columns from ``range_aggregates``' ``values`` and each column's
    (min, max) over the same rows (``bounds``, by name), marked ``finite``; the few columns with NaN or
    infinite values get their finite range from one more query over ``source``."""
    numeric = _numeric(columns, ignored)
    ranges = {
        c.name: Range(*bounds[c.name], finite=True) for c, odd in zip(numeric, values, strict=True) if not odd
    }
    rest = [c for c in numeric if c.name not in ranges]
    if rest:
        aggregates = [a for c in rest for a in statistics_range_aggregates(c)]
        row = con.execute(sql(exp.select(*aggregates).from_(exp.Subquery(this=source.copy())))).fetchone()
        assert row is not None  # an aggregate without GROUP BY: one row
        ranges.update({c.name: Range(row[2 * i], row[2 * i + 1]) for i, c in enumerate(rest)})
    return ranges


def record(
    con: duckdb.DuckDBPyConnection,
    model: Model,
    raw: exp.Query,
    columns: Sequence[tuple[str, str]],
    ignored: Sequence[str],
    ranges: Mapping[str, Range] | None = None,
) -> None:
    """Store the statistics of the raw training columns (``ignored``: role columns such as the label);
    ``ranges`` (``read_ranges``): the numeric columns' ranges found already, so one scan is left."""
    kept = _kept(columns, ignored)
    query = statistics(raw, _described(kept), BUCKETS, RANK_BUCKETS, ranges)
    registry.create_state(con, model, PART, query)
    model.state["monitoring"] = {
        "columns": [list(c) for c in kept],
        "ignored": list(ignored),
        "num_histogram_buckets": BUCKETS,
        "num_rank_histogram_buckets": RANK_BUCKETS,
    }


def _stored(model: Model) -> dict[str, Any]:
    if "monitoring" not in model.state:
        raise UsageError(
            f"model {model.qualified_name} has no training statistics",
            hint="train it again with CREATE OR REPLACE MODEL (models trained before monitoring have none)",
        )
    stored: dict[str, Any] = model.state["monitoring"]
    return stored


def skew(call: Call) -> exp.Query:
    """``ML.VALIDATE_DATA_SKEW(MODEL m, rows, STRUCT(...))``: the rows' drift from the training data."""
    stored = _stored(call.model)
    settings = monitoring_params.read("VALIDATE_DATA_SKEW", call.params, monitoring_params.SKEW)
    study = call.require_input()
    base_columns = [(name, dtype) for name, dtype in stored["columns"]]
    study_columns = validate.columns(call.con, study)
    monitoring_params.Thresholds.of(settings).check_names("VALIDATE_DATA_SKEW", [c for c, _ in base_columns])
    rows = validate.plan(base_columns, study_columns, settings, ignored=stored["ignored"], skew=True)
    compared = validate.compared(rows, {name.lower(): dtype for name, dtype in base_columns})
    names = {c.name for c in compared}
    base = (
        exp.select(*[col(c) for c in COLUMNS])
        .from_(call.model.state_table(PART))
        .where(
            exp.column("feature").isin(*[exp.Literal.string(n) for n in sorted(names)])
            if names
            else exp.false()
        )
    )
    renamed = validate.renamed(study, study_columns, rows)
    return validate.result(
        rows,
        base,
        call.scratch.materialize(
            statistics(
                renamed, compared, stored["num_histogram_buckets"], stored["num_rank_histogram_buckets"]
            )
        ),
    )
