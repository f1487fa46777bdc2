"""The binned histogram over ``buckets.edges`` counts every value where the floor formula puts it.

The reference is the statistics query that finds the ranges itself (its per-row floor formula, the form
every column had before the binned one); the values include each bucket's formula boundary and the doubles
a few ulps around it, so an edge one ulp off moves a value and fails the comparison.
"""

from __future__ import annotations

import itertools
import math

import duckdb
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlglot import exp

from warehouse.ml.monitoring import buckets
from warehouse.ml.monitoring.statistics import Column, Range, statistics
from warehouse.ml.sqlexpr import sql

COLUMNS = [Column("x", True), Column("y", True)]
_FINITE = st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True)


def _near(value: float, ulps: int) -> list[float]:
    """``value`` and the doubles up to ``ulps`` either side of it."""
    out = [value]
    up = down = value
    for _ in range(ulps):
        up, down = math.nextafter(up, math.inf), math.nextafter(down, -math.inf)
        out += [up, down]
    return out


@st.composite
def _columns(draw: st.DrawFn) -> tuple[list[float | None], int]:
    """A column's values (NULLs among them) and a number of buckets; tiny, huge and subnormal ranges."""
    lo = draw(_FINITE)
    width = draw(st.sampled_from(["ulps", "any", "small", "wide"]))
    if width == "wide":  # wider than a double: hi - lo overflows (the halved form)
        lo = -draw(st.floats(2.0**1022, 1.7976931348623157e308))
        hi = draw(st.floats(-lo * 0.9999, 1.7976931348623157e308))
    elif width == "ulps":
        hi = lo
        for _ in range(draw(st.integers(1, 40))):
            hi = math.nextafter(hi, math.inf)
    elif width == "small":
        hi = lo + abs(lo) * draw(st.floats(1e-15, 1e-6)) + 5e-324
    else:
        hi = draw(_FINITE)
    lo, hi = min(lo, hi), max(lo, hi)
    if lo == hi:
        lo = math.nextafter(hi, -math.inf)
    assume(buckets.exact(lo, hi))
    n = draw(st.integers(1, 40))
    boundaries = [(lo / 2 + (hi / 2 - lo / 2) * k / n) * 2 for k in range(n + 1)]
    near = [v for b in boundaries for v in _near(b, 2) if lo <= v <= hi]
    others = draw(st.lists(st.floats(lo, hi), max_size=20))
    values: list[float | None] = [lo, hi, *near, *others, None]
    return draw(st.permutations(values)), n


def _rows(con: duckdb.DuckDBPyConnection, query: exp.Query) -> list[tuple[object, ...]]:
    return con.execute(sql(query)).fetchall()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_columns())
def test_binned_counts_equal_the_floor_formula(column: tuple[list[float | None], int]) -> None:
    values, n = column
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest($1::DOUBLE[]) AS x, 7.0 AS y", [values])
    source = exp.select("*").from_("t")
    present = [v for v in values if v is not None]
    ranges = {"x": Range(min(present), max(present), finite=True), "y": Range(7.0, 7.0, finite=True)}
    formula = _rows(con, statistics(source, COLUMNS, n, 3))
    binned = _rows(con, statistics(source, COLUMNS, n, 3, ranges))
    assert binned == formula
    assert sum(row[5] for row in binned if row[0] == "x") == len(present)


def test_edges_of_a_range_narrower_than_the_buckets_are_distinct() -> None:
    """Two doubles, ten buckets: the low one closes bucket 0, the high one the last; the rest are empty."""
    [edges] = buckets.edges([(0.0, 5e-324)], 10)
    assert edges == buckets.Edges(uppers=(0.0, 5e-324), buckets=(0, 9))


def test_each_edge_is_the_last_double_of_its_bucket() -> None:
    lo, hi, n = -3.7, 1e-3, 7
    [edges] = buckets.edges([(lo, hi)], n)
    uppers = np.array(edges.uppers[:-1])
    after = np.nextafter(uppers, np.inf)
    assert list(np.floor((uppers - lo) / (hi - lo) * n)) == list(edges.buckets[:-1])
    assert list(np.floor((after - lo) / (hi - lo) * n)) == [b + 1 for b in edges.buckets[:-1]]


def test_a_range_wider_than_a_double_has_its_buckets() -> None:
    """-1.7e308 .. 1.7e308: ``hi - lo`` overflows to inf and the plain quotient was NaN near max (DuckDB:
    "Type DOUBLE with value -nan can't be cast ... INT64"); the halved terms count as a wider double would,
    in both histogram forms, and the buckets' bounds are finite and equal-width."""
    lo, hi = -1.7e308, 1.7e308
    assert buckets.exact(lo, hi) and buckets.wide(lo, hi)
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest($1::DOUBLE[]) AS x", [[lo, -1e308, 0.0, 1.0, 1.2e308, hi]])
    source, column = exp.select("*").from_("t"), [Column("x", True)]
    formula = _rows(con, statistics(source, column, 4, 3))
    assert formula == _rows(con, statistics(source, column, 4, 3, {"x": Range(lo, hi, finite=True)}))
    assert formula == _rows(con, statistics(source, column, 4, 3, {"x": Range(lo, hi)}))
    assert [row[5] for row in formula] == [2.0, 0.0, 2.0, 2.0]
    bounds = [-1.7e308, -8.5e307, 0.0, 8.5e307, 1.7e308]
    assert [(row[2], row[3]) for row in formula] == [
        (pytest.approx(a, rel=1e-15), pytest.approx(b, rel=1e-15)) for a, b in itertools.pairwise(bounds)
    ]


def test_values_above_a_stale_range_are_left_out_not_an_error() -> None:
    """A source read again after its range was found (a training query sampling with RAND()) may hold
    values above that max: DuckDB's overflow bin is dropped, as the floor formula's keys above n were,
    instead of failing the statement on map lists of different lengths."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT CAST(i AS DOUBLE) AS x FROM range(10) r(i)")
    ranges = {"x": Range(0.0, 5.0, finite=True)}
    rows = _rows(con, statistics(exp.select("*").from_("t"), [Column("x", True)], 5, 3, ranges))
    assert [(row[1], row[5]) for row in rows] == [("bucket", 1.0)] * 4 + [("bucket", 2.0)]
