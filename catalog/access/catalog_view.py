"""The catalog's view of the policy for one principal (``catalog.view.CatalogView``), from the policy file.

``visibility(settings, principal)`` loads the policy and resolves the principal once; the view then
answers per table and column from ``decisions`` and ``rows`` (the same code that builds a principal's
restricted session), remembering each answer, so a search that re-checks hundreds of candidates pays
for each table and column once. Names are taken the way the catalog writes them (``lake.customers``,
``main.fct_orders``) or the way SQL may reach them (``customers``, ``lake.main.customers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.simplify import simplify

from catalog.access.decisions import column_kind
from catalog.access.policy import Policy, Principal, load_policy
from catalog.access.rows import RowDecision, decide_rows
from catalog.view import CatalogView, ColumnView
from lakehouse.settings import Settings


@dataclass(frozen=True)
class PolicyView:
    """What ``principal`` (resolved) may see of each table under ``policy``; a ``CatalogView``."""

    policy: Policy
    principal: Principal
    _tables: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    _columns: dict[tuple[str, str], ColumnView] = field(default_factory=dict, repr=False, compare=False)
    _rows: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    _models: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    def table(self, name: str) -> bool:
        key = canonical_name(name)
        if key not in self._tables:
            self._tables[key] = self.policy.may_read_table(self.principal, key)
        return self._tables[key]

    def model(self, name: str) -> bool:
        key = name.lower()
        if key not in self._models:
            self._models[key] = self.policy.may_read_model(self.principal, key)
        return self._models[key]

    def column(self, name: str, column: str) -> ColumnView:
        key = (canonical_name(name), column.lower())
        if key not in self._columns:
            readable = self.table(key[0])
            self._columns[key] = column_kind(self.policy, self.principal, *key)[0] if readable else "denied"
        return self._columns[key]

    def full_rows(self, name: str) -> bool:
        key = canonical_name(name)
        if key not in self._rows:
            user = session_user(self.policy, self.principal)
            self._rows[key] = every_row(decide_rows(self.policy, self.principal, key, session_user=user))
        return self._rows[key]


def every_row(rows: RowDecision) -> bool:
    """True when the decision keeps every row: no rule on the table, or the covering rules' union is TRUE."""
    if not rows.has_rules:
        return True
    if not rows.applied or rows.filter_sql is None:  # rules exist, none covers the principal: zero rows
        return False
    tree = simplify(sqlglot.parse_one(rows.filter_sql, read="duckdb"))
    return isinstance(tree, exp.Boolean) and tree.this is True


def visibility(settings: Settings, principal: Principal) -> CatalogView:
    """The catalog's search/show view for ``principal`` (resolved here: an unknown name is an error)."""
    policy = load_policy(settings)
    return PolicyView(policy, policy.resolve(principal))


def session_user(policy: Policy, principal: Principal) -> str | None:
    """What ``SESSION_USER()`` returns in a row filter: the user's e-mail, else the user name."""
    if principal.user is None:
        return None
    return policy.users[principal.user].email or principal.user


def canonical_name(table: str) -> str:
    """``customers`` / ``lake.main.customers`` -> ``lake.customers``; ``warehouse.main.x`` -> ``main.x``."""
    parts = table.lower().split(".")
    if len(parts) == 1:
        return f"lake.{parts[0]}"
    if len(parts) == 3:
        return f"lake.{parts[2]}" if parts[0] == "lake" else f"{parts[1]}.{parts[2]}"
    return ".".join(parts)
