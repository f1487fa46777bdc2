"""Column statistics and PII findings for one relation, computed with SQL in DuckDB.

One scan gives the row count and, per column, the non-null count, an approximate distinct count,
min, max and top values (for types where those mean something); a reservoir sample of the text and
date columns feeds the PII detector. Works for lake tables and warehouse tables alike; names reach the SQL
only quoted (``lakehouse.quoting``), so the catalog's update after an ingest imports no SQL parser.
"""

from __future__ import annotations

import re
from typing import Any

import duckdb

from catalog import pii
from catalog.model import LINEAGE_COLUMNS, ColumnStats, PiiFinding
from lakehouse.quoting import ident

SAMPLE_ROWS = 200
TOP_VALUES = 5
#: types for which min/max/top values mean something
ORDERABLE = re.compile(
    r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|DECIMAL.*|DATE|TIME.*|VARCHAR|BOOLEAN|UUID)$"
)
#: types whose sampled values are worth showing to the PII detector
SAMPLED = re.compile(r"^(VARCHAR|DATE|TIMESTAMP.*)$")


def stats_sql(relation: str, columns: list[tuple[str, str]]) -> str:
    """One scan: count(*), then per column count, approx distinct, min, max, top values.

    ``relation``: a quoted name (``lakehouse.quoting.qualified``)."""
    select = ["count(*) AS n"]
    for i, (name, type_) in enumerate(columns):
        c = ident(name)
        select.append(f"count({c}) AS c{i}_count")
        if ORDERABLE.match(type_):
            select += [
                f"approx_count_distinct({c}) AS c{i}_distinct",
                f"CAST(min({c}) AS VARCHAR) AS c{i}_min",
                f"CAST(max({c}) AS VARCHAR) AS c{i}_max",
                f"approx_top_k(CAST({c} AS VARCHAR), {TOP_VALUES}) AS c{i}_top",
            ]
    return f"SELECT {', '.join(select)} FROM {relation}"  # noqa: S608 - quoted names


def sample_sql(relation: str, columns: list[str]) -> str:
    listed = ", ".join(ident(c) for c in columns)
    sample = f"USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (42)"
    return f"SELECT {listed} FROM {relation} {sample}"  # noqa: S608 - quoted names


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
    con: duckdb.DuckDBPyConnection, relation: str, columns: list[tuple[str, str]]
) -> tuple[int, list[ColumnStats], dict[str, PiiFinding | None]]:
    """Row count, per-column statistics (in column order) and PII findings by column name (``relation``:
    a quoted name, ``lakehouse.quoting.qualified``)."""
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
