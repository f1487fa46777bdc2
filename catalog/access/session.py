"""A principal's query, end to end: analyse, build permitted relations, run restricted, audit.

``run_query`` is the one entry point for every read by a role or user (``lakehouse sql --role``,
the Python API). The privileged side resolves the relations the query touches, decides the
principal's access to each, and builds (or reuses) filtered, masked relations of just the
columns the query reads (``store``); the privileged connection is closed before the principal's SQL runs in a fresh restricted DuckDB
instance (``sandbox``) that holds nothing else.

BigQuery ML calls (``ML.PREDICT(MODEL m, TABLE t)`` ...) need the warehouse's compiler
(``compile_ml``, see ``ml.MLCompiler``): each model needs a model grant, and its parameters join
the principal's relations; the rows an ML call reads are decided, filtered and masked like any
other read, and the call is compiled to DuckDB SQL inside the restricted instance.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlglot import exp

from catalog.access.analysis import (
    ParsedQuery,
    parse_query,
    referenced_columns,
    table_nodes,
    with_ml_reads,
    without_exclusions,
)
from catalog.access.audit import record
from catalog.access.catalog_view import PolicyView, session_user
from catalog.access.decisions import TableAccess, decide_table
from catalog.access.information_schema import extract, views
from catalog.access.ml import MLCompiler, export_models, with_models
from catalog.access.policy import Policy, Principal, load_policy
from catalog.access.privileged import Privileged
from catalog.access.sandbox import Compile, open_sandbox
from catalog.access.store import RelationFile, materialize
from lakehouse.arrow_rows import python_rows
from lakehouse.errors import AccessDenied, LakehouseError, NotFoundError
from lakehouse.progress import ProgressCallback, ProgressEvent, report
from lakehouse.settings import Settings


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    arrow: pa.Table
    relations: tuple[str, ...]  # canonical names of the relations the query touched
    principal: Principal  # resolved: the policy's groups and roles included
    access: dict[str, TableAccess] = field(default_factory=dict)
    dialect: str = "duckdb"
    sql: str = ""  # the DuckDB SQL that ran
    elapsed_s: float = 0.0
    models: tuple[str, ...] = ()  # the ML models the query called (dataset.model)

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        return python_rows(self.arrow)

    @property
    def row_count(self) -> int:
        return self.arrow.num_rows


def run_query(
    settings: Settings,
    principal: Principal,
    sql: str,
    *,
    dialect: str = "auto",
    timeout: float | None = None,
    progress: ProgressCallback | None = None,
    compile_ml: MLCompiler | None = None,
) -> QueryResult:
    """Run ``sql`` (BigQuery or DuckDB dialect) as ``principal``; audited; AccessDenied when denied.

    ``compile_ml``: the warehouse's BigQuery ML compiler; without it an ML call is refused.
    """
    started = time.monotonic()
    policy = load_policy(settings)
    resolved = policy.resolve(principal)
    touched: list[str] = []  # filled as soon as known, for the audit line of a refusal
    models: list[str] = []
    try:
        parsed, wanted = extract(parse_query(sql, dialect, compile_ml))
        with Privileged(settings) as priv:
            listings = views(priv, PolicyView(policy, resolved), wanted)
            exported: dict[str, pa.Table] = {}
            if parsed.ml is not None:
                assert compile_ml is not None  # parse_query refuses ML calls without a compiler
                exported = export_models(priv, policy, resolved, compile_ml, parsed.ml, models)
                parsed = with_ml_reads(parsed, compile_ml.reads(parsed.ml, exported))
            plan = _plan(settings, priv, policy, resolved, parsed, touched, progress)
        try:
            relations = with_models({f.table: f for f in plan.files}, {**exported, **listings})
            with open_sandbox(settings, relations, plan.unqualified) as sandbox:
                ran, table = sandbox.compile_and_run(_runnable(plan.parsed, compile_ml), timeout=timeout)
        finally:
            for f in plan.files:
                if f.temporary and f.path is not None:
                    f.path.unlink(missing_ok=True)
    except LakehouseError as exc:  # denied, refused or failed: audited all the same
        outcome = "denied" if isinstance(exc, AccessDenied) else "failed"
        elapsed = time.monotonic() - started
        record(settings, resolved, sql, relations=touched + models, rows=None, allowed=False,
               outcome=outcome, reason=str(exc), elapsed_s=elapsed)  # fmt: skip
        raise
    elapsed = time.monotonic() - started
    record(settings, resolved, sql, relations=touched + models, rows=table.num_rows, allowed=True,
           elapsed_s=elapsed)  # fmt: skip
    return QueryResult(
        columns=list(table.column_names),
        arrow=table,
        relations=tuple(touched),
        principal=resolved,
        access=plan.access,
        dialect=plan.parsed.dialect,
        sql=ran,
        elapsed_s=elapsed,
        models=tuple(models),
    )


def _runnable(parsed: ParsedQuery, compiler: MLCompiler | None) -> str | Compile:
    """The DuckDB SQL to run, or - for ML calls - the compile step that writes it in the sandbox."""
    if parsed.ml is None:
        return parsed.sql
    assert compiler is not None
    tree = parsed.ml
    return lambda con: compiler.compile(con, tree)


@dataclass(frozen=True)
class _Plan:
    parsed: ParsedQuery  # what runs restricted (EXCLUDE lists without denied columns)
    access: dict[str, TableAccess]
    files: list[RelationFile]
    unqualified: dict[str, str]  # bare table name -> canonical name


def _plan(
    settings: Settings,
    priv: Privileged,
    policy: Policy,
    principal: Principal,
    parsed: ParsedQuery,
    touched: list[str],
    progress: ProgressCallback | None,
) -> _Plan:
    """Decide access to every touched relation and build (or reuse) the relation files."""
    nodes = table_nodes(parsed.tree)
    canonical = {id(node): _resolve(priv, policy, principal, node) for node in nodes}
    touched.extend(sorted(set(canonical.values())))
    schemas = {name: priv.schema(name) for name in touched}
    names = {n: [c for c, _ in s] for n, s in schemas.items()}
    policy.check_schema(names, touched)
    user = session_user(policy, principal)
    access = {n: decide_table(policy, principal, n, schemas[n], session_user=user) for n in touched}
    used = referenced_columns(parsed.tree, lambda node: canonical[id(node)], names)
    _deny_columns(access, used, principal)
    # the restricted instance holds only the columns read: EXCLUDE lists must not name the others
    built = {c for n in touched for c in used.get(n, {c.lower() for c in names[n]})}
    hidden = {c.lower() for n in touched for c in names[n]} - built
    routines = {name: r.body for name, r in policy.routines.items()}
    files = []
    for i, name in enumerate(touched):
        report(progress, ProgressEvent("access", i, len(touched), "relations", f"preparing {name}"))
        sensitive = name.startswith("lake.") and name.removeprefix("lake.") in policy.sensitive_datasets
        source, version = priv.source(name), priv.version(name)
        files.append(
            materialize(
                lambda: priv.con,
                settings,
                access[name],
                source,
                version,
                routines=routines,
                sensitive=sensitive,
                columns=used.get(name),  # build only what the query reads
            )
        )
    report(progress, ProgressEvent("access", len(touched), len(touched), "relations", "ready"))
    return _Plan(
        parsed=without_exclusions(parsed, hidden),
        access=access,
        files=files,
        unqualified={n.name.lower(): canonical[id(n)] for n in nodes if not n.db},
    )


def check(settings: Settings, principal: Principal, table: str) -> TableAccess:
    """What ``principal`` sees of ``table``: columns raw / masked / denied and the row rules (privileged)."""
    policy = load_policy(settings)
    resolved = policy.resolve(principal)
    with Privileged(settings) as priv:
        parts = table.split(".")
        node = exp.table_(parts[-1], db=parts[-2] if len(parts) > 1 else None)
        name = priv.resolve(node)
        if name is None:
            raise NotFoundError(
                f"no table {table!r} in the lake or the warehouse",
                hint="list tables with `lakehouse catalog search`",
            )
        schema = priv.schema(name)
    policy.check_schema({name: [c for c, _ in schema]}, [name])
    return decide_table(policy, resolved, name, schema, session_user=session_user(policy, resolved))


def _resolve(priv: Privileged, policy: Policy, principal: Principal, node: Any) -> str:
    name = priv.resolve(node)
    if name is None or not policy.may_read_table(principal, name):
        # one message for "missing" and "not permitted": a denied principal learns nothing
        written = ".".join(p for p in (node.catalog, node.db, node.name) if p)
        raise AccessDenied(
            f"table {written!r} does not exist or {principal.label} may not read it",
            hint="`lakehouse access check --user U TABLE` shows what a principal may read",
        )
    return name


def _deny_columns(access: dict[str, TableAccess], used: dict[str, set[str]], principal: Principal) -> None:
    for name, columns in used.items():
        denied = sorted(c for c in access[name].denied_columns if c.lower() in columns)
        if denied:
            listed = ", ".join(denied)
            raise AccessDenied(
                f"{principal.label} may not read column(s) {listed} of {name} (neither raw nor masked)",
                hint=f"leave them out, e.g. SELECT * EXCEPT ({listed}) in BigQuery or SELECT * EXCLUDE ({listed}) in DuckDB",
            )
