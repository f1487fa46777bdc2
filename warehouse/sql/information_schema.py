"""BigQuery's INFORMATION_SCHEMA views in the privileged front end: every lake and warehouse relation.

``lake.INFORMATION_SCHEMA.COLUMNS``, ``main.INFORMATION_SCHEMA.TABLES``, ``INFORMATION_SCHEMA.SCHEMATA``
... become small relations (``lakehouse.information_schema`` knows their shape) built from DuckDB's
own catalog of the session; a principal's session builds them from its policy instead
(``catalog.access``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from sqlglot import exp

from lakehouse import information_schema
from lakehouse.errors import NotFoundError

if TYPE_CHECKING:
    from warehouse.ml.model import Scratch

LISTING_SQL = (Path(__file__).with_name("information_schema.sql")).read_text()


def rewrite(con: duckdb.DuckDBPyConnection, tree: exp.Expr, scratch: Scratch) -> None:
    """Replace every INFORMATION_SCHEMA view in ``tree`` (in place) by its rows."""
    found = information_schema.references(tree)
    if not found:
        return
    listed = listing(con)
    datasets = {r.dataset.lower() for r in listed}
    for ref in found:
        if ref.dataset is not None and ref.dataset not in datasets:
            raise NotFoundError(
                f"no dataset {ref.dataset!r} for INFORMATION_SCHEMA.{ref.view}",
                hint="datasets: " + ", ".join(sorted(datasets)) if datasets else "the warehouse is empty",
            )
        query = scratch.arrow_relation(information_schema.rows(ref.view, ref.dataset, listed))
        alias = ref.node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(ref.view.lower()))
        ref.node.replace(exp.Subquery(this=query, alias=alias))


def listing(con: duckdb.DuckDBPyConnection) -> list[information_schema.Listed]:
    """Every lake table and warehouse relation of the session, with its columns."""
    return [
        information_schema.Listed(dataset, table, kind, tuple((c[0], c[1], bool(c[2])) for c in columns))
        for dataset, table, kind, columns in con.execute(LISTING_SQL).fetchall()
    ]
