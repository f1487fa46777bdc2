"""BigQuery's INFORMATION_SCHEMA views for a principal: only the tables and columns the policy lets it read.

The privileged side lists every relation; a table the principal may not read is left out, and so is
every column it may neither read raw nor masked (a masked column is listed: the principal can select
it). The rows are handed to the restricted session as relations of their own, under
``lakehouse.information_schema.SESSION_SCHEMA``, and the query is rewritten to read them there - the
session never holds DuckDB's own catalog of the lake or the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
from sqlglot import exp

from catalog.access.analysis import ParsedQuery
from catalog.access.catalog_view import PolicyView
from catalog.access.privileged import Privileged
from lakehouse import information_schema
from lakehouse.errors import AccessDenied, UsageError


@dataclass(frozen=True)
class Wanted:
    """One view the query reads: the relation name it reads it under in the session."""

    relation: str  # SESSION_SCHEMA.name
    view: str
    dataset: str | None


def extract(parsed: ParsedQuery) -> tuple[ParsedQuery, list[Wanted]]:
    """``parsed`` reading its INFORMATION_SCHEMA views from the session's relations, and those views."""
    if not information_schema.references(parsed.ml if parsed.ml is not None else parsed.tree):
        return parsed, []
    if parsed.ml is not None:
        raise UsageError(
            "INFORMATION_SCHEMA and ML functions cannot be combined in one query",
            hint="query INFORMATION_SCHEMA on its own",
        )
    tree = parsed.tree.copy()
    wanted = []
    for i, ref in enumerate(information_schema.references(tree)):
        name = f"{ref.view.lower()}_{i}"
        alias = ref.node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(ref.view.lower()))
        node = exp.table_(name, db=information_schema.SESSION_SCHEMA)
        node.set("alias", alias)
        ref.node.replace(node)
        wanted.append(Wanted(f"{information_schema.SESSION_SCHEMA}.{name}", ref.view, ref.dataset))
    return ParsedQuery(sql=tree.sql("duckdb"), dialect=parsed.dialect, tree=tree), wanted


def views(priv: Privileged, view: PolicyView, wanted: list[Wanted]) -> dict[str, pa.Table]:
    """The rows of each wanted view as ``view.principal`` may see them (relation name -> rows)."""
    if not wanted:
        return {}
    listed = visible(priv, view)
    datasets = {r.dataset.lower() for r in listed}
    out = {}
    for want in wanted:
        if want.dataset is not None and want.dataset not in datasets:
            raise AccessDenied(
                f"dataset {want.dataset!r} does not exist or {view.principal.label} may not read any of its tables",
                hint="INFORMATION_SCHEMA.SCHEMATA lists the datasets you may read",
            )
        out[want.relation] = information_schema.rows(want.view, want.dataset, listed)
    return out


def visible(priv: Privileged, view: PolicyView) -> list[information_schema.Listed]:
    """Every relation the principal may read, with the columns it may select (raw or masked)."""
    out = []
    for canonical, relation in sorted(priv.relations().items()):
        if not view.table(canonical):
            continue
        dataset = "lake" if canonical.startswith("lake.") else relation.schema
        columns = tuple(
            (name, type_, True)
            for name, type_ in relation.columns
            if view.column(canonical, name) != "denied"
        )
        out.append(
            information_schema.Listed(dataset, relation.table, "view" if relation.view else "table", columns)
        )
    return out
