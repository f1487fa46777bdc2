"""ML.DESCRIBE_DATA({TABLE t | (query)}, STRUCT(num_quantiles, num_array_length_quantiles, top_k)).

One row per column, in the column order, with BigQuery's output columns (``OUTPUT``), computed by one
aggregate query over the rows (a list of one STRUCT per column, unnested). As in BigQuery, numbers
(integers, decimals) are described as FLOAT64 and ``min``/``max`` are strings; BOOL, DATE, TIMESTAMP and
strings are categorical: ``unique``, ``avg_string_length`` and ``top_values`` (the ``top_k`` most
frequent values, count desc, then value); arrays give ``min_array_length``/``max_array_length`` and
``num_values`` (the number of elements). ``quantiles`` are the ``num_quantiles + 1`` exact values at
0, 1/q, ..., 1 (DuckDB's ``quantile_disc``; BigQuery's APPROX_QUANTILES approximates them); ``median``
is the exact 0.5 quantile and ``stdev`` the sample standard deviation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import duckdb
from sqlglot import exp

from warehouse.ml.monitoring import params as monitoring_params
from warehouse.ml.monitoring import validate
from warehouse.ml.preprocessing.automatic import is_numeric_type, scaled_aggregate, scaled_when_huge
from warehouse.ml.sqlexpr import col, fill, sql, string

OUTPUT = (
    "name",
    "num_rows",
    "num_nulls",
    "num_zeros",
    "min",
    "max",
    "mean",
    "stdev",
    "median",
    "quantiles",
    "unique",
    "avg_string_length",
    "num_values",
    "top_values",
    "min_array_length",
    "max_array_length",
)

_NUMERIC = """
SELECT {'name': __p_name, 'num_rows': count(*), 'num_nulls': count(*) - count(__p_c),
        'num_zeros': CAST(count_if(CAST(__p_c AS DOUBLE) = 0) AS BIGINT), 'min': CAST(min(CAST(__p_c AS DOUBLE)) AS VARCHAR),
        'max': CAST(max(CAST(__p_c AS DOUBLE)) AS VARCHAR), 'mean': __p_mean,
        'stdev': __p_stdev, 'median': quantile_cont(CAST(__p_c AS DOUBLE), 0.5),
        'quantiles': CAST(quantile_disc(CAST(__p_c AS DOUBLE), __p_points) AS DOUBLE[]),
        'unique': CAST(NULL AS BIGINT), 'avg_string_length': CAST(NULL AS DOUBLE), 'num_values': count(__p_c),
        'top_values': CAST(NULL AS STRUCT(value VARCHAR, count BIGINT)[]),
        'min_array_length': CAST(NULL AS BIGINT), 'max_array_length': CAST(NULL AS BIGINT)}
"""

_CATEGORICAL = """
SELECT {'name': __p_name, 'num_rows': count(*), 'num_nulls': count(*) - count(__p_c),
        'num_zeros': CAST(NULL AS BIGINT), 'min': min(CAST(__p_c AS VARCHAR)), 'max': max(CAST(__p_c AS VARCHAR)),
        'mean': CAST(NULL AS DOUBLE), 'stdev': CAST(NULL AS DOUBLE), 'median': CAST(NULL AS DOUBLE),
        'quantiles': CAST(NULL AS DOUBLE[]), 'unique': count(DISTINCT __p_c),
        'avg_string_length': avg(length(CAST(__p_c AS VARCHAR))), 'num_values': count(__p_c),
        'top_values': CAST(list_transform(
            list_slice(list_sort(list_transform(map_entries(histogram(CAST(__p_c AS VARCHAR))),
                                                __t -> {'n': -__t.value, 'v': __t.key})), 1, __p_k),
            __t -> {'value': __t.v, 'count': -__t.n}) AS STRUCT(value VARCHAR, count BIGINT)[]),
        'min_array_length': CAST(NULL AS BIGINT), 'max_array_length': CAST(NULL AS BIGINT)}
"""

_ARRAY = """
SELECT {'name': __p_name, 'num_rows': count(*), 'num_nulls': count(*) - count(__p_c),
        'num_zeros': CAST(NULL AS BIGINT), 'min': CAST(NULL AS VARCHAR), 'max': CAST(NULL AS VARCHAR),
        'mean': CAST(NULL AS DOUBLE), 'stdev': CAST(NULL AS DOUBLE), 'median': CAST(NULL AS DOUBLE),
        'quantiles': CAST(NULL AS DOUBLE[]), 'unique': CAST(NULL AS BIGINT),
        'avg_string_length': CAST(NULL AS DOUBLE), 'num_values': CAST(sum(len(__p_c)) AS BIGINT),
        'top_values': CAST(NULL AS STRUCT(value VARCHAR, count BIGINT)[]),
        'min_array_length': CAST(min(len(__p_c)) AS BIGINT), 'max_array_length': CAST(max(len(__p_c)) AS BIGINT)}
"""


def _template(dtype: str) -> str:
    if dtype.upper().endswith("[]"):
        return _ARRAY
    return _NUMERIC if is_numeric_type(dtype) else _CATEGORICAL


def _struct(name: str, dtype: str, points: exp.Expr, k: int, scale: float | None) -> exp.Expr:
    """One column's STRUCT; a numeric column's mean and stdev over its values times ``scale`` (if any)."""
    x = exp.cast(col(name), "DOUBLE")
    mean = scaled_aggregate("avg", x, scale)
    # DuckDB's stddev_samp raises on an infinity (BigQuery's STDDEV_SAMP is NaN): over the finite values
    stdev = scaled_aggregate("stddev_samp", x, scale, where=exp.func("isfinite", x.copy()))
    select = fill(
        _template(dtype),
        name=string(name),
        c=col(name),
        points=points,
        k=exp.Literal.number(k),
        mean=mean,
        stdev=stdev,
    )
    assert isinstance(select, exp.Select)
    return select.expressions[0]


def describe(
    con: duckdb.DuckDBPyConnection,
    source: exp.Query,
    given: Mapping[str, Any],
    materialize: Callable[[exp.Query], exp.Query],
) -> exp.Query:
    """The described rows, computed once (``materialize``). As CREATE MODEL's feature pass
    (``automatic.fit_with``): a numeric column wider than a double's square root (-1.7e308 and 1.7e308)
    fails the plain pass ("STDDEV_SAMP is out of range") or sums to an infinite mean; the pass is then made
    again with its mean and stdev over values scaled by a power of two (``automatic.huge_scales``). NaN and
    infinities are not missing values here: a NaN makes the mean NaN and the max 'nan' (DuckDB orders NaN
    above every number), an infinity the min or max, both infinities a NaN mean; the stdev is over the
    finite values (tests/warehouse/ml/monitoring/test_describe_odd_values.py)."""
    settings = monitoring_params.read("DESCRIBE_DATA", given, monitoring_params.DESCRIBE)
    columns = validate.columns(con, source)
    numeric = [name for name, dtype in columns if _template(dtype) is _NUMERIC]

    def finite(
        described: exp.Query,
    ) -> bool:  # no mean whose sum overflowed (or NaN/infinity: scaled if huge)
        infinite = exp.select(exp.func("count", exp.Star())).from_(described.subquery("__d"))
        row = con.execute(sql(infinite.where(exp.not_(exp.func("isfinite", col("mean")))))).fetchone()
        return row is None or not row[0]

    return scaled_when_huge(
        con,
        source,
        numeric,
        lambda scales: materialize(_described(source, columns, settings, scales)),
        finite,
    )


def _described(
    source: exp.Query,
    columns: list[tuple[str, str]],
    settings: Mapping[str, Any],
    scales: Mapping[str, float],
) -> exp.Query:
    q = settings["num_quantiles"]
    points = exp.Array(expressions=[exp.Literal.number(repr(i / q)) for i in range(q + 1)])
    structs = [_struct(name, dtype, points, settings["top_k"], scales.get(name)) for name, dtype in columns]
    rows = exp.select(exp.alias_(exp.Unnest(expressions=[exp.Array(expressions=structs)]), "__d")).from_(
        source.subquery("__rows")
    )
    return exp.select(
        *[exp.Dot(this=col("__d"), expression=exp.to_identifier(c, quoted=True)).as_(c) for c in OUTPUT]
    ).from_(rows.subquery("__described"))
