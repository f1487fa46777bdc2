"""The access policy: a YAML file (``settings.policy_file``) loaded into validated, frozen models.

The model copies BigQuery's so that one file means the same on DuckDB and compiles one-to-one to
BigQuery (see ``compile_bigquery``):

- ``roles``, ``groups`` (which carry roles) and ``users`` (which carry groups and roles);
- ``grants``: who may read which tables and use which ML models, by name or glob pattern (``lake.*``);
- ``row_rules``: BigQuery row access policies - grantees plus a filter predicate (BigQuery SQL);
- ``policy_tags``: columns tagged ``lake.customers.email``; fine-grained readers see raw values,
  masked readers see one of BigQuery's masking rules (``masking.MASKING_RULES``) or a custom routine.

Grantees are written ``role:NAME``, ``group:NAME`` or ``user:NAME``. Every name is checked when the
file is loaded; table and column names are checked against the live schema by ``check_schema``.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlglot
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlglot import exp

from catalog.access.masking import MASKING_RULES
from lakehouse.errors import NotFoundError, UsageError, parse_error_message
from lakehouse.settings import Settings

GRANTEE_KINDS = ("role", "group", "user")


class PolicyError(UsageError):
    """The policy file is malformed or names something that does not exist."""


class UnknownPrincipal(NotFoundError):
    """A user, group or role the policy does not declare: a usage error (exit 2), never privileged."""

    exit_code = 2


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RoleSpec(_Model):
    description: str = ""


class GroupSpec(_Model):
    description: str = ""
    roles: tuple[str, ...] = ()


class UserSpec(_Model):
    email: str | None = None
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


class Grant(_Model):
    """Read access for ``to``: tables (SELECT) and models (the ML functions), by name or glob pattern.

    A model grant is BigQuery's ``bigquery.models.getData`` (``roles/bigquery.dataViewer``): the
    grantee may call ML.PREDICT, ML.EVALUATE, ML.WEIGHTS ... on the model, over rows it may read.
    """

    to: tuple[str, ...]
    tables: tuple[str, ...] = ()
    models: tuple[str, ...] = ()


class RowRule(_Model):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    table: str
    grant_to: tuple[str, ...]
    filter: str

    @field_validator("filter")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            sqlglot.parse_one(value, read="bigquery")
        except sqlglot.errors.SqlglotError as exc:
            raise ValueError(
                f"filter {value!r} is not a BigQuery SQL predicate: {parse_error_message(exc)}"
            ) from exc
        return value

    def filter_columns(self) -> set[str]:
        return {c.name for c in sqlglot.parse_one(self.filter, read="bigquery").find_all(exp.Column)}


class MaskedRead(_Model):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")  # the BigQuery data policy id
    rule: str  # a MASKING_RULES name or "routine:NAME"
    to: tuple[str, ...]


class PolicyTag(_Model):
    description: str = ""
    columns: tuple[str, ...]
    fine_grained_readers: tuple[str, ...] = ()
    masked_readers: tuple[MaskedRead, ...] = ()


class Routine(_Model):
    """A custom masking routine: one BigQuery SQL expression over the argument ``value``."""

    arg_type: str = "STRING"
    body: str
    description: str = ""


class BigQueryTarget(_Model):
    # project and location are settings (Settings.bigquery): compile_bigquery always replaces them from there
    # (catalog/access/bigquery_target.py); a policy may still write them if they agree with the settings
    project: str = "my-project"
    location: str = "us"
    taxonomy: str = "lakehouse"
    routine_dataset: str = "access"
    domain: str = "example.com"  # roles and groups become group:NAME@domain, users user:NAME@domain


class Policy(_Model):
    version: int = 1
    bigquery: BigQueryTarget = BigQueryTarget()
    roles: dict[str, RoleSpec] = {}
    groups: dict[str, GroupSpec] = {}
    users: dict[str, UserSpec] = {}
    grants: tuple[Grant, ...] = ()
    row_rules: tuple[RowRule, ...] = ()
    policy_tags: dict[str, PolicyTag] = {}
    routines: dict[str, Routine] = {}
    sensitive_datasets: tuple[str, ...] = ()

    # --- lookups ---------------------------------------------------------------------------------
    def tag_of(self, table: str, column: str) -> tuple[str, PolicyTag] | None:
        key = f"{table}.{column}".lower()
        for name, tag in self.policy_tags.items():
            if key in (c.lower() for c in tag.columns):
                return name, tag
        return None

    def rules_on(self, table: str) -> list[RowRule]:
        return [r for r in self.row_rules if r.table.lower() == table.lower()]

    def may_read_table(self, principal: Principal, table: str) -> bool:
        return self._granted(principal, table, lambda g: g.tables)

    def may_read_model(self, principal: Principal, model: str) -> bool:
        """May ``principal`` use model ``dataset.model`` in ML functions (BigQuery: models.getData)?"""
        return self._granted(principal, model, lambda g: g.models)

    def _granted(self, principal: Principal, name: str, patterns: Callable[[Grant], Iterable[str]]) -> bool:
        mine = principal.grantees()
        return any(
            mine & set(g.to) and any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns(g))
            for g in self.grants
        )

    def resolve(self, principal: Principal) -> Principal:
        """Expand a principal with the groups and roles the policy gives its user and groups."""
        if principal.user is not None and principal.user not in self.users:
            raise UnknownPrincipal(
                f"unknown user {principal.user!r} in the access policy",
                hint=_known("users", self.users) + _suggest(principal.user, self.users),
            )
        for kind, names, known in (
            ("group", principal.groups, self.groups),
            ("role", principal.roles, self.roles),
        ):
            for name in names:
                if name not in known:
                    raise UnknownPrincipal(
                        f"unknown {kind} {name!r} in the access policy",
                        hint=_known(kind + "s", known) + _suggest(name, known),
                    )
        groups = set(principal.groups)
        roles = set(principal.roles)
        if principal.user is not None:
            spec = self.users[principal.user]
            groups |= set(spec.groups)
            roles |= set(spec.roles)
        for group in groups:
            roles |= set(self.groups[group].roles)
        return Principal(user=principal.user, groups=frozenset(groups), roles=frozenset(roles))

    # --- validation --------------------------------------------------------------------------------
    def validate_names(self) -> None:
        """Every grantee, group, role, rule and routine named in the file must be declared."""
        for user, spec in self.users.items():
            self._known_all("group", spec.groups, self.groups, f"users.{user}.groups")
            self._known_all("role", spec.roles, self.roles, f"users.{user}.roles")
        for group, gspec in self.groups.items():
            self._known_all("role", gspec.roles, self.roles, f"groups.{group}.roles")
        for i, grant in enumerate(self.grants):
            self._grantees(grant.to, f"grants[{i}].to")
            if not grant.tables and not grant.models:
                raise PolicyError(
                    f"grants[{i}]: grants nothing", hint="give tables: [...] and/or models: [...]"
                )
            for model in grant.models:
                _dotted(
                    model, f"grants[{i}].models", "model", "DATASET.MODEL (e.g. ml.demo_segments or ml.*)"
                )
        seen: set[str] = set()
        for rule in self.row_rules:
            self._grantees(rule.grant_to, f"row_rules.{rule.name}.grant_to")
            _table_name(rule.table, f"row_rules.{rule.name}.table")
            if rule.name in seen:
                raise PolicyError(
                    f"row rule name {rule.name!r} is used twice", hint="row rule names are unique"
                )
            seen.add(rule.name)
        tagged: dict[str, str] = {}
        for tag_name, tag in self.policy_tags.items():
            where = f"policy_tags.{tag_name}"
            self._grantees(tag.fine_grained_readers, where + ".fine_grained_readers")
            for column in tag.columns:
                if column.count(".") != 2:
                    raise PolicyError(f"{where}.columns: {column!r} is not DATASET.TABLE.COLUMN")
                if column.lower() in tagged:
                    raise PolicyError(
                        f"{where}: column {column!r} already carries policy tag {tagged[column.lower()]!r}",
                        hint="a column carries at most one policy tag, as in BigQuery",
                    )
                tagged[column.lower()] = tag_name
            for masked in tag.masked_readers:
                self._grantees(masked.to, f"{where}.masked_readers.{masked.name}.to")
                self._rule(masked.rule, f"{where}.masked_readers.{masked.name}.rule")
                if masked.name in seen:
                    raise PolicyError(f"data policy name {masked.name!r} is used twice")
                seen.add(masked.name)

    def check_schema(self, schema: Mapping[str, Iterable[str]], tables: Iterable[str] | None = None) -> None:
        """Check rules on ``tables`` (default: all in ``schema``) against their live column names."""
        wanted = {t.lower() for t in (schema if tables is None else tables)}
        columns = {t.lower(): {c.lower() for c in cols} for t, cols in schema.items()}
        refs: list[tuple[str, str, str]] = []
        for rule in self.row_rules:
            refs += [(rule.table, c, f"row rule {rule.name!r}") for c in sorted(rule.filter_columns())]
        for tag_name, tag in self.policy_tags.items():
            for ref in tag.columns:
                table, _, column = ref.rpartition(".")
                refs.append((table, column, f"policy tag {tag_name!r}"))
        for table, column, where in refs:
            if table.lower() not in wanted:
                continue
            if table.lower() not in columns:
                raise PolicyError(
                    f"unknown table {table!r} in {where}",
                    hint=_known("tables", columns) + _suggest(table, columns),
                )
            if column.lower() not in columns[table.lower()]:
                known = columns[table.lower()]
                raise PolicyError(
                    f"unknown column {column!r} of {table} in {where}",
                    hint=_suggest(column, known) or _known("columns", known),
                )

    def _grantees(self, grantees: Iterable[str], where: str) -> None:
        tables: dict[str, Mapping[str, Any]] = {"role": self.roles, "group": self.groups, "user": self.users}
        for grantee in grantees:
            kind, _, name = grantee.partition(":")
            if kind not in tables or not name:
                raise PolicyError(f"{where}: grantee {grantee!r} is not role:NAME, group:NAME or user:NAME")
            self._known_all(kind, [name], tables[kind], where)

    def _known_all(self, kind: str, names: Iterable[str], known: Mapping[str, Any], where: str) -> None:
        for name in names:
            if name not in known:
                raise PolicyError(
                    f"{where}: unknown {kind} {name!r}",
                    hint=_known(kind + "s", known) + _suggest(name, known),
                )

    def _rule(self, rule: str, where: str) -> None:
        if rule.startswith("routine:"):
            self._known_all("routine", [rule.removeprefix("routine:")], self.routines, where)
        elif rule not in MASKING_RULES:
            raise PolicyError(
                f"{where}: unknown masking rule {rule!r}",
                hint="valid: " + ", ".join(MASKING_RULES) + ", routine:NAME" + _suggest(rule, MASKING_RULES),
            )


@dataclass(frozen=True)
class Principal:
    """Who runs a query: a user and/or groups and roles (``Policy.resolve`` adds the policy's own)."""

    user: str | None = None
    groups: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls, *, user: str | None = None, groups: Iterable[str] = (), roles: Iterable[str] = ()
    ) -> Principal:
        return cls(user=user, groups=frozenset(groups), roles=frozenset(roles))

    def grantees(self) -> set[str]:
        out = {f"role:{r}" for r in self.roles} | {f"group:{g}" for g in self.groups}
        return out | ({f"user:{self.user}"} if self.user else set())

    @property
    def label(self) -> str:
        return ",".join(sorted(self.grantees())) or "(nobody)"


def load_policy(settings: Settings) -> Policy:
    """Read and validate the policy file ``settings.policy_file`` (a missing one names the setting)."""
    return load_policy_file(settings.existing("policy_file"))


def load_policy_file(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise NotFoundError(
            f"access policy file {path} does not exist", hint="set LAKEHOUSE_POLICY_FILE"
        ) from exc
    return parse_policy_text(text, source=str(path))


def parse_policy_text(text: str, *, source: str = "policy") -> Policy:
    """Parse and validate the YAML text of a policy file (``source`` names it in errors)."""
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML: {exc}") from exc
    return parse_policy(raw, source=source)


def parse_policy(raw: Any, *, source: str = "policy") -> Policy:
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: the policy must be a mapping of sections")
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PolicyError(
            f"{source}: {where}: {first['msg']}", hint="see catalog/policy.yml for the format"
        ) from exc
    try:
        policy.validate_names()
    except PolicyError as exc:
        raise PolicyError(f"{source}: {exc.message}", hint=exc.hint) from exc
    return policy


def _table_name(name: str, where: str) -> None:
    _dotted(name, where, "table", "DATASET.TABLE (e.g. lake.customers)")


def _dotted(name: str, where: str, kind: str, form: str) -> None:
    dataset, _, rest = name.partition(".")
    if name.count(".") != 1 or not dataset or not rest:
        raise PolicyError(f"{where}: {kind} {name!r} is not {form}")


def _known(what: str, known: Iterable[str]) -> str:
    return f"known {what}: " + (", ".join(sorted(known)) or "none")


def _suggest(name: str, known: Iterable[str]) -> str:
    match = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {match[0]!r}?" if match else ""
