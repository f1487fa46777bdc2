"""The SQL the ML engine generates keeps the arithmetic of the tree it built (``sqlexpr.sql``)."""

from __future__ import annotations

import duckdb
from sqlglot import exp

from warehouse.ml.sqlexpr import add, col, num, sql


def _value(tree: exp.Expr) -> float:
    con = duckdb.connect()
    row = con.execute(
        sql(exp.select(tree).from_("(SELECT 2.0 AS a, 3.0 AS b, 5.0 AS c, 7.0 AS d)"))
    ).fetchone()
    assert row is not None
    return float(row[0])


def test_nested_arithmetic_keeps_its_grouping_at_every_depth() -> None:
    """a / (b * (c + d)): the innermost sum was printed unparenthesized (a / (b * c + d))."""
    inner = exp.Add(this=col("c"), expression=col("d"))
    tree = exp.Div(this=col("a"), expression=exp.Mul(this=col("b"), expression=inner))
    assert _value(tree) == 2.0 / (3.0 * (5.0 + 7.0))


def test_right_nested_differences_keep_their_grouping() -> None:
    tree = exp.Sub(
        this=col("a"),
        expression=exp.Sub(this=col("b"), expression=exp.Sub(this=col("c"), expression=col("d"))),
    )
    assert _value(tree) == 2.0 - (3.0 - (5.0 - 7.0))


def test_a_long_sum_prints_every_term_exactly_once() -> None:
    terms = [exp.Mul(this=col("a"), expression=num(float(i))) for i in range(30)]
    assert _value(add(terms)) == 2.0 * sum(range(30))


def test_the_tree_given_is_left_unchanged() -> None:
    tree = exp.select(exp.Div(this=col("a"), expression=exp.Mul(this=col("b"), expression=col("c"))))
    before = tree.sql("duckdb")
    sql(tree)
    assert tree.sql("duckdb") == before
