"""Validate a suite in DuckDB with SQL, reproducing GX's pandas-engine results.

One scan computes every row-level count and column statistic; uniqueness and quantiles add one query each;
failing values are fetched only for failed checks. The batch is read through ``frame.canonical_select``,
the same view GX validates, so both engines judge the same values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
from sqlglot import exp

from quality.frame import Column, canonical_select
from quality.outcome import EXAMPLES, Outcome, plain
from quality.sql_checks import (
    AGGREGATES,
    ROW_CONDITIONS,
    mostly_success,
    reproducible,
    type_mismatch,
    value_between,
)
from quality.suites import Expectation, Suite

BATCH = "batch"
#: expectation types with their own query shape -> the SqlValidator method that plans them
PLANNERS = {
    "expect_column_values_to_not_be_null": "plan_not_null",
    "expect_column_values_to_be_unique": "plan_unique",
    "expect_compound_columns_to_be_unique": "plan_unique",
    "expect_column_quantile_values_to_be_between": "plan_quantiles",
}
Finish = Callable[[tuple[Any, ...]], Outcome]


def supports(suite: Suite, columns: list[Column]) -> bool:
    """True when every expectation of ``suite`` has a translation proven to match GX on these columns."""
    types = {c.name: c.canonical.sql if c.canonical else None for c in columns}
    return all(
        reproducible(e.type, e.kwargs, types.get(e.kwargs.get("column", ""))) for e in suite.expectations
    )


class SqlValidator:
    def __init__(self, con: duckdb.DuckDBPyConnection, relation: str, columns: list[Column]) -> None:
        self.con = con
        self.relation = relation
        self.columns = {c.name: c for c in columns}
        self.source = canonical_select(columns, relation)
        self.scan: list[exp.Expr] = [exp.Count(this=exp.Star())]

    # --- plumbing ---------------------------------------------------------------------------
    def query(self, select: exp.Select) -> list[tuple[Any, ...]]:
        sql = select.with_(BATCH, as_=self.source).sql("duckdb")
        return self.con.execute(sql).fetchall()

    def add(self, expression: exp.Expr) -> int:
        self.scan.append(expression)
        return len(self.scan) - 1

    def col(self, name: str) -> exp.Column:
        return exp.column(name, quoted=True)

    def sql_type(self, name: str) -> str | None:
        canonical = self.columns[name].canonical
        return canonical.sql if canonical else None

    def examples(self, column: str, condition: exp.Expr) -> list[Any]:
        rows = self.query(exp.select(self.col(column)).from_(BATCH).where(condition).limit(EXAMPLES))
        return [plain(r[0]) for r in rows]

    # --- run --------------------------------------------------------------------------------
    def validate(self, suite: Suite) -> list[Outcome]:
        finishers = [self.plan(e) for e in suite.expectations]
        row = self.query(exp.select(*self.scan).from_(BATCH))[0]
        return [finish(row) for finish in finishers]

    def plan(self, e: Expectation) -> Finish:
        missing = [c for c in _columns(e) if c not in self.columns]
        if missing and e.type != "expect_column_to_exist":
            error = f"column {missing[0]!r} not found in {self.relation}; columns: {', '.join(self.columns)}"
            return lambda row: Outcome(e.type, e.kwargs, e.severity, success=False, error=error)
        if "column" in e.kwargs:
            mismatch = type_mismatch(e.type, e.kwargs, self.sql_type(e.kwargs["column"]))
            if mismatch:
                return lambda row: Outcome(e.type, e.kwargs, e.severity, success=False, error=mismatch)
        if e.type in ROW_CONDITIONS:
            return self.plan_row_condition(e)
        if e.type in AGGREGATES:
            index = self.add(AGGREGATES[e.type](self.col(e.kwargs["column"])))
            return lambda row: _observed(e, plain(row[index]), value_between(row[index], e.kwargs))
        planner: Callable[[Expectation], Finish] = getattr(self, PLANNERS.get(e.type, "plan_table"))
        return planner(e)

    def plan_row_condition(self, e: Expectation) -> Finish:
        name = e.kwargs["column"]
        col = self.col(name)
        unexpected = exp.and_(
            exp.not_(exp.Is(this=col, expression=exp.null())),
            ROW_CONDITIONS[e.type](col, e.kwargs, self.sql_type(name)),
        )
        nonnull, bad = self.add(exp.Count(this=col)), self.add(exp.func("count_if", unexpected))

        def finish(row: tuple[Any, ...]) -> Outcome:
            count = int(row[bad])
            success = mostly_success(int(row[nonnull]), count, e.kwargs.get("mostly"))
            return _map_outcome(
                e, success, int(row[0]), count, self.examples(name, unexpected) if count else []
            )

        return finish

    def plan_not_null(self, e: Expectation) -> Finish:
        col = self.col(e.kwargs["column"])
        nulls = self.add(exp.func("count_if", exp.Is(this=col, expression=exp.null())))

        def finish(row: tuple[Any, ...]) -> Outcome:
            total, count = int(row[0]), int(row[nulls])
            success = mostly_success(total, count, e.kwargs.get("mostly"))
            return _map_outcome(e, success, total, count, [None] * min(count, EXAMPLES))

        return finish

    def plan_unique(self, e: Expectation) -> Finish:
        names = list(e.kwargs.get("column_list") or [e.kwargs["column"]])
        cols = [self.col(n) for n in names]
        # single column: NULLs are not considered; compound: rows where all values are missing are skipped
        missing = [exp.Is(this=c, expression=exp.null()) for c in cols]
        skip = missing[0] if len(cols) == 1 else exp.and_(*missing)
        considered = self.add(exp.func("count_if", exp.not_(skip)))

        def finish(row: tuple[Any, ...]) -> Outcome:
            groups = (
                exp.select(*cols, exp.alias_(exp.Count(this=exp.Star()), "n"))
                .from_(BATCH)
                .where(exp.not_(skip))
                .group_by(*cols)
                .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.convert(1)))
            )
            dups = self.query(
                exp.select(*[exp.column(n, table="g", quoted=True) for n in names], "n").from_(
                    groups.subquery("g")
                )
            )
            count = sum(int(r[-1]) for r in dups)
            success = mostly_success(int(row[considered]), count, e.kwargs.get("mostly"))
            examples = [plain(r[0] if len(names) == 1 else list(r[:-1])) for r in dups[:EXAMPLES]]
            return _map_outcome(e, success, int(row[0]), count, examples)

        return finish

    def plan_quantiles(self, e: Expectation) -> Finish:
        col = self.col(e.kwargs["column"])
        nonnull = self.add(exp.Count(this=col))
        ranges = e.kwargs["quantile_ranges"]

        def finish(row: tuple[Any, ...]) -> Outcome:
            n = int(row[nonnull])
            if n == 0:  # pandas cannot take quantiles of nothing; GX reports the error
                return Outcome(
                    e.type,
                    e.kwargs,
                    e.severity,
                    success=False,
                    error="no non-null values to take quantiles of",
                )
            values = _nearest_quantiles(self, col, n, list(ranges["quantiles"]))
            success = all(
                v is not None and (lo is None or v >= lo) and (hi is None or v <= hi)
                for v, (lo, hi) in zip(values, ranges["value_ranges"], strict=True)
            )
            return _observed(e, {"quantiles": list(ranges["quantiles"]), "values": values}, success)

        return finish

    def plan_table(self, e: Expectation) -> Finish:
        names = list(self.columns)
        kw = e.kwargs
        checks: dict[str, Callable[[tuple[Any, ...]], tuple[Any, bool]]] = {
            "expect_table_row_count_to_be_between": lambda r: (r[0], value_between(r[0], kw)),
            "expect_table_row_count_to_equal": lambda r: (r[0], r[0] == kw["value"]),
            "expect_table_column_count_to_be_between": lambda r: (len(names), value_between(len(names), kw)),
            "expect_table_column_count_to_equal": lambda r: (len(names), len(names) == kw["value"]),
            "expect_table_columns_to_match_set": lambda r: (sorted(names), _match_set(names, kw)),
            "expect_table_columns_to_match_ordered_list": lambda r: (names, names == list(kw["column_list"])),
            "expect_column_to_exist": lambda r: (None, _exists(names, kw)),
            "expect_column_values_to_be_in_type_list": lambda r: self.type_check(
                kw["column"], kw.get("type_list")
            ),
            "expect_column_values_to_be_of_type": lambda r: self.type_check(kw["column"], [kw["type_"]]),
        }
        check = checks[e.type]

        def finish(row: tuple[Any, ...]) -> Outcome:
            observed, success = check(row)
            return _observed(e, observed, success)

        return finish

    def type_check(self, name: str, allowed: list[str] | None) -> tuple[Any, bool]:
        canonical = self.columns[name].canonical
        if canonical is None:
            return "object_", False
        return canonical.observed, allowed is None or canonical.gx_name in allowed


def validate_sql(
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[Column], suite: Suite
) -> list[Outcome]:
    return SqlValidator(con, relation, columns).validate(suite)


def _columns(e: Expectation) -> list[str]:
    if "column" in e.kwargs:
        return [e.kwargs["column"]]
    return list(e.kwargs.get("column_list") or []) if e.type == "expect_compound_columns_to_be_unique" else []


def _map_outcome(e: Expectation, success: bool, total: int, count: int, examples: list[Any]) -> Outcome:
    return Outcome(
        e.type, e.kwargs, e.severity, success, element_count=total, unexpected_count=count, examples=examples
    )


def _observed(e: Expectation, observed: Any, success: bool) -> Outcome:
    return Outcome(e.type, e.kwargs, e.severity, bool(success), observed_value=observed)


def _match_set(names: list[str], kwargs: dict[str, Any]) -> bool:
    expected, actual = set(kwargs["column_set"]), set(names)
    return expected == actual if kwargs.get("exact_match", True) else expected <= actual


def _exists(names: list[str], kwargs: dict[str, Any]) -> bool:
    index = kwargs.get("column_index")
    return kwargs["column"] in names and (index is None or names.index(kwargs["column"]) == index)


def _nearest_quantiles(v: SqlValidator, col: exp.Expr, n: int, quantiles: list[float]) -> list[Any]:
    """pandas ``quantile(q, interpolation="nearest")``: the values at index round-half-even(q * (n - 1)).

    pandas hands numpy ``q * 100``, which divides by 100 again; the index is computed the same way here.
    DuckDB's ``quantile_disc(x, f)`` picks index ceil(f * n) - 1, so f = (k + 0.5) / n selects index k.
    """
    import numpy as np  # start-up time: an ingest whose suite has no quantile check never imports numpy

    fractions = [
        (int(np.around((n - 1) * np.true_divide(np.float64(q) * 100.0, 100.0))) + 0.5) / n for q in quantiles
    ]
    query = exp.select(exp.func("quantile_disc", col, exp.convert(fractions))).from_(BATCH)
    return [plain(value) for value in v.query(query)[0][0]]
