"""Profile a table and write a starter suite for a human to review (never used as is by the gate).

The profile comes from DuckDB's SUMMARIZE (one pass); each column gets the checks its statistics support:
not-null when it has no NULLs, unique when every value is distinct, ranges from min/max for numbers, a value
set for low-cardinality text, and the column set and types of the table. All start at ``warning`` severity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from lakehouse.connect import connect, lake_exists
from lakehouse.errors import NotFoundError
from lakehouse.settings import Settings
from quality.frame import Column, columns_of, table_sql

VALUE_SET_MAX = 12  # distinct values up to which a text column gets an in-set check
LINEAGE = ("_source_uri", "_source_line", "_batch_id", "_ingested_at")


def suggest(settings: Settings, dataset: str, relation: str | None = None, out: Path | None = None) -> Path:
    """Write ``<quality_dir>/suggested/<dataset>.json`` (or ``out``) and return its path.

    The draft goes to the data home, not the suites folder, so it never runs before a human has reviewed it
    and copied it to ``quality/expectations/``.
    """
    relation = relation or f"lake.{dataset}"
    if not lake_exists(settings):
        raise NotFoundError(f"cannot profile {relation}: the lake is empty", hint=f"ingest {dataset} first")
    con = connect(settings, lake_read_only=True)
    try:
        try:
            columns = [c for c in columns_of(con, relation) if c.name not in LINEAGE]
        except duckdb.Error as exc:
            raise NotFoundError(
                f"cannot profile {relation}: {str(exc).splitlines()[0]}", hint="ingest it first"
            ) from exc
        profile = {
            row[0]: row for row in con.execute(f"SUMMARIZE SELECT * FROM {table_sql(relation)}").fetchall()
        }
        rows = int(con.execute(f"SELECT count(*) FROM {table_sql(relation)}").fetchall()[0][0])
        expectations = _table_expectations(columns, rows)
        for column in columns:
            expectations += _column_expectations(con, relation, column, profile[column.name], rows)
    finally:
        con.close()
    suite = {
        "name": dataset,
        "meta": {
            "relation": relation,
            "note": "suggested by `lakehouse quality suggest`: review, set severities, copy to quality/expectations/",
        },
        "expectations": expectations,
    }
    path = out or settings.quality_dir / "suggested" / f"{dataset}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(suite, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _expectation(kind: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": {"severity": "warning"}}


def _table_expectations(columns: list[Column], rows: int) -> list[dict[str, Any]]:
    return [
        _expectation("expect_table_row_count_to_be_between", min_value=1, max_value=max(10, rows * 10)),
        _expectation(
            "expect_table_columns_to_match_set", column_set=[c.name for c in columns], exact_match=False
        ),
    ]


def _column_expectations(
    con: Any, relation: str, column: Column, stats: tuple[Any, ...], rows: int
) -> list[dict[str, Any]]:
    # SUMMARIZE: column_name, column_type, min, max, approx_unique, avg, std, q25, q50, q75, count, null_percentage
    name, low, high, approx_unique, null_pct = stats[0], stats[2], stats[3], stats[4], float(stats[11] or 0)
    out: list[dict[str, Any]] = []
    if column.canonical is not None:
        out.append(
            _expectation(
                "expect_column_values_to_be_in_type_list", column=name, type_list=[column.canonical.gx_name]
            )
        )
    if null_pct == 0 and rows:
        out.append(_expectation("expect_column_values_to_not_be_null", column=name))
    kind = column.canonical.sql if column.canonical else None
    if kind in ("BIGINT", "VARCHAR") and rows and approx_unique >= rows * 0.95:
        distinct = con.execute(
            exp.select(exp.Count(this=exp.Distinct(expressions=[exp.column(name, quoted=True)])))
            .from_(table_sql(relation))
            .sql("duckdb")
        ).fetchall()[0][0]
        if distinct == rows:
            out.append(_expectation("expect_column_values_to_be_unique", column=name))
    if kind in ("BIGINT", "DOUBLE") and low is not None:
        number = int if kind == "BIGINT" else float
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                column=name,
                min_value=number(low),
                max_value=number(high),
            )
        )
    if kind == "VARCHAR" and approx_unique <= VALUE_SET_MAX:
        query = (
            exp.select(exp.column(name, quoted=True))
            .distinct()
            .from_(table_sql(relation))
            .where(exp.column(name, quoted=True).is_(exp.null()).not_())
        )
        values = sorted(r[0] for r in con.execute(query.sql("duckdb")).fetchall())
        if len(values) <= VALUE_SET_MAX:
            out.append(_expectation("expect_column_values_to_be_in_set", column=name, value_set=values))
    return out
