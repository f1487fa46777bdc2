"""BigQuery compile: golden DDL and Data Policy API JSON for the sample policy; the DDL parses.

No BigQuery here: the output is compared with golden files and parsed with sqlglot's BigQuery
dialect (UPDATE_GOLDEN=1 rewrites the golden files after a deliberate policy change). The project and
location come from the BigQuery settings (``DEMO_BIGQUERY``), as the policy's ``bigquery:`` block had them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import sqlglot
from click.testing import CliRunner
from sqlglot import exp

from catalog.access import compile_bigquery
from catalog.access.compile_bigquery import compile_policy
from catalog.access.policy import PolicyError, parse_policy
from lakehouse.cli import cli
from lakehouse.settings import Settings
from tests.catalog.access.conftest import make_settings

GOLDEN = Path(__file__).parent / "golden"
#: the BigQuery settings the golden files were compiled for
DEMO_BIGQUERY = {"project": "lakehouse-demo", "location": "eu"}
ROW_POLICY = re.compile(
    r"CREATE OR REPLACE ROW ACCESS POLICY (?P<name>\w+)\nON (?P<table>`[^`]+`\.`[^`]+`\.`[^`]+`)\n"
    r"GRANT TO \((?P<grantees>[^)]*)\)\nFILTER USING \((?P<filter>.*)\);?$",
    re.S,
)


@pytest.fixture
def compiled(tmp_path: Path):  # type: ignore[no-untyped-def]
    return compile_bigquery(make_settings(tmp_path).with_values("the test", bigquery=DEMO_BIGQUERY))


def _golden(name: str, text: str) -> str:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8")


def test_ddl_matches_golden(compiled) -> None:  # type: ignore[no-untyped-def]
    assert compiled.ddl == _golden("policy.sql", compiled.ddl)


def test_data_policies_match_golden(compiled) -> None:  # type: ignore[no-untyped-def]
    assert compiled.data_policies_json() == _golden("data_policies.json", compiled.data_policies_json())


def test_every_statement_parses_with_sqlglot_bigquery(compiled) -> None:  # type: ignore[no-untyped-def]
    kinds = []
    for statement in compiled.statements:
        tree = sqlglot.parse_one(statement, read="bigquery")
        if isinstance(tree, exp.Command):  # sqlglot has no AST for ROW ACCESS POLICY: check its parts
            match = ROW_POLICY.match(statement)
            assert match, statement
            assert isinstance(sqlglot.parse_one(match["filter"], read="bigquery"), exp.Expression)
            assert isinstance(sqlglot.parse_one(match["table"], read="bigquery", into=exp.Table), exp.Table)
            assert all(g.strip().startswith(("'group:", "'user:")) for g in match["grantees"].split(","))
            kinds.append("row access policy")
        else:
            kinds.append(type(tree).__name__)
    assert kinds.count("row access policy") == 4 and "Grant" in kinds and "Create" in kinds


def test_data_policies_name_every_masked_reader(compiled) -> None:  # type: ignore[no-untyped-def]
    policies = {p["dataPolicyId"]: p for p in compiled.data_policies["dataPolicies"]}
    assert policies["contact_email_mask"]["dataMaskingPolicy"] == {"predefinedExpression": "EMAIL_MASK"}
    assert policies["name_initial"]["dataMaskingPolicy"]["routine"].endswith("/routines/initial_only")
    iam = compiled.data_policies["dataPolicyIamPolicies"][policies["contact_email_mask"]["name"]]
    assert iam["bindings"] == [
        {"role": "roles/bigquerydatapolicy.maskedReader", "members": ["group:marketing@example.com"]}
    ]
    columns = {(c["table"], c["column"]) for c in compiled.data_policies["columnPolicyTags"]}
    assert ("lakehouse-demo.lake.customers", "email") in columns


def test_a_pattern_without_bigquery_equivalent_is_an_error() -> None:
    policy = parse_policy({"roles": {"a": {}}, "grants": [{"to": ["role:a"], "tables": ["lake.cust*"]}]})
    with pytest.raises(PolicyError, match=r"grant pattern 'lake.cust\*' has no BigQuery equivalent"):
        compile_policy(policy)


def test_model_grants_compile_to_dataset_grants() -> None:
    """BigQuery grants models per dataset only: roles/bigquery.dataViewer on the dataset carries
    bigquery.models.getData; DCL has no MODEL resource type and models have no IAM policy of their own."""
    policy = parse_policy(
        {
            "roles": {"a": {}},
            "grants": [{"to": ["role:a"], "tables": ["ml.*"], "models": ["ml.*", "scoring.*"]}],
        }
    )
    grants = [s for s in compile_policy(policy).statements if s.startswith("GRANT")]
    assert grants == [
        "GRANT `roles/bigquery.dataViewer` ON SCHEMA `my-project`.`ml` TO 'group:a@example.com'",
        "GRANT `roles/bigquery.dataViewer` ON SCHEMA `my-project`.`scoring` TO 'group:a@example.com'",
    ]  # the tables and the models of ml share one dataset grant
    single = parse_policy(
        {"roles": {"a": {}}, "grants": [{"to": ["role:a"], "models": ["ml.demo_segments"]}]}
    )
    with pytest.raises(
        PolicyError,
        match=r"model grant 'ml.demo_segments' has no BigQuery equivalent: BigQuery grants access to models "
        r"per dataset only \(grant DATASET.\* ",
    ):
        compile_policy(single)


def test_the_first_statement_is_counted(compiled) -> None:  # type: ignore[no-untyped-def]
    """The DDL opens with a comment line; the statement after it is a statement all the same."""
    assert compiled.statements[0].startswith(
        "GRANT `roles/bigquery.dataViewer` ON SCHEMA `lakehouse-demo`.`lake`"
    )
    assert len(compiled.statements) == compiled.ddl.count(";\n")


def test_cli_compile_writes_both_files(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LAKEHOUSE_BQ_PROJECT", DEMO_BIGQUERY["project"])
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["access", "compile", "--target", "bigquery", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "ROW ACCESS POLICY" in (out / "policy.sql").read_text()
    assert json.loads((out / "data_policies.json").read_text())["taxonomy"]["displayName"] == "lakehouse_pii"
