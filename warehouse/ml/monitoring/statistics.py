"""Feature statistics as TFDV keeps them, computed in the warehouse: the long table the distances read.

``statistics(source, columns, buckets, rank_buckets)`` is one DuckDB query over the rows of
``source`` (two scans: the ranges, then every histogram at once) returning one row per bucket::

    feature VARCHAR, kind VARCHAR, low DOUBLE, high DOUBLE, value VARCHAR, count DOUBLE

``kind`` is

- ``bucket``: one of ``num_histogram_buckets`` equal-width buckets over the feature's finite
  [min, max] (TFDV's STANDARD histogram), empty ones included; the last bucket holds max;
- ``point``: every finite value when min = max (a zero-width bucket, low = high);
- ``inf``: the number of +/-infinite values (TFDV's buckets with an infinite bound);
- ``nan``: the number of NaN values (TFDV's ``num_nan``);
- ``value``: one categorical value and its count - the rank histogram, the top
  ``num_rank_histogram_buckets`` values by count (ties by value).

NULLs are missing values and fall in no bucket, as in TFDV. Numeric features are cast to DOUBLE;
categorical ones (strings, booleans, dates ...) to VARCHAR.

A caller that already knows the ranges (``range_aggregates`` in a query of its own, read back with
``Range``) passes them as ``ranges``: the query then scans once, and each bucket's bounds are exact
constants in its expression (DuckDB folds them) instead of columns of a one-row CTE. The rows are the same.
A range that also knows its column holds no NaN and no infinity (``Range.finite``) needs no per-row
expression: ``buckets.edges`` finds, in Python, the last double of each bucket by
the same quotient, and DuckDB's binned ``histogram(x, edges)`` counts the values (the CASE, the tests and
the per-row cast to BIGINT were most of the histogram pass's cost; the counts are the same to the ulp,
tests/warehouse/ml/monitoring/test_buckets.py).

The rows come out by column (in ``columns``' order), then buckets, point, inf, nan (or values by rank). Only
the histogram aggregates are written per column; the rows are made from one list with an element per column
(unnested), not from four UNION ALL parts per column: a 20-column statement was 25 kB of SQL built from ~100
template fills, and building it cost about half as much as running it over 1M rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlglot import exp

from warehouse.ml.monitoring import buckets as bucket_edges
from warehouse.ml.monitoring.buckets import Edges
from warehouse.ml.sqlexpr import col, fill, finite_or_null, ident, num, string

#: the statistics' columns, in order (the training statistics state table has them too)
COLUMNS = ("feature", "kind", "low", "high", "value", "count")


@dataclass(frozen=True)
class Column:
    """A column to describe: its name and whether it is numeric (else categorical)."""

    name: str
    numeric: bool


@dataclass(frozen=True)
class Range:
    """A numeric column's finite [min, max] (None, None when it has no finite value); ``finite``: the
    column holds no NaN and no infinity (only finite values and NULLs)."""

    low: float | None
    high: float | None
    finite: bool = False


def _x(column: Column) -> exp.Expr:
    return exp.cast(col(column.name), "DOUBLE")


def range_aggregates(column: Column) -> list[exp.Expr]:
    """The aggregates of a numeric column's finite min and max (read them back with ``Range``)."""
    x = _x(column)
    return [exp.func("min", finite_or_null(x)), exp.func("max", finite_or_null(x.copy()))]


def _generated(kind: str, i: int) -> exp.Column:
    return col(f"{kind}_{i}")


#: a value's bucket 0..n-1; NaN and infinities go to the keys NAN and INF of the same histogram, so one
#: aggregate per column counts them all (NULL stays NULL: in no bucket); ``__p_q`` is ``_QUOTIENT``
_BUCKET = """
CASE WHEN isfinite(__p_x) THEN
  CASE WHEN __p_hi > __p_lo
       THEN least(CAST(floor(__p_q) AS BIGINT), __p_n - 1)
       ELSE 0 END
     WHEN isnan(__p_x) THEN -1
     WHEN isinf(__p_x) THEN -2
END
"""
#: a finite value's position in its range, times n; with the halved form of a range wider than a double
#: (``buckets.wide``: its width is inf, the plain quotient NaN near max), as ``buckets`` counts it
_QUOTIENT = "(__p_x - __p_lo) / (__p_hi - __p_lo) * __p_n"
_HALVED_QUOTIENT = "(__p_x / 2 - __p_lo / 2) / (__p_hi / 2 - __p_lo / 2) * __p_n"
#: either form, chosen per row (a range found by the same statement is a column of ``__range``)
_EITHER_QUOTIENT = f"CASE WHEN isinf(__p_hi - __p_lo) THEN {_HALVED_QUOTIENT} ELSE {_QUOTIENT} END"
#: the histogram of a column known to hold only finite values (and NULLs) over a known range lo < hi, from
#: DuckDB's binned form over ``buckets.edges`` (the same counts as ``_BUCKET``): the bins come
#: out in the edges' order, empty ones included, and are keyed by the bucket each edge closes. No value lies
#: above the last edge (max) unless the source's rows changed since the range was found (a training query
#: that samples with RAND() is read once for the ranges and again here): DuckDB's overflow bin then comes
#: last and is left out, as the floor formula's keys above n were
_BINNED_HISTOGRAM = """
CAST(map(__p_buckets, list_slice(map_values(histogram(__p_x, __p_uppers)), 1, __p_count)) AS MAP(BIGINT, UBIGINT))
"""
#: the numeric columns' rows: ``__num`` has one row per numeric column (its position ``__i``, name,
#: finite range and histogram), unnested from one list, so the statement's size does not grow with the
#: number of columns beyond one list element each; ``__k``/``__o`` order the rows as before (by column,
#: then buckets, point, inf, nan); a range wider than a double has its bounds from halved terms
_NUMERIC_ROWS = """
SELECT __i, 0 AS __k, __b.b AS __o, feature, 'bucket' AS kind,
       CASE WHEN isinf(hi - lo) THEN (lo / 2 + (hi / 2 - lo / 2) / __p_n * __b.b) * 2
            ELSE lo + __b.b * (hi - lo) / __p_n END AS low,
       CASE WHEN __b.b = __p_n - 1 THEN hi
            WHEN isinf(hi - lo) THEN (lo / 2 + (hi / 2 - lo / 2) / __p_n * (__b.b + 1)) * 2
            ELSE lo + (__b.b + 1) * (hi - lo) / __p_n END AS high,
       CAST(NULL AS VARCHAR) AS value,
       CAST(coalesce(h[__b.b], 0) AS DOUBLE) AS count
FROM __num CROSS JOIN range(__p_n) AS __b(b) WHERE hi > lo
UNION ALL
SELECT __i, 1, 0, feature, 'point', lo, lo, NULL, CAST(coalesce(h[0], 0) AS DOUBLE) FROM __num WHERE hi = lo
UNION ALL
SELECT __i, 2, 0, feature, 'inf', NULL, NULL, NULL, CAST(coalesce(h[-2], 0) AS DOUBLE) FROM __num
WHERE coalesce(h[-2], 0) > 0
UNION ALL
SELECT __i, 3, 0, feature, 'nan', NULL, NULL, NULL, CAST(coalesce(h[-1], 0) AS DOUBLE) FROM __num
WHERE coalesce(h[-1], 0) > 0
"""

#: the numeric columns one row each (``__p_l``: a list of structs i, feature, lo, hi, h over __agg and __range)
_NUMERIC_COLUMNS = """
SELECT struct_extract(__e, 'i') AS __i, struct_extract(__e, 'feature') AS feature,
       struct_extract(__e, 'lo') AS lo, struct_extract(__e, 'hi') AS hi, struct_extract(__e, 'h') AS h
FROM (SELECT unnest(__p_l) AS __e FROM __agg CROSS JOIN __range)
"""

#: the rank histograms: the top ``__p_k`` values of each categorical column by count (ties by value)
_CATEGORICAL_ROWS = """
SELECT __i, 0 AS __k, row_number() OVER (PARTITION BY __i ORDER BY __e.value DESC, __e.key) AS __o,
       feature, 'value' AS kind, CAST(NULL AS DOUBLE) AS low, CAST(NULL AS DOUBLE) AS high,
       __e.key AS value, CAST(__e.value AS DOUBLE) AS count
FROM (
  SELECT struct_extract(__c, 'i') AS __i, struct_extract(__c, 'feature') AS feature,
         unnest(map_entries(struct_extract(__c, 'h'))) AS __e
  FROM (SELECT unnest(__p_l) AS __c FROM __agg)
)
QUALIFY __o <= __p_k
"""


def _struct(**fields: exp.Expr) -> exp.Struct:
    return exp.Struct(
        expressions=[exp.PropertyEQ(this=exp.to_identifier(k), expression=v) for k, v in fields.items()]
    )


def statistics(
    source: exp.Query,
    columns: Sequence[Column],
    buckets: int,
    rank_buckets: int,
    ranges: Mapping[str, Range] | None = None,
) -> exp.Query:
    """The statistics rows (``COLUMNS``) of ``columns`` over the rows of ``source``; ``ranges``: every
    numeric column's finite range, known already (one scan instead of two)."""
    n = exp.Literal.number(buckets)
    ranges_: list[exp.Expr] = []
    aggregates: list[exp.Expr] = [exp.alias_(exp.func("count", exp.Star()), ident("__n"))]
    numeric: list[exp.Expr] = []
    categorical: list[exp.Expr] = []
    binned = _binned(columns, ranges, buckets)
    for i, column in enumerate(columns):
        h = _generated("h", i)
        feature = string(column.name)
        if column.numeric:
            x, lo, hi = _x(column), _generated("lo", i), _generated("hi", i)
            if ranges is None:  # a column of the one-row CTE __range
                low, high = range_aggregates(column)
                bounds: tuple[exp.Expr, exp.Expr] = (lo, hi)
            else:  # known: constants
                low, high = num(ranges[column.name].low), num(ranges[column.name].high)
                bounds = (low, high)
            ranges_ += [exp.alias_(low, lo.name), exp.alias_(high, hi.name)]
            if column.name in binned:
                histogram = _finite_histogram(x, binned[column.name])
            else:
                histogram = exp.func(
                    "histogram", _bucket(x, bounds, n, None if ranges is None else ranges[column.name])
                )
            aggregates.append(exp.alias_(histogram, h.name))
            numeric.append(_struct(i=exp.Literal.number(i), feature=feature, lo=lo.copy(), hi=hi.copy(), h=h))
        else:
            value = exp.cast(col(column.name), "VARCHAR")
            aggregates.append(exp.alias_(exp.func("histogram", value), h.name))
            categorical.append(_struct(i=exp.Literal.number(i), feature=feature, h=h))
    src = exp.Table(this=ident("__src"))
    rng = exp.Table(this=ident("__range"))
    agg_query = (  # built without copies (each builder call copies the query so far by default)
        exp.select(*aggregates, copy=False).from_(src, copy=False).join(rng, join_type="CROSS", copy=False)
    )
    parts: list[exp.Expr] = []
    if numeric:
        parts.append(fill(_NUMERIC_ROWS, n=n))
    if categorical:
        parts.append(
            fill(_CATEGORICAL_ROWS, l=exp.Array(expressions=categorical), k=exp.Literal.number(rank_buckets))
        )
    if parts:
        body = _union(parts)
        query = (
            exp.select(*[col(c) for c in COLUMNS], copy=False)
            .from_(body.subquery("__stats", copy=False), copy=False)
            .order_by(col("__i"), col("__k"), col("__o"), copy=False)
        )
    else:
        query = exp.select(*[col(c) for c in COLUMNS]).from_(_empty().subquery("__stats"))
    if ranges is None:  # one row: an aggregate over the rows
        range_query = exp.select(
            exp.alias_(exp.func("count", exp.Star()), "__rows"), *ranges_, copy=False
        ).from_(src.copy(), copy=False)
    else:  # one row of constants
        range_query = exp.select(exp.alias_(exp.Literal.number(1), "__known"), *ranges_, copy=False)
    query = (
        query.with_("__src", as_=source, copy=False)
        .with_("__range", as_=range_query, copy=False)
        .with_("__agg", as_=agg_query, copy=False)
    )
    if numeric:
        query = query.with_("__num", as_=fill(_NUMERIC_COLUMNS, l=exp.Array(expressions=numeric)), copy=False)
    for cte in query.args["with_"].expressions[1:]:  # one row each (__num: one per column): computed once
        cte.set("materialized", True)
    return query


def _bucket(x: exp.Expr, bounds: tuple[exp.Expr, exp.Expr], n: exp.Expr, known: Range | None) -> exp.Expr:
    """``_BUCKET`` of ``x`` over ``bounds``: with the quotient's form for a ``known`` range, else either
    form per row."""
    if known is None or known.low is None or known.high is None:
        quotient = _EITHER_QUOTIENT
    else:
        quotient = _HALVED_QUOTIENT if bucket_edges.wide(known.low, known.high) else _QUOTIENT
    lo, hi = bounds
    q = fill(quotient, x=x, lo=lo, hi=hi, n=n)
    return fill(_BUCKET, x=x, lo=lo, hi=hi, n=n, q=q)


def _binned(columns: Sequence[Column], ranges: Mapping[str, Range] | None, n: int) -> dict[str, Edges]:
    """The exact bucket edges of every ``_plain`` column (every other column keeps ``_BUCKET``), found
    together."""
    exact: dict[str, tuple[float, float]] = {}
    for column in columns:
        known = ranges[column.name] if ranges is not None and column.numeric else None
        if known is None or not _plain(known) or known.low is None or known.high is None:
            continue
        if bucket_edges.exact(known.low, known.high):
            exact[column.name] = (known.low, known.high)
    return dict(zip(exact, bucket_edges.edges(list(exact.values()), n), strict=True))


def _finite_histogram(x: exp.Expr, edges: Edges) -> exp.Expr:
    """A ``_plain`` column's histogram by DuckDB's binned form over ``edges`` (keys: bucket numbers)."""
    return fill(
        _BINNED_HISTOGRAM,
        x=x,
        buckets=_list(edges.buckets, "BIGINT[]"),
        uppers=_list(edges.uppers, "DOUBLE[]"),
        count=exp.Literal.number(len(edges.uppers)),
    )


def _list(values: Sequence[float], to: str) -> exp.Expr:
    """A constant list as one literal cast (a ``repr`` per double: exact; one node instead of a node per
    element, which made a 20-column statement's SQL cost more to write than the edges to find)."""
    return exp.cast(exp.Literal.string("[" + ", ".join(repr(v) for v in values) + "]"), to)


def _plain(known: Range) -> bool:
    """Whether a column's histogram can do without the tests for NaN, infinities and a zero-width range."""
    return known.finite and known.low is not None and known.high is not None and known.high > known.low


def _union(parts: list[exp.Expr]) -> exp.Query:
    out = parts[0]
    for part in parts[1:]:
        out = exp.Union(this=out, expression=part, distinct=False)  # no copies: a long chain stays linear
    assert isinstance(out, exp.Query)
    return out


def _empty() -> exp.Query:
    """No rows, with the statistics' columns (a table with no columns to describe)."""
    query = fill(
        "SELECT CAST(NULL AS VARCHAR) AS feature, CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS DOUBLE) AS low, "
        "CAST(NULL AS DOUBLE) AS high, CAST(NULL AS VARCHAR) AS value, CAST(NULL AS DOUBLE) AS count "
        "WHERE FALSE"
    )
    assert isinstance(query, exp.Query)
    return query
