"""Laws of the policy semantics, checked on generated policies (hypothesis, no data needed).

- more roles never reveal less: a column raw for a principal stays raw with an extra role, a masked
  one stays masked with an equal or stronger rule or becomes raw, and the row rules applied grow;
- adding a row rule that does not cover a principal never widens what it sees.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.access.decisions import column_kind
from catalog.access.masking import MASKING_RULES, PRECEDENCE
from catalog.access.policy import Policy, Principal, parse_policy
from catalog.access.rows import decide_rows

ROLES = ("a", "b", "c", "d")
grantees = st.lists(st.sampled_from([f"role:{r}" for r in ROLES]), min_size=1, max_size=3, unique=True)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    masked = [
        {"name": f"m{i}", "rule": draw(st.sampled_from(list(MASKING_RULES))), "to": draw(grantees)}
        for i in range(draw(st.integers(0, 3)))
    ]
    raw = {
        "roles": {r: {} for r in ROLES},
        "grants": [{"to": [f"role:{r}" for r in ROLES], "tables": ["lake.*"]}],
        "row_rules": [
            {"name": f"r{i}", "table": "lake.t", "grant_to": draw(grantees), "filter": f"x = {i}"}
            for i in range(draw(st.integers(0, 3)))
        ],
        "policy_tags": {
            "tag": {"columns": ["lake.t.secret"], "fine_grained_readers": draw(st.lists(st.sampled_from(
                [f"role:{r}" for r in ROLES]), max_size=1)), "masked_readers": masked}
        },
    }  # fmt: skip
    return parse_policy(raw)


def revealing(kind: str, rule: str | None) -> int:
    """Higher reveals more: raw, then masked rules in precedence order, then denied."""
    if kind == "raw":
        return len(PRECEDENCE) + 1
    if kind == "masked" and rule is not None:
        return len(PRECEDENCE) - PRECEDENCE.index("routine" if rule.startswith("routine:") else rule)
    return 0


@settings(max_examples=200, deadline=None)
@given(policies(), st.sets(st.sampled_from(ROLES), min_size=1), st.sampled_from(ROLES))
def test_more_roles_never_reveal_less(policy: Policy, roles: set[str], extra: str) -> None:
    some, more = Principal.of(roles=roles), Principal.of(roles=roles | {extra})
    assert revealing(*column_kind(policy, more, "lake.t", "secret")) >= revealing(
        *column_kind(policy, some, "lake.t", "secret")
    )
    assert set(decide_rows(policy, some, "lake.t").applied) <= set(
        decide_rows(policy, more, "lake.t").applied
    )


@settings(max_examples=100, deadline=None)
@given(policies(), st.sampled_from(ROLES))
def test_a_rule_for_others_never_widens_access(policy: Policy, role: str) -> None:
    me = Principal.of(roles={role})
    others = [f"role:{r}" for r in ROLES if r != role]
    before = decide_rows(policy, me, "lake.t")
    extra = {"name": "for_others", "table": "lake.t", "grant_to": others, "filter": "TRUE"}
    after_policy = policy.model_copy(update={"row_rules": (*policy.row_rules, parse_policy(
        {"roles": {r: {} for r in ROLES}, "row_rules": [extra]}).row_rules[0])})  # fmt: skip
    after = decide_rows(after_policy, me, "lake.t")
    assert after.applied == before.applied
    if not before.has_rules:
        assert after.filter_sql == "FALSE"  # from every row to none: narrower, never wider
    else:
        assert after.filter_sql == before.filter_sql
