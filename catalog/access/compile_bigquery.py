"""Compile the policy to BigQuery: DDL for grants, masking routines and row access policies, and
the Data Catalog / BigQuery Data Policy API definitions (JSON) for policy tags and masking.

Names map one-to-one: ``lake.customers`` -> ``PROJECT.lake.customers``. Roles and groups become
Google groups ``NAME@DOMAIN``, users their ``email`` (else ``NAME@DOMAIN``). Policy tag and
taxonomy resource names use the policy's names where BigQuery assigns numeric ids on creation;
the publish step maps them.

Model grants: BigQuery cannot grant access to one model - models are dataset resources without an
IAM policy of their own, and DCL's resource types are SCHEMA, TABLE, VIEW, EXTERNAL TABLE and
PROJECT - so ``models: [DATASET.*]`` compiles to ``roles/bigquery.dataViewer`` (which carries
``bigquery.models.getData``) on the dataset, and a single-model grant is an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from catalog.access.bigquery_target import with_bigquery_settings
from catalog.access.policy import Policy, PolicyError, load_policy
from lakehouse.settings import Settings

FINE_GRAINED_READER = "roles/datacatalog.categoryFineGrainedReader"
MASKED_READER = "roles/bigquerydatapolicy.maskedReader"
DATA_VIEWER = "roles/bigquery.dataViewer"


@dataclass(frozen=True)
class CompiledPolicy:
    ddl: str  # BigQuery SQL script
    data_policies: dict[str, Any]  # taxonomy, policy tags, data policies, IAM bindings, column tags

    @property
    def statements(self) -> list[str]:
        """The DDL's statements, comment lines left out."""
        out = []
        for chunk in self.ddl.split(";\n"):
            text = "\n".join(line for line in chunk.strip().splitlines() if not line.startswith("--")).strip()
            if text:
                out.append(text)
        return out

    def data_policies_json(self) -> str:
        return json.dumps(self.data_policies, indent=2, sort_keys=False) + "\n"


def compile_bigquery(settings: Settings) -> CompiledPolicy:
    """The policy compiled for the BigQuery project and location of ``settings.bigquery``."""
    source = str(settings.policy_file.name)
    return compile_policy(
        with_bigquery_settings(load_policy(settings), settings, source=source), source=source
    )


def compile_policy(policy: Policy, *, source: str = "policy.yml") -> CompiledPolicy:
    target = policy.bigquery
    blocks = [f"-- generated from {source} by `lakehouse access compile --target bigquery`; do not edit"]
    for grant in policy.grants:
        members = ", ".join(_string(m) for m in _members(policy, grant.to))
        resources = [_grant_resource(target.project, p) for p in grant.tables]
        resources += [_model_resource(target.project, p) for p in grant.models]
        for kind, resource in dict.fromkeys(resources):  # tables and models of one dataset: one grant
            blocks.append(f"GRANT `{DATA_VIEWER}` ON {kind} {resource} TO {members};")
    for name, routine in policy.routines.items():
        body = sqlglot.parse_one(routine.body, read="bigquery").sql("bigquery")
        path = _table(target.project, target.routine_dataset, name)
        blocks.append(
            f"CREATE OR REPLACE FUNCTION {path}(value {routine.arg_type}) RETURNS {routine.arg_type}\n"
            f"OPTIONS (data_governance_type = 'DATA_MASKING') AS ({body});"
        )
    for rule in policy.row_rules:
        dataset, _, table = rule.table.partition(".")
        members = ", ".join(_string(m) for m in _members(policy, rule.grant_to))
        predicate = sqlglot.parse_one(rule.filter, read="bigquery").sql("bigquery")
        blocks.append(
            f"CREATE OR REPLACE ROW ACCESS POLICY {rule.name}\nON {_table(target.project, dataset, table)}\n"
            f"GRANT TO ({members})\nFILTER USING ({predicate});"
        )
    return CompiledPolicy(ddl="\n\n".join(blocks) + "\n", data_policies=_data_policies(policy))


def _data_policies(policy: Policy) -> dict[str, Any]:
    target = policy.bigquery
    parent = f"projects/{target.project}/locations/{target.location}"
    taxonomy = f"{parent}/taxonomies/{target.taxonomy}"
    tags, tag_iam, data_policies, policy_iam, columns = [], {}, [], {}, []
    for name, tag in policy.policy_tags.items():
        tag_path = f"{taxonomy}/policyTags/{name}"
        tags.append({"name": tag_path, "displayName": name, "description": tag.description})
        if tag.fine_grained_readers:
            tag_iam[tag_path] = {
                "bindings": [
                    {"role": FINE_GRAINED_READER, "members": _members(policy, tag.fine_grained_readers)}
                ]
            }
        for masked in tag.masked_readers:
            if masked.rule.startswith("routine:"):
                routine = masked.rule.removeprefix("routine:")
                rule: dict[str, str] = {
                    "routine": f"projects/{target.project}/datasets/{target.routine_dataset}/routines/{routine}"
                }
            else:
                rule = {"predefinedExpression": masked.rule}
            path = f"{parent}/dataPolicies/{masked.name}"
            data_policies.append(
                {
                    "name": path,
                    "dataPolicyId": masked.name,
                    "dataPolicyType": "DATA_MASKING_POLICY",
                    "policyTag": tag_path,
                    "dataMaskingPolicy": rule,
                }
            )
            policy_iam[path] = {"bindings": [{"role": MASKED_READER, "members": _members(policy, masked.to)}]}
        for column in tag.columns:
            dataset, table, field = column.split(".")
            columns.append(
                {"table": f"{target.project}.{dataset}.{table}", "column": field, "policyTag": tag_path}
            )
    return {
        "taxonomy": {
            "name": taxonomy,
            "displayName": target.taxonomy,
            "activatedPolicyTypes": ["FINE_GRAINED_ACCESS_CONTROL"],
        },
        "policyTags": tags,
        "policyTagIamPolicies": tag_iam,
        "dataPolicies": data_policies,
        "dataPolicyIamPolicies": policy_iam,
        "columnPolicyTags": columns,
    }


def _members(policy: Policy, grantees: tuple[str, ...]) -> list[str]:
    domain = policy.bigquery.domain
    out = []
    for grantee in grantees:
        kind, _, name = grantee.partition(":")
        if kind == "user":
            out.append(f"user:{policy.users[name].email or f'{name}@{domain}'}")
        else:  # roles and groups are Google groups
            out.append(f"group:{name}@{domain}")
    return out


def _grant_resource(project: str, pattern: str) -> tuple[str, str]:
    dataset, _, table = pattern.partition(".")
    if table == "*" and "*" not in dataset and "?" not in dataset:
        return "SCHEMA", exp.table_(dataset, db=project, quoted=True).sql("bigquery")
    if dataset and table and not any(ch in pattern for ch in "*?["):
        return "TABLE", _table(project, dataset, table)
    raise PolicyError(
        f"grant pattern {pattern!r} has no BigQuery equivalent",
        hint="grant DATASET.* (a dataset) or DATASET.TABLE for the BigQuery target",
    )


def _model_resource(project: str, pattern: str) -> tuple[str, str]:
    """A model grant as BigQuery has it: the dataset (all its models), or an error."""
    dataset, _, model = pattern.partition(".")
    if model == "*" and not any(ch in dataset for ch in "*?["):
        return "SCHEMA", exp.table_(dataset, db=project, quoted=True).sql("bigquery")
    raise PolicyError(
        f"model grant {pattern!r} has no BigQuery equivalent: BigQuery grants access to models per dataset only",
        hint="grant DATASET.* (every model of the dataset), or keep the model in a dataset of its own",
    )


def _table(project: str, dataset: str, name: str) -> str:
    return exp.table_(name, db=dataset, catalog=project, quoted=True).sql("bigquery")


def _string(value: str) -> str:
    return exp.Literal.string(value).sql("bigquery")
