"""Column statistics and PII findings for one relation, computed with SQL in DuckDB.

One scan gives the row count and, per column, the non-null count, an approximate distinct count,
min, max and top values (for types where those mean something); a reservoir sample of the text and
date columns feeds the PII detector. Works for lake tables and warehouse tables alike; all SQL is
built with sqlglot from quoted identifiers.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
from sqlglot import exp

from catalog import pii
from catalog.model import LINEAGE_COLUMNS, ColumnStats, PiiFinding

SAMPLE_ROWS = 200
TOP_VALUES = 5
#: types for which min/max/top values mean something
ORDERABLE = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|DECIMAL.*|DATE|TIME.*|VARCHAR|BOOLEAN|UUID)$"
)
#: types whose sampled values are worth showing to the PII detector
SAMPLED = re.compile(r"^(VARCHAR|DATE|TIMESTAMP.*)$")


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def stats_sql(relation: exp.Table, columns: list[tuple[str, str]]) -> str:
    """One scan: count(*), then per column count, approx distinct, min, max, top values."""
    select: list[exp.Expr] = [exp.Count(this=exp.Star()).as_("n")]
    for i, (name, type_) in enumerate(columns):
        c = _col(name)
        select.append(exp.Count(this=c).as_(f"c{i}_count"))
        if ORDERABLE.match(type_):
            top = exp.Anonymous(
                this="approx_top_k", expressions=[exp.cast(c, "VARCHAR"), exp.Literal.number(TOP_VALUES)]
            )
            select += [
                exp.Anonymous(this="approx_count_distinct", expressions=[c]).as_(f"c{i}_distinct"),
                exp.cast(exp.Min(this=c), "VARCHAR").as_(f"c{i}_min"),
                exp.cast(exp.Max(this=c), "VARCHAR").as_(f"c{i}_max"),
                top.as_(f"c{i}_top"),
            ]
    return exp.select(*select).from_(relation).sql("duckdb")


def sample_sql(relation: exp.Table, columns: list[str]) -> str:
    query = exp.select(*[_col(c) for c in columns]).from_(relation)
    return query.sql("duckdb") + f" USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (42)"


def _column_stats(row: dict[str, Any], i: int, rows: int) -> ColumnStats:
    count = row[f"c{i}_count"]
    distinct = row.get(f"c{i}_distinct")
    # top values of a (nearly) unique column say nothing
    top = row.get(f"c{i}_top") or [] if distinct is not None and distinct <= count / 2 else []
    return ColumnStats(
        null_fraction=round(1 - count / rows, 4) if rows else None,
        distinct_count=distinct,
        min=row.get(f"c{i}_min"),
        max=row.get(f"c{i}_max"),
        top_values=tuple(str(v) for v in top if v is not None),
    )


def profile(
    con: duckdb.DuckDBPyConnection, relation: exp.Table, columns: list[tuple[str, str]]
) -> tuple[int, list[ColumnStats], dict[str, PiiFinding | None]]:
    """Row count, per-column statistics (in column order) and PII findings by column name."""
    cursor = con.execute(stats_sql(relation, columns))
    row = dict(zip([d[0] for d in cursor.description or []], cursor.fetchone() or (), strict=True))
    rows = int(row.get("n") or 0)
    sampled = [c for c, t in columns if SAMPLED.match(t) and c not in LINEAGE_COLUMNS]
    samples: dict[str, list[Any]] = {c: [] for c in sampled}
    if sampled and rows:
        for values in con.execute(sample_sql(relation, sampled)).fetchall():
            for c, v in zip(sampled, values, strict=True):
                samples[c].append(v)
    findings = {c: None if c in LINEAGE_COLUMNS else pii.detect(c, samples.get(c, ())) for c, _ in columns}
    return rows, [_column_stats(row, i, rows) for i in range(len(columns))], findings
