"""Policy file validation: unknown principals, tables, columns or rules are clear errors."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from catalog.access.policy import PolicyError, Principal, load_policy, parse_policy
from lakehouse.errors import NotFoundError
from lakehouse.settings import Settings
from tests.catalog.access.conftest import SAMPLE_POLICY, make_settings

BASE: dict[str, Any] = {
    "roles": {"analyst": {}, "auditor": {}},
    "groups": {"analytics": {"roles": ["analyst"]}},
    "users": {"ana": {"groups": ["analytics"]}},
    "grants": [{"to": ["role:analyst"], "tables": ["lake.*"]}],
}


def policy_with(**sections: Any) -> dict[str, Any]:
    return {**BASE, **sections}


def test_the_sample_policy_loads(tmp_path: Any) -> None:
    policy = load_policy(make_settings(tmp_path))
    assert {"analyst", "marketing", "data_engineer", "auditor"} <= set(policy.roles)
    assert policy.sensitive_datasets == ("customers",)
    assert make_settings(tmp_path).policy_file == SAMPLE_POLICY


BAD = [
    ("unknown role in a grant", policy_with(grants=[{"to": ["role:analist"], "tables": ["lake.*"]}]),
     r"grants\[0\].to: unknown role 'analist'.*did you mean 'analyst'"),
    ("bad grantee form", policy_with(grants=[{"to": ["analyst"], "tables": ["lake.*"]}]), r"grantee 'analyst' is not role:NAME"),
    ("unknown group of a user", policy_with(users={"bo": {"groups": ["nope"]}}), r"users.bo.groups: unknown group 'nope'"),
    ("unknown masking rule", policy_with(policy_tags={"t": {"columns": ["lake.c.e"], "masked_readers": [{"name": "m", "rule": "EMAIL", "to": ["role:analyst"]}]}}),
     r"unknown masking rule 'EMAIL'.*EMAIL_MASK"),
    ("unknown routine", policy_with(policy_tags={"t": {"columns": ["lake.c.e"], "masked_readers": [{"name": "m", "rule": "routine:x", "to": ["role:analyst"]}]}}),
     r"unknown routine 'x'"),
    ("column tagged twice", policy_with(policy_tags={"a": {"columns": ["lake.c.e"]}, "b": {"columns": ["lake.c.e"]}}),
     r"already carries policy tag 'a'"),
    ("filter is not SQL", policy_with(row_rules=[{"name": "r", "table": "lake.c", "grant_to": ["role:analyst"], "filter": "country IN ("}]),
     r"not a BigQuery SQL predicate"),
    ("filter error is one plain line", policy_with(row_rules=[{"name": "r", "table": "lake.c", "grant_to": ["role:analyst"], "filter": "a = = 1"}]),
     r"not a BigQuery SQL predicate: cannot parse the query at line 1, column 5: [^\n\x1b]*$"),
    ("model not DATASET.MODEL", policy_with(grants=[{"to": ["role:analyst"], "models": ["demo_segments"]}]),
     r"grants\[0\].models: model 'demo_segments' is not DATASET.MODEL"),
    ("grant of nothing", policy_with(grants=[{"to": ["role:analyst"]}]), r"grants\[0\]: grants nothing"),
    ("table not DATASET.TABLE", policy_with(row_rules=[{"name": "r", "table": "customers", "grant_to": ["role:analyst"], "filter": "TRUE"}]),
     r"table 'customers' is not DATASET.TABLE"),
    ("unknown section", policy_with(rules=[]), r"rules: Extra inputs are not permitted"),
    ("duplicate rule name", policy_with(row_rules=[{"name": "r", "table": "lake.c", "grant_to": ["role:analyst"], "filter": "TRUE"}] * 2),
     r"row rule name 'r' is used twice"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_policies_are_clear_errors(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_policy(raw)


def test_unknown_columns_and_tables_against_the_live_schema() -> None:
    policy = parse_policy(policy_with(
        row_rules=[{"name": "r", "table": "lake.customers", "grant_to": ["role:analyst"], "filter": "contry = 'DE'"}],
        policy_tags={"t": {"columns": ["lake.custmers.email"]}},
    ))  # fmt: skip
    with pytest.raises(
        PolicyError,
        match=r"unknown column 'contry' of lake.customers in row rule 'r'.*did you mean 'country'",
    ):
        policy.check_schema({"lake.customers": ["country", "email"]})
    with pytest.raises(
        PolicyError, match=r"unknown table 'lake.custmers' in policy tag 't'.*did you mean 'lake.customers'"
    ):
        policy.check_schema({"lake.customers": ["country", "email"]}, tables=["lake.custmers"])


def test_model_grants_follow_the_grantees_and_patterns() -> None:
    policy = parse_policy(policy_with(grants=[
        {"to": ["role:analyst"], "tables": ["lake.*"], "models": ["ml.demo_*"]},
        {"to": ["role:auditor"], "models": ["ml.*"]},
    ]))  # fmt: skip
    analyst, auditor = Principal.of(roles=["analyst"]), Principal.of(roles=["auditor"])
    assert policy.may_read_model(analyst, "ml.demo_segments") and not policy.may_read_model(
        analyst, "ml.churn"
    )
    assert policy.may_read_model(auditor, "ml.churn") and not policy.may_read_table(auditor, "lake.customers")
    assert not policy.may_read_model(analyst, "lake.customers")  # a table grant is no model grant


def test_resolve_expands_groups_and_rejects_unknown_principals() -> None:
    policy = parse_policy(BASE)
    assert policy.resolve(Principal.of(user="ana")).roles == frozenset({"analyst"})
    with pytest.raises(NotFoundError, match=r"unknown role 'analysts'.*did you mean 'analyst'"):
        policy.resolve(Principal.of(roles=["analysts"]))


def test_missing_policy_file_is_clear(settings: Settings, tmp_path: Any) -> None:
    with pytest.raises(NotFoundError, match=r"access policy file .*nope.yml does not exist"):
        load_policy(settings.model_copy(update={"policy_file": tmp_path / "nope.yml"}))


def test_invalid_yaml_is_clear(settings: Settings, tmp_path: Any) -> None:
    path = tmp_path / "p.yml"
    path.write_text("roles: [unclosed", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"p.yml: not valid YAML"):
        load_policy(settings.model_copy(update={"policy_file": path}))


def test_yaml_round_trip_of_base() -> None:
    assert parse_policy(yaml.safe_load(yaml.safe_dump(BASE))).users["ana"].groups == ("analytics",)
