"""GX expectations translated to DuckDB SQL expressions, as declarative tables.

Each entry reproduces what GX's pandas engine computes for that expectation (which rows count, how NULLs are
treated, how ``mostly`` and ``strict_*`` work); ``tests/quality/test_engines_agree.py`` runs both engines on
the shipped suites and on broken batches and requires identical verdicts, unexpected counts and observed values.

- ``ROW_CONDITIONS``: row-level checks; the expression is true for an *unexpected* non-null value.
- ``AGGREGATES``: a column statistic compared with ``min_value``/``max_value``.
An expectation type in neither table (nor handled in ``sql_engine``) is validated by GX.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

RowCondition = Callable[[exp.Expr, dict[str, Any], str | None], exp.Expr]


def literal(value: Any, sql_type: str | None = None) -> exp.Expr:
    """A bound value as a SQL literal; strings compared with timestamps are cast to the column's type."""
    if isinstance(value, str) and sql_type == "TIMESTAMP":
        return exp.cast(exp.Literal.string(value), "TIMESTAMP")
    return exp.convert(value)


def _in_range(col: exp.Expr, kwargs: dict[str, Any], sql_type: str | None) -> exp.Expr:
    """True when ``col`` is within [min_value, max_value] (or the strict variants), as GX defines it."""
    parts: list[exp.Expr] = []
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None:
        bound = literal(low, sql_type)
        parts.append(
            exp.GT(this=col, expression=bound)
            if kwargs.get("strict_min")
            else exp.GTE(this=col, expression=bound)
        )
    if high is not None:
        bound = literal(high, sql_type)
        parts.append(
            exp.LT(this=col, expression=bound)
            if kwargs.get("strict_max")
            else exp.LTE(this=col, expression=bound)
        )
    if not parts:
        raise ValueError("min_value and max_value cannot both be None")
    return exp.and_(*parts)


def _in_set(col: exp.Expr, values: list[Any], sql_type: str | None) -> exp.Expr:
    if not values:
        return exp.false()
    return exp.In(this=col, expressions=[literal(v, sql_type) for v in values])


def _regex(col: exp.Expr, regex: str) -> exp.Expr:
    # pandas: column.astype(str).str.contains(regex) -- a search, not a full match; DuckDB's is the same
    return exp.func("regexp_matches", exp.cast(col, "VARCHAR"), exp.Literal.string(regex))


ROW_CONDITIONS: dict[str, RowCondition] = {
    "expect_column_values_to_be_between": lambda c, kw, t: exp.not_(_in_range(c, kw, t)),
    "expect_column_values_to_be_in_set": lambda c, kw, t: exp.not_(_in_set(c, kw.get("value_set") or [], t)),
    "expect_column_values_to_not_be_in_set": lambda c, kw, t: _in_set(c, kw.get("value_set") or [], t),
    "expect_column_values_to_match_regex": lambda c, kw, t: exp.not_(_regex(c, kw["regex"])),
    "expect_column_values_to_not_match_regex": lambda c, kw, t: _regex(c, kw["regex"]),
    "expect_column_value_lengths_to_be_between": lambda c, kw, t: exp.not_(
        _in_range(exp.func("length", c), kw, None)
    ),
    "expect_column_value_lengths_to_equal": lambda c, kw, t: exp.NEQ(
        this=exp.func("length", c), expression=exp.convert(kw["value"])
    ),
}

#: expectation type -> the column statistic GX compares with min_value/max_value
AGGREGATES: dict[str, Callable[[exp.Expr], exp.Expr]] = {
    "expect_column_mean_to_be_between": lambda c: exp.func("avg", c),
    "expect_column_median_to_be_between": lambda c: exp.func("median", c),
    "expect_column_min_to_be_between": lambda c: exp.func("min", c),
    "expect_column_max_to_be_between": lambda c: exp.func("max", c),
    "expect_column_stdev_to_be_between": lambda c: exp.func("stddev_samp", c),
    "expect_column_sum_to_be_between": lambda c: exp.func(
        "coalesce", exp.func("sum", c), exp.convert(0)
    ),  # pandas: 0
    "expect_column_unique_value_count_to_be_between": lambda c: exp.Count(this=exp.Distinct(expressions=[c])),
    "expect_column_proportion_of_unique_values_to_be_between": lambda c: exp.func(
        "coalesce",  # GX: 0 when nothing is non-null
        exp.Div(
            this=exp.cast(exp.Count(this=exp.Distinct(expressions=[c])), "DOUBLE"),
            expression=exp.func("nullif", exp.Count(this=c), exp.convert(0)),
        ),
        exp.convert(0.0),
    ),
}

#: table-level expectations computed from the column list and row count (see sql_engine)
TABLE_CHECKS = frozenset(
    {
        "expect_table_row_count_to_be_between",
        "expect_table_row_count_to_equal",
        "expect_table_columns_to_match_set",
        "expect_table_columns_to_match_ordered_list",
        "expect_table_column_count_to_be_between",
        "expect_table_column_count_to_equal",
        "expect_column_to_exist",
        "expect_column_values_to_be_in_type_list",
        "expect_column_values_to_be_of_type",
    }
)
OTHER_CHECKS = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        "expect_column_quantile_values_to_be_between",
    }
)
SUPPORTED = frozenset(ROW_CONDITIONS) | frozenset(AGGREGATES) | TABLE_CHECKS | OTHER_CHECKS


NUMBERS = frozenset({"BIGINT", "DOUBLE"})
#: statistics pandas computes only on numbers (it raises on text, as the SQL engine then reports)
NEEDS_NUMBER = frozenset(
    {
        "expect_column_mean_to_be_between",
        "expect_column_median_to_be_between",
        "expect_column_stdev_to_be_between",
        "expect_column_sum_to_be_between",
        "expect_column_quantile_values_to_be_between",
    }
)
#: checks comparing values with min_value/max_value: numeric bounds need a numeric column
BOUNDED = frozenset(
    {
        "expect_column_values_to_be_between",
        "expect_column_min_to_be_between",
        "expect_column_max_to_be_between",
    }
)


def type_mismatch(kind: str, kwargs: dict[str, Any], sql_type: str | None) -> str | None:
    """Why ``kind`` cannot run on a column of canonical type ``sql_type`` (pandas would raise), or None."""
    numeric_bounds = any(
        isinstance(kwargs.get(k), int | float) and not isinstance(kwargs.get(k), bool)
        for k in ("min_value", "max_value")
    )
    if sql_type not in NUMBERS and (kind in NEEDS_NUMBER or (kind in BOUNDED and numeric_bounds)):
        return f"column {kwargs['column']!r} is {sql_type or 'nested'}, not a number"
    return None


def reproducible(kind: str, kwargs: dict[str, Any], sql_type: str | None) -> bool:
    """Whether the SQL translation is known to give GX's result for this check on this column type.

    Text bounds are compared as timestamps only on timestamp columns; on text columns pandas compares row
    by row and raises on missing values, which the translation does not imitate, so GX runs those.
    """
    if kind not in SUPPORTED:
        return False
    text_bounds = any(isinstance(kwargs.get(k), str) for k in ("min_value", "max_value"))
    return not (kind in BOUNDED and text_bounds and sql_type != "TIMESTAMP")


def value_between(value: Any, kwargs: dict[str, Any]) -> bool:
    """GX's comparison of an observed statistic with min_value/max_value (None bounds are open)."""
    if value is None:
        return False
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and (value <= low if kwargs.get("strict_min") else value < low):
        return False
    return not (high is not None and (value >= high if kwargs.get("strict_max") else value > high))


def mostly_success(considered: int, unexpected: int, mostly: float | None) -> bool:
    """GX's rule: vacuously true with nothing to consider, else the success ratio must reach ``mostly``."""
    if considered == 0:
        return True
    return (float(considered) - float(unexpected)) / float(considered) >= (1.0 if mostly is None else mostly)
