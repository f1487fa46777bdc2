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

from catalog.access.policy import Policy, Principal
from catalog.access.privileged import Privileged
from catalog.access.store import RelationFile
from lakehouse.errors import AccessDenied, UsageError


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


def export_models(
    priv: Privileged,
    policy: Policy,
    principal: Principal,
    compiler: MLCompiler,
    tree: exp.Expr,
    read: list[str],
) -> dict[str, pa.Table]:
    """The registry rows and parameter tables of the models ``tree`` calls; AccessDenied without a grant."""
    exports = []
    warehouse = None
    try:
        for model in compiler.models(tree):
            read.append(model.lower())
            exported = None
            if policy.may_read_model(principal, model.lower()):
                warehouse = warehouse or priv.warehouse()
                exported = compiler.export(warehouse, model) if warehouse is not None else None
            if exported is None:  # one message for "missing" and "not permitted", as for tables
                raise AccessDenied(
                    f"model {model!r} does not exist or {principal.label} may not read it",
                    hint="a grant's models: [...] lists the models a principal may use",
                )
            exports.append(exported)
    finally:
        if warehouse is not None:
            warehouse.close()
    return merge_exports(exports)


def with_models(relations: dict[str, RelationFile], exported: dict[str, pa.Table]) -> dict[str, RelationFile]:
    """The principal's relations plus the models' tables (in memory only: small, and never cached)."""
    clash = sorted(set(relations) & set(exported))
    if clash:
        raise UsageError(
            f"the query reads {clash[0]} both as a table and as a model's parameters",
            hint="read the model through its ML functions (ML.WEIGHTS, ML.CENTROIDS ...) in a query of its own",
        )
    models = {
        name: RelationFile(name, None, temporary=True, built=True, data=rows)
        for name, rows in exported.items()
    }
    return {**relations, **models}


def merge_exports(exports: Sequence[Mapping[str, pa.Table]]) -> dict[str, pa.Table]:
    """One relation per name: the models' rows of a shared table (the registry) concatenated."""
    merged: dict[str, list[pa.Table]] = {}
    for export in exports:
        for name, rows in export.items():
            merged.setdefault(name.lower(), []).append(rows)
    return {name: pa.concat_tables(parts) for name, parts in merged.items()}
