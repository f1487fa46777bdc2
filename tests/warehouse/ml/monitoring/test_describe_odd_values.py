"""ML.DESCRIBE_DATA and ML.TFDV_DESCRIBE over odd values: a column wider than a double (-1.7e308 and
1.7e308 among small values: "STDDEV_SAMP/STDDEV_POP is out of range" before), one whose mean's sum
overflows (three times 1.7e308: an infinite mean before), and NaN, infinities and NULL in one column.

The wide statistics are compared with rational arithmetic; the other columns of the same statement keep the
plain pass's numbers (a column is scaled only when its finite values reach 2**400)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import duckdb
import pytest

import warehouse

from ..test_wide_ranges import HUGE, _exact_mean_and_stddev

WIDE = [-HUGE, HUGE, *map(float, range(2, 40))]


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute(
        f"CREATE SCHEMA d; CREATE TABLE d.t AS SELECT (CASE i WHEN 0 THEN -{HUGE} WHEN 1 THEN {HUGE} "
        "ELSE i END)::DOUBLE AS x, (i % 3)::DOUBLE AS z, "
        f"(CASE WHEN i < 3 THEN {HUGE} ELSE NULL END)::DOUBLE AS top FROM range(40) AS r(i)"
    )
    connection.execute(
        "CREATE TABLE d.odd AS SELECT (CASE i WHEN 0 THEN 'nan'::DOUBLE WHEN 1 THEN 'inf'::DOUBLE WHEN 2 THEN '-inf'::DOUBLE "
        "WHEN 3 THEN NULL ELSE i END)::DOUBLE AS x FROM range(10) AS r(i)"
    )
    yield connection
    connection.close()


def _described(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, dict[str, Any]]:
    result = warehouse.execute(con, f"SELECT * FROM ML.DESCRIBE_DATA(TABLE d.{table})")
    return {row["name"]: row for row in result.to_dicts()}


def _tfdv(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, dict[str, Any]]:
    (row,) = warehouse.execute(con, f"SELECT * FROM ML.TFDV_DESCRIBE(TABLE d.{table})").rows
    features = json.loads(row[0])["datasets"][0]["features"]
    return {f["name"]: f["num_stats"] for f in features}


def _population_stddev(values: list[float]) -> float:
    exact = [Fraction(v) for v in values]
    mean = sum(exact) / len(exact)
    variance = sum((v - mean) ** 2 for v in exact) / len(exact)
    return math.ldexp(math.sqrt(variance / 2**2000), 1000)


def test_describe_data_of_a_column_wider_than_a_double(con: duckdb.DuckDBPyConnection) -> None:
    described = _described(con, "t")
    x, z, top = described["x"], described["z"], described["top"]
    mean, stddev = _exact_mean_and_stddev(WIDE)
    assert (x["min"], x["max"], x["mean"], x["num_rows"]) == ("-1.7e+308", "1.7e+308", mean, 40)
    assert x["stdev"] == pytest.approx(stddev, rel=1e-15)
    assert x["quantiles"] == [-HUGE, 20.0, HUGE]
    assert top["mean"] == pytest.approx(HUGE, rel=1e-15)  # the plain sum was inf (avg: a ulp off)
    assert (top["stdev"], top["num_nulls"]) == (0.0, 37)
    plain = con.execute("SELECT avg(z), stddev_samp(z) FROM d.t").fetchone()
    assert plain is not None and (z["mean"], z["stdev"]) == plain  # not scaled: the plain pass's bits


def test_tfdv_describe_of_a_column_wider_than_a_double(con: duckdb.DuckDBPyConnection) -> None:
    stats = _tfdv(con, "t")
    x, z, top = stats["x"], stats["z"], stats["top"]
    mean, _ = _exact_mean_and_stddev(WIDE)
    assert (x["min"], x["max"], x["mean"]) == (-HUGE, HUGE, mean)
    assert x["std_dev"] == pytest.approx(_population_stddev(WIDE), rel=1e-15)
    assert top["mean"] == pytest.approx(HUGE, rel=1e-15) and "std_dev" not in top  # 0: left out
    plain = con.execute("SELECT avg(z), stddev_pop(z) FROM d.t").fetchone()
    assert plain is not None and (z["mean"], z["std_dev"]) == plain


def test_describe_data_of_nan_and_infinities(con: duckdb.DuckDBPyConnection) -> None:
    x = _described(con, "odd")["x"]
    # NaN and infinities are values, not missing: NaN orders above every number (max, last quantile), the
    # mean is NaN (BigQuery's AVG too); the stdev is over the finite values 4..9 (DuckDB's stddev_samp
    # raises on an infinity)
    assert (x["num_rows"], x["num_nulls"], x["num_values"], x["min"], x["max"]) == (10, 1, 9, "-inf", "nan")
    assert math.isnan(x["mean"]) and x["stdev"] == pytest.approx(math.sqrt(3.5), rel=1e-15)
    assert x["quantiles"][:2] == [-math.inf, 7.0] and math.isnan(x["quantiles"][2])


def test_tfdv_describe_of_nan_and_infinities(con: duckdb.DuckDBPyConnection) -> None:
    x = _tfdv(con, "odd")["x"]
    # TFDV's: mean, std_dev and median over the finite values, min/max the infinities, NaN counted apart
    assert (x["mean"], x["median"], x["min"], x["max"]) == (6.5, 6.5, "-Infinity", "Infinity")
    assert x["std_dev"] == pytest.approx(math.sqrt(35 / 12), rel=1e-15)
    standard = x["histograms"][0]
    assert standard["num_nan"] == "1"
    assert standard["buckets"][-1] == {
        "low_value": "-Infinity",
        "high_value": "Infinity",
        "sample_count": 2.0,
    }


def test_a_column_named_like_the_top_values_lambda(con: duckdb.DuckDBPyConnection) -> None:
    """A column named ``e`` beside a categorical one: the top values' lambda named its argument ``e``, and
    DuckDB bound ``e.value`` to the column ("Cannot extract field 'value' from expression "e"")."""
    con.execute("CREATE TABLE d.named AS SELECT i::DOUBLE AS e, (i % 2)::VARCHAR AS s FROM range(5) AS r(i)")
    described = _described(con, "named")
    assert described["e"]["mean"] == 2.0
    assert described["s"]["top_values"] == [{"value": "0", "count": 3}]  # top_k: 1 by default
    (row,) = warehouse.execute(con, "SELECT * FROM ML.TFDV_DESCRIBE(TABLE d.named)").rows
    (_, s) = json.loads(row[0])["datasets"][0]["features"]
    assert s["string_stats"]["top_values"] == [
        {"value": "0", "frequency": 3.0},
        {"value": "1", "frequency": 2.0},
    ]
