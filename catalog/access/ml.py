"""BigQuery ML calls in a principal's query: the hook the warehouse implements, and the model grants.

A principal may call ``ML.PREDICT``, ``ML.EVALUATE``, ``ML.DETECT_ANOMALIES`` ... on a model a grant
lets them read (BigQuery's ``bigquery.models.getData``, which ``roles/bigquery.dataViewer`` on the
model's dataset gives), over input rows they may read. The access layer decides; the warehouse, which
catalog never imports, does what only it knows through ``MLCompiler`` (structural typing: the warehouse's
adapter does not import this module either). The wiring layer passes it to ``run_query``.

Where each step runs:

- privileged side: parse the query, name the models it calls, export each permitted model's registry
  row and parameter tables (small Arrow tables), and list the rows every ML call reads (its input, or
  the training query when a function falls back to it) so that the usual analysis decides, builds and
  masks those relations like any other;
- restricted instance: the model tables sit beside the principal's relations, and the query is
  compiled to plain DuckDB SQL *there*. Whatever the engine computes while compiling (EVALUATE's
  metrics, a TRANSFORM's column list, scratch tables of small results) therefore sees only the
  principal's filtered, masked rows and never leaves that instance; the principal's own subqueries
  never run on the privileged connection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import duckdb
import pyarrow as pa
from sqlglot import exp


class MLCompiler(Protocol):
    """What the access layer needs from the warehouse's ML engine."""

    def parse(self, text: str) -> list[exp.Expr]:
        """Statements of ``text`` in BigQuery SQL with BigQuery ML; ``UsageError`` (one line) otherwise."""
        ...

    def uses_ml(self, tree: exp.Expr) -> bool:
        """Whether ``tree`` calls any ML function (table functions such as ML.PREDICT, or ML.BUCKETIZE ...)."""
        ...

    def models(self, tree: exp.Expr) -> list[str]:
        """The models ``tree``'s ML table functions read, as lower-case ``dataset.model`` names."""
        ...

    def export(self, warehouse: duckdb.DuckDBPyConnection, model: str) -> Mapping[str, pa.Table] | None:
        """``model``'s registry row and parameter tables (relation name -> rows), or None without such a model.

        ``warehouse`` is a privileged cursor whose current database is the warehouse (read-only).
        """
        ...

    def reads(self, tree: exp.Expr, models: Mapping[str, pa.Table]) -> exp.Expr:
        """``tree`` with every ML table function replaced by the rows it reads (a subquery), for the analysis.

        ``models``: the exported relations of every model the tree calls.
        """
        ...

    def compile(self, con: duckdb.DuckDBPyConnection, tree: exp.Expr) -> str:
        """DuckDB SQL for ``tree``, its ML calls compiled, on ``con`` (the restricted instance)."""
        ...


def merge_exports(exports: Sequence[Mapping[str, pa.Table]]) -> dict[str, pa.Table]:
    """One relation per name: the models' rows of a shared table (the registry) concatenated."""
    merged: dict[str, list[pa.Table]] = {}
    for export in exports:
        for name, rows in export.items():
            merged.setdefault(name.lower(), []).append(rows)
    return {name: pa.concat_tables(parts) for name, parts in merged.items()}
