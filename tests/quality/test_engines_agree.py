"""The DuckDB-SQL engine gives GX's verdicts, unexpected counts and observed values (GX pandas is the oracle).

Large batches are validated by ``quality.sql_engine``; this is the proof that doing so changes no result. Both
engines run on the shipped suites over good and deliberately broken batches, and on random batches
(hypothesis) for every translated expectation type.
"""

from __future__ import annotations

import math
import os
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from lakehouse.settings import Settings
from quality.frame import columns_of, to_pandas
from quality.gx_engine import validate_gx
from quality.outcome import Outcome
from quality.sql_checks import reproducible
from quality.sql_engine import supports, validate_sql
from quality.suites import Expectation, Suite, load_suite
from quality.validate import choose_engine, resolve_references

from .conftest import create_table


def comparable(o: Outcome) -> tuple[Any, ...]:
    return (
        o.expectation,
        o.column,
        o.success,
        o.unexpected_count,
        o.element_count,
        rounded(o.observed_value),
        bool(o.error),
    )


def rounded(value: Any) -> Any:
    """Observed statistics may differ in the last bits (pairwise vs streaming sums); 12 digits must agree."""
    if isinstance(value, float):
        return float(f"{value:.12g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def both_engines(
    con: duckdb.DuckDBPyConnection, relation: str, suite: Suite
) -> tuple[list[Outcome], list[Outcome]]:
    """GX and SQL outcomes for the expectations the SQL engine claims to reproduce on this relation."""
    suite = resolve_references(con, suite)
    columns = columns_of(con, relation)
    types = {c.name: c.canonical.sql if c.canonical else None for c in columns}
    kept = [
        e for e in suite.expectations if reproducible(e.type, e.kwargs, types.get(e.kwargs.get("column", "")))
    ]
    if len(kept) < len(suite.expectations):
        assert choose_engine(suite, columns, rows=10**9) == "gx", "auto must fall back to GX"
    suite = suite.with_expectations(kept)
    gx = validate_gx(to_pandas(con, columns, relation), suite)
    return gx, validate_sql(con, relation, columns, suite)


CASES = [
    ("customers", "customers.csv"),
    ("customers", "customers_broken.csv"),
    ("products", "products.csv"),
    ("orders", "orders.csv"),
    ("orders", "orders_broken.csv"),
    ("events", "events.ndjson"),
    ("dim_customers", "customers.csv"),  # a model-shaped table: missing columns must fail alike
]


@pytest.mark.parametrize(("dataset", "fixture"), CASES)
def test_engines_agree_on_shipped_suites(
    settings: Settings, lake: duckdb.DuckDBPyConnection, dataset: str, fixture: str
) -> None:
    create_table(lake, "batch", fixture)
    gx, sql = both_engines(lake, "batch", load_suite(settings, dataset))
    assert [comparable(o) for o in sql] == [comparable(o) for o in gx]


def test_broken_batch_fails_the_same_expectations(
    settings: Settings, lake: duckdb.DuckDBPyConnection
) -> None:
    create_table(lake, "batch", "orders_broken.csv")
    gx, _ = both_engines(lake, "batch", load_suite(settings, "orders"))
    failed = {(o.expectation, o.column) for o in gx if not o.success and o.severity == "critical"}
    assert {
        ("expect_table_columns_to_match_set", None),
        ("expect_column_values_to_not_be_null", "order_id"),
        ("expect_column_values_to_be_unique", "order_id"),
        ("expect_column_values_to_be_between", "quantity"),
        ("expect_column_values_to_be_between", "discount"),
        ("expect_column_values_to_be_in_set", "status"),
    } <= failed


def _e(kind: str, **kwargs: Any) -> Expectation:
    return Expectation(kind, kwargs, "critical")


PROPERTY_SUITE = Suite(
    name="random",
    dataset="random",
    relation="batch",
    expectations=[
        _e("expect_table_row_count_to_be_between", min_value=5, max_value=30),
        _e("expect_table_columns_to_match_set", column_set=["id", "score", "cat", "ts"]),
        _e("expect_column_values_to_be_in_type_list", column="score", type_list=["Float64Dtype"]),
        _e("expect_column_values_to_not_be_null", column="id"),
        _e("expect_column_values_to_not_be_null", column="cat", mostly=0.8),
        _e("expect_column_values_to_be_unique", column="id"),
        _e("expect_compound_columns_to_be_unique", column_list=["id", "cat"]),
        _e("expect_column_values_to_be_between", column="score", min_value=-3.5, max_value=3.5, mostly=0.7),
        _e("expect_column_values_to_be_between", column="id", min_value=0, strict_min=True),
        _e(
            "expect_column_values_to_be_between",
            column="ts",
            min_value="2026-01-10T00:00:00",
            max_value="2026-03-01T00:00:00",
        ),
        _e("expect_column_values_to_be_in_set", column="cat", value_set=["a", "b", "ab"]),
        _e("expect_column_values_to_not_be_in_set", column="id", value_set=[0, 1]),
        _e("expect_column_values_to_match_regex", column="cat", regex="^a"),
        _e("expect_column_values_to_not_match_regex", column="cat", regex="b$"),
        _e("expect_column_value_lengths_to_be_between", column="cat", min_value=1, max_value=1),
        _e("expect_column_mean_to_be_between", column="score", min_value=-1, max_value=1),
        _e("expect_column_median_to_be_between", column="id", min_value=2, max_value=6),
        _e("expect_column_stdev_to_be_between", column="score", max_value=2.5),
        _e("expect_column_min_to_be_between", column="id", min_value=0),
        _e("expect_column_max_to_be_between", column="score", max_value=4),
        _e("expect_column_sum_to_be_between", column="id", min_value=10, max_value=60),
        _e("expect_column_unique_value_count_to_be_between", column="cat", min_value=2),
        _e("expect_column_proportion_of_unique_values_to_be_between", column="id", min_value=0.6),
        _e(
            "expect_column_quantile_values_to_be_between",
            column="score",
            quantile_ranges={
                "quantiles": [0.1, 0.5, 0.75, 0.9],
                "value_ranges": [[-5, 0], [-1, 1], [0, 2], [None, 3]],
            },
        ),
    ],
)

ROWS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(0, 9)),
        st.one_of(st.none(), st.floats(-5, 5, allow_nan=False).map(lambda x: round(x, 3))),
        st.one_of(st.none(), st.sampled_from(["a", "b", "ab", "c", "ba"])),
        st.integers(0, 90),
    ),
    min_size=1,
    max_size=25,
)


# no shrinking: a failing example is printed as found (shrinking re-runs GX hundreds of times)
@hsettings(
    max_examples=int(os.environ.get("QUALITY_PROPERTY_EXAMPLES", "15")),
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=ROWS)
def test_engines_agree_on_random_batches(rows: list[tuple[Any, ...]]) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE batch (id BIGINT, score DOUBLE, cat VARCHAR, day INTEGER)")
    con.executemany("INSERT INTO batch VALUES (?, ?, ?, ?)", rows)
    con.execute(
        "CREATE VIEW v AS SELECT id, score, cat, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_days(day) AS ts FROM batch"
    )
    columns = columns_of(con, "v")
    assert supports(PROPERTY_SUITE, columns)
    gx = validate_gx(to_pandas(con, columns, "v"), PROPERTY_SUITE)
    sql = validate_sql(con, "v", columns, PROPERTY_SUITE)
    assert [comparable(o) for o in sql] == [comparable(o) for o in gx]
