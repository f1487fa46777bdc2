"""Both sides' histograms of a model's features, as the drift check sees them (the retrain report's pictures).

The base side is the model's stored training statistics (``<model>__training_statistics``), the study side
the same statistics computed in the warehouse over the current rows; one row per equal-width bucket
(numeric) or rank-histogram value (categorical), with its share of the side's rows.
"""

from __future__ import annotations

from typing import Any

import duckdb
from sqlglot import exp

from warehouse.ml import registry
from warehouse.ml.monitoring.statistics import COLUMNS, Column, statistics
from warehouse.ml.preprocessing.automatic import is_numeric_type
from warehouse.ml.sqlexpr import col, columns_of, ident, sql

#: bucket kinds drawn: equal-width buckets and point buckets (numeric), the rank histogram (categorical)
DRAWN = {"bucket", "point", "value"}


def histograms(con: duckdb.DuckDBPyConnection, model: registry.Model, table: str) -> list[dict[str, Any]]:
    """Both sides' histograms of every training feature the current rows still have with its kind."""
    stored = model.state.get("monitoring")
    if not stored:
        return []
    present = dict(columns_of(con, sql(exp.select("*").from_(exp.table_(ident(table))))))
    by_lower = {name.lower(): name for name in present}
    kept = [
        Column(name, is_numeric_type(dtype))
        for name, dtype in stored["columns"]
        if name.lower() in by_lower
        and is_numeric_type(present[by_lower[name.lower()]]) == is_numeric_type(dtype)
    ]
    if not kept:
        return []
    names = [exp.Literal.string(c.name) for c in kept]
    base = (
        exp.select(*[col(c) for c in COLUMNS])
        .from_(model.state_table("training_statistics"))
        .where(exp.column("feature").isin(*names))
    )
    source = exp.select(*[exp.alias_(col(by_lower[c.name.lower()]), ident(c.name)) for c in kept]).from_(
        exp.table_(ident(table))
    )
    study = statistics(source, kept, stored["num_histogram_buckets"], stored["num_rank_histogram_buckets"])
    rows: list[dict[str, Any]] = []
    for side, query in (("base (training)", base), ("study (current)", study)):
        cursor = con.execute(sql(query))
        fields = [d[0] for d in cursor.description or []]
        rows.extend(
            {**dict(zip(fields, r, strict=True)), "side": side}
            for r in cursor.fetchall()
            if r[fields.index("kind")] in DRAWN
        )
    return _shares(rows)


def _shares(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's count as a share of its feature's side (the two sides have different row counts)."""
    totals: dict[tuple[str, str], float] = {}
    for row in rows:
        key = (row["feature"], row["side"])
        totals[key] = totals.get(key, 0.0) + float(row["count"] or 0)
    for row in rows:
        total = totals[(row["feature"], row["side"])]
        row["share"] = float(row["count"] or 0) / total if total else 0.0
    return rows
