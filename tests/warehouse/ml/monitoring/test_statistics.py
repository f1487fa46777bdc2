"""The statistics query with ranges known in advance gives the rows of the query that finds them itself."""

from __future__ import annotations

import duckdb
from sqlglot import exp

import warehouse
from warehouse.ml.monitoring import training_statistics
from warehouse.ml.monitoring.statistics import Column, Range, range_aggregates, statistics
from warehouse.ml.monitoring.training_statistics import BUCKETS, RANK_BUCKETS
from warehouse.ml.sqlexpr import sql

ROWS = """
SELECT i,
       CASE WHEN i % 7 = 0 THEN 'nan'::DOUBLE WHEN i % 11 = 0 THEN '-inf'::DOUBLE ELSE sin(i) * 3 END AS special,
       CASE WHEN i % 5 = 0 THEN NULL ELSE i % 13 END AS gaps,
       4.5 AS constant,
       CAST(NULL AS DOUBLE) AS empty,
       'inf'::DOUBLE AS infinite,
       CASE WHEN i % 3 = 0 THEN NULL ELSE chr(CAST(65 + i % 4 AS INTEGER)) END AS letter
FROM range(500) r(i)
"""
COLUMNS = [
    Column("i", True),
    Column("special", True),
    Column("gaps", True),
    Column("constant", True),
    Column("empty", True),
    Column("infinite", True),
    Column("letter", False),
]


def _rows(con: duckdb.DuckDBPyConnection, query: exp.Query) -> list[tuple[object, ...]]:
    return sorted(con.execute(sql(query)).fetchall(), key=repr)


def _source() -> exp.Select:
    return exp.select("*").from_(exp.maybe_parse(f"({ROWS})", dialect="duckdb").subquery("t"))


def _finite_ranges(con: duckdb.DuckDBPyConnection, source: exp.Select) -> dict[str, Range]:
    """Each numeric column's finite range, as ``range_aggregates`` finds it."""
    numeric = [c for c in COLUMNS if c.numeric]
    aggregates = [a for c in numeric for a in range_aggregates(c)]
    found = con.execute(sql(exp.select(*aggregates).from_(source.subquery("s")))).fetchone()
    assert found is not None
    return {c.name: Range(found[2 * i], found[2 * i + 1]) for i, c in enumerate(numeric)}


def test_known_ranges_give_the_same_rows() -> None:
    con = duckdb.connect()
    source = _source()
    ranges = _finite_ranges(con, source)
    assert ranges["special"].high is not None and ranges["special"].high < 3.0001  # NaN and -inf left out
    assert ranges["empty"] == Range(None, None) and ranges["infinite"] == Range(None, None)
    itself = _rows(con, statistics(source, COLUMNS, 20, 3))
    known = _rows(con, statistics(source, COLUMNS, 20, 3, ranges))
    assert known == itself
    # columns known to hold no NaN or infinity count their buckets without testing for them (the max
    # of i and of gaps lands in the last bucket; gaps has NULLs; constant and empty have no width)
    finite = {"i", "gaps", "constant", "empty"}
    marked = {name: Range(r.low, r.high, finite=name in finite) for name, r in ranges.items()}
    assert _rows(con, statistics(source, COLUMNS, 20, 3, marked)) == itself
    kinds = {(r[0], r[1]) for r in itself}
    assert {("special", "nan"), ("special", "inf"), ("constant", "point"), ("infinite", "inf")} <= kinds
    assert sum(1 for r in itself if r[0] == "letter") == 3  # the rank histogram's top 3


def test_create_model_stores_what_the_statistics_query_finds() -> None:
    """CREATE MODEL finds the histogram ranges in its feature-statistics pass; the stored training
    statistics are still the rows of the statistics query over the raw training columns."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t AS SELECT * EXCLUDE (empty, infinite) FROM ({ROWS})")
    warehouse.execute(
        con,
        "CREATE MODEL ml.km OPTIONS(model_type='KMEANS', num_clusters=3) "
        "AS SELECT special, gaps, constant, letter, i AS id FROM t WHERE isfinite(special)",
    )
    stored = sorted(con.execute('SELECT * FROM ml."km__training_statistics"').fetchall(), key=repr)
    raw = exp.maybe_parse(
        "SELECT special, gaps, constant, letter, i AS id FROM t WHERE isfinite(special)", dialect="duckdb"
    )
    assert isinstance(raw, exp.Query)
    described = [c for c in COLUMNS if c.name in ("special", "gaps", "constant", "letter")] + [
        Column("id", True)
    ]
    assert stored == _rows(con, statistics(raw, described, BUCKETS, RANK_BUCKETS))
    assert {r[0] for r in stored} == {"special", "gaps", "constant", "letter", "id"}


def test_read_ranges_takes_min_and_max_unless_a_column_has_nan_or_infinities() -> None:
    """The engine's feature statistics count each numeric column's NaN and infinite values instead of
    finding its finite range; ``read_ranges`` gives the ranges ``range_aggregates`` finds."""
    con = duckdb.connect()
    source = _source()
    expected = _finite_ranges(con, source)
    numeric = [c for c in COLUMNS if c.numeric]
    columns = [(c.name, "DOUBLE" if c.numeric else "VARCHAR") for c in COLUMNS] + [("label", "DOUBLE")]
    counts = training_statistics.range_aggregates(columns, ["label"])
    bounds_sql = [
        exp.func(f, exp.cast(exp.column(c.name), "DOUBLE")) for c in numeric for f in ("min", "max")
    ]
    row = con.execute(sql(exp.select(*counts, *bounds_sql).from_(source.subquery("s")))).fetchone()
    assert row is not None
    odd, values = row[: len(numeric)], row[len(numeric) :]
    assert [c.name for c, n in zip(numeric, odd, strict=True) if n] == ["special", "infinite"]
    bounds = {c.name: (values[2 * i], values[2 * i + 1]) for i, c in enumerate(numeric)}
    clean = {c.name for c, n in zip(numeric, odd, strict=True) if not n}
    marked = {name: Range(r.low, r.high, finite=name in clean) for name, r in expected.items()}
    assert training_statistics.read_ranges(con, source, columns, ["label"], odd, bounds) == marked
