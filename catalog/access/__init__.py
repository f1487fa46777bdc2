"""Role-based access rules with BigQuery semantics, enforced on every read path.

Public API:

- ``load_policy(settings) -> Policy`` - the validated policy file;
- ``Principal`` - a user and/or groups and roles;
- ``run_query(settings, principal, sql) -> QueryResult`` - the principal's SQL in a restricted
  DuckDB instance holding only filtered, masked relations (audited; ``AccessDenied`` when denied);
- ``check(settings, principal, table) -> TableAccess`` - columns raw / masked / denied, row rules;
- ``visibility(settings, principal)`` - the catalog's search/show filter;
- ``compile_bigquery(settings) -> CompiledPolicy`` - row access policy DDL and Data Policy API JSON.
"""

from catalog.access.compile_bigquery import CompiledPolicy, compile_bigquery
from catalog.access.decisions import ColumnAccess, TableAccess
from catalog.access.policy import Policy, PolicyError, Principal, load_policy
from catalog.access.session import QueryResult, check, run_query, visibility

__all__ = [
    "ColumnAccess",
    "CompiledPolicy",
    "Policy",
    "PolicyError",
    "Principal",
    "QueryResult",
    "TableAccess",
    "check",
    "compile_bigquery",
    "load_policy",
    "run_query",
    "visibility",
]
