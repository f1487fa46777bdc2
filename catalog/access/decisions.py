"""What one principal may do with one table: readable or not, each column raw / masked / denied.

This is the single place where the policy's semantics are decided (BigQuery's, see access.md):
a table needs a read grant; a column without a policy tag is raw; a tagged column is raw for its
fine-grained readers, masked with the strongest applicable rule for masked readers, else denied.
Row rules are decided in ``rows``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlglot import exp

from catalog.access.masking import mask_expression, strongest
from catalog.access.policy import Policy, Principal
from catalog.access.rows import RowDecision, decide_rows

ColumnKind = Literal["raw", "masked", "denied"]


@dataclass(frozen=True)
class ColumnAccess:
    name: str
    type: str
    kind: ColumnKind
    rule: str | None = None  # the masking rule for kind == "masked"
    policy_tag: str | None = None


@dataclass(frozen=True)
class TableAccess:
    """What ``principal`` sees of ``table`` (returned by ``check`` and used to build its session)."""

    table: str
    principal: str
    readable: bool
    columns: tuple[ColumnAccess, ...]
    rows: RowDecision

    @property
    def visible_columns(self) -> tuple[ColumnAccess, ...]:
        return tuple(c for c in self.columns if c.kind != "denied")

    @property
    def denied_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.kind == "denied")

    def column(self, name: str) -> ColumnAccess | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


def column_kind(
    policy: Policy, principal: Principal, table: str, column: str
) -> tuple[ColumnKind, str | None]:
    """Raw, masked (with the winning rule) or denied; ``principal`` must be resolved."""
    tagged = policy.tag_of(table, column)
    if tagged is None:
        return "raw", None
    _, tag = tagged
    mine = principal.grantees()
    if mine & set(tag.fine_grained_readers):
        return "raw", None
    rules = [m.rule for m in tag.masked_readers if mine & set(m.to)]
    if rules:
        return "masked", strongest(rules)
    return "denied", None


def decide_table(
    policy: Policy,
    principal: Principal,
    table: str,
    schema: list[tuple[str, str]],
    *,
    session_user: str | None = None,
) -> TableAccess:
    """The full decision for ``table`` whose live columns are ``schema`` (name, DuckDB type)."""
    readable = policy.may_read_table(principal, table)
    columns = []
    for name, duck_type in schema:
        kind, rule = column_kind(policy, principal, table, name) if readable else ("denied", None)
        if rule is not None and not rule.startswith("routine:"):  # a rule must fit the column's type
            mask_expression(rule, exp.column(name), duck_type, where=f"{table}.{name}")
        tagged = policy.tag_of(table, name)
        columns.append(ColumnAccess(name, duck_type, kind, rule, tagged[0] if tagged else None))
    return TableAccess(
        table=table,
        principal=principal.label,
        readable=readable,
        columns=tuple(columns),
        rows=decide_rows(policy, principal, table, session_user=session_user),
    )
