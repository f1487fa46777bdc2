"""Role-based access rules with BigQuery semantics, enforced on every read path.

Public API:

- ``load_policy(settings) -> Policy`` - the validated policy file;
- ``Principal`` - a user and/or groups and roles;
- ``run_query(settings, principal, sql, compile_ml=None) -> QueryResult`` - the principal's SQL in a
  restricted DuckDB instance holding only filtered, masked relations (audited; ``AccessDenied`` when
  denied); BigQuery ML calls need ``compile_ml``, the warehouse's ``MLCompiler``;
- ``MLCompiler`` - the protocol the warehouse's ML compiler implements (the wiring layer passes it);
- ``check(settings, principal, table) -> TableAccess`` - columns raw / masked / denied, row rules;
- ``visibility(settings, principal) -> PolicyView`` - the catalog's view for search and show
  (``catalog.view.CatalogView``: tables, columns raw / masked / denied, full rows or not);
- ``compile_bigquery(settings) -> CompiledPolicy`` - row access policy DDL and Data Policy API JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakehouse import lazy

if TYPE_CHECKING:
    from catalog.access.catalog_view import PolicyView, visibility
    from catalog.access.compile_bigquery import CompiledPolicy, compile_bigquery
    from catalog.access.decisions import ColumnAccess, TableAccess
    from catalog.access.ml import MLCompiler
    from catalog.access.policy import Policy, PolicyError, Principal, load_policy
    from catalog.access.session import QueryResult, check, run_query

#: public names and their modules, imported on first use (``lakehouse.connect`` imports
#: ``catalog.access.encryption`` for every connection and must stay light). ``compile_bigquery`` is
#: named like its module and stays the function when that is imported (``lakehouse.lazy.exports``).
_EXPORTS = {
    "ColumnAccess": "catalog.access.decisions",
    "TableAccess": "catalog.access.decisions",
    "CompiledPolicy": "catalog.access.compile_bigquery",
    "compile_bigquery": "catalog.access.compile_bigquery",
    "MLCompiler": "catalog.access.ml",
    "Policy": "catalog.access.policy",
    "PolicyError": "catalog.access.policy",
    "Principal": "catalog.access.policy",
    "load_policy": "catalog.access.policy",
    "QueryResult": "catalog.access.session",
    "check": "catalog.access.session",
    "run_query": "catalog.access.session",
    "PolicyView": "catalog.access.catalog_view",
    "visibility": "catalog.access.catalog_view",
}


__getattr__ = lazy.exports("catalog.access", _EXPORTS, functions=("compile_bigquery",))


__all__ = [
    "ColumnAccess",
    "CompiledPolicy",
    "MLCompiler",
    "Policy",
    "PolicyError",
    "PolicyView",
    "Principal",
    "QueryResult",
    "TableAccess",
    "check",
    "compile_bigquery",
    "load_policy",
    "run_query",
    "visibility",
]
