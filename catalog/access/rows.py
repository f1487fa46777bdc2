"""Row rules (BigQuery row access policies) for one principal on one table.

- no rule on the table: every row;
- rules exist: the union (OR) of the filters of the rules that cover the principal;
- rules exist but none covers the principal: zero rows, not an error.

Filters are BigQuery SQL, evaluated on raw values before masking and before the user's own
predicates; they are transpiled to DuckDB here. ``SESSION_USER()`` becomes the principal's user.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

if TYPE_CHECKING:
    from catalog.access.policy import Policy, Principal


@dataclass(frozen=True)
class RowDecision:
    has_rules: bool  # the table has row rules at all
    applied: tuple[str, ...]  # names of the rules that cover the principal
    filter_sql: str | None  # DuckDB predicate on raw values; None means every row

    @property
    def describe(self) -> str:
        if not self.has_rules:
            return "all rows (no row rules)"
        if not self.applied:
            return "no rows (no row rule covers this principal)"
        return f"rows where {self.filter_sql} (rules: {', '.join(self.applied)})"


def decide_rows(
    policy: Policy, principal: Principal, table: str, *, session_user: str | None = None
) -> RowDecision:
    rules = policy.rules_on(table)
    if not rules:
        return RowDecision(has_rules=False, applied=(), filter_sql=None)
    mine = principal.grantees()
    applied = [r for r in rules if mine & set(r.grant_to)]
    if not applied:
        return RowDecision(has_rules=True, applied=(), filter_sql="FALSE")
    user = session_user if session_user is not None else (principal.user or "")
    predicates = [_to_duckdb(r.filter, user) for r in applied]
    combined = predicates[0] if len(predicates) == 1 else exp.or_(*(exp.paren(p) for p in predicates))
    return RowDecision(
        has_rules=True, applied=tuple(r.name for r in applied), filter_sql=combined.sql("duckdb")
    )


def _to_duckdb(predicate: str, user: str) -> exp.Expr:
    tree = sqlglot.parse_one(predicate, read="bigquery")

    def session_user(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.SessionUser | exp.CurrentUser) or (
            isinstance(node, exp.Anonymous) and node.name.upper() == "SESSION_USER"
        ):
            return exp.Literal.string(user)
        return node

    return tree.transform(session_user)  # WHERE keeps only TRUE: a NULL filter hides the row
