"""Promote only if better for models built by dbt's ``model`` materialization (``promote_if_better``).

``{{ config(materialized='model', ml_config={...}, promote_if_better={'metric': 'r2_score', 'margin': 0.01,
'holdout': 'customer_holdout'}) }}``: on ``dbt run`` the materialization calls ``train`` here instead of
``warehouse.ml.dbt_hook.train``. The model's statement (dbt_ml's ``ml_config`` over dbt's compiled SQL) trains
a challenger ``<name>__challenger``; it and the champion (the version holding ``default``) are evaluated with
ML.EVALUATE on the same hold-out rows, and the retrain loop's own ``settle`` applies ``rule.decide``, keeps the
challenger as the next version and moves ``default`` only if it won; ``record`` writes the decision to
``ml._retrain_decisions`` as ``lakehouse ml retrain`` does. The first build (no champion) promotes.
Option names are the retrain command's (``--metric``, ``--margin``); ``holdout`` is the SQL the materialization
resolved (a dbt model's name becomes ``select * from <its relation>``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from lakehouse.errors import LakehouseError, UsageError
from warehouse.ml import dbt_hook, engine, registry, versions
from warehouse.ml.sqlexpr import ident, sql
from warehouse.retrain import loop, rule

log = logging.getLogger(__name__)
CONFIG = "promote_if_better"
OPTIONS = ("metric", "margin", "holdout")


@dataclass(frozen=True)
class Guard:
    """A model's ``promote_if_better`` config, checked."""

    model: str  # schema.name, for the messages
    metric: str | None  # None: the retrain loop's default (roc_auc, r2_score or davies_bouldin_index)
    margin: float
    holdout: str  # DuckDB SQL (dbt's rendering)

    def error(self, option: str, message: str, hint: str) -> UsageError:
        return bad(self.model, option, message, hint)


def bad(model: str, option: str, message: str, hint: str) -> UsageError:
    """One line naming the dbt model and the config option."""
    return UsageError(f"dbt model {model}: {CONFIG}.{option} {message}", hint=hint)


def parse(model: str, config: Mapping[str, Any], holdout_sql: str | None) -> Guard:
    """The checked ``promote_if_better`` of dbt model ``model`` (``holdout_sql``: its resolved hold-out)."""
    unknown = sorted(set(config) - set(OPTIONS))
    if unknown:
        raise bad(model, unknown[0], "is not an option", f"options: {', '.join(OPTIONS)}")
    metric = config.get("metric")
    if metric is not None and (not isinstance(metric, str) or metric.lower() not in rule.DIRECTION):
        raise bad(model, "metric", f"= {metric!r} is not an ML.EVALUATE metric", _metrics_hint())
    margin = config.get("margin", 0.0)
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not margin >= 0:
        raise bad(model, "margin", f"= {margin!r} must be a number >= 0", "e.g. 'margin': 0.01")
    if not holdout_sql or not holdout_sql.strip():
        raise bad(
            model,
            "holdout",
            "is missing",
            "name a dbt model (with -- depends_on: {{ ref('NAME') }}) or give a SELECT of the hold-out rows",
        )
    return Guard(model, metric.lower() if metric else None, float(margin), holdout_sql)


def _metrics_hint() -> str:
    return f"metrics: {', '.join(sorted(rule.DIRECTION))}"


def _holdout_table(con: duckdb.DuckDBPyConnection, guard: Guard) -> str:
    """Read the hold-out rows once into a temp table, so champion and challenger see the same rows."""
    try:
        query = sqlglot.parse_one(guard.holdout, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise guard.error("holdout", f"is not SQL: {exc}", "a SELECT, or the name of a dbt model") from exc
    if not isinstance(query, exp.Query):
        raise guard.error("holdout", "is not a query", "a SELECT, or the name of a dbt model")
    table = f"__holdout_{uuid.uuid4().hex[:12]}"
    create = exp.Create(this=exp.to_table(table), kind="TABLE", expression=query)
    create.set("properties", exp.Properties(expressions=[exp.TemporaryProperty()]))
    try:
        con.execute(sql(create))
    except duckdb.Error as exc:
        raise guard.error("holdout", f"cannot be read: {exc}", "check the relation or the SELECT") from exc
    return table


def _evaluate_challenger(
    con: duckdb.DuckDBPyConnection, guard: Guard, schema: str, name: str, holdout: exp.Query
) -> dict[str, Any]:
    """The challenger's ML.EVALUATE on the hold-out; the configured metric must be one of its values."""
    try:
        metrics = loop.evaluate(con, schema, name, holdout, strict=True)
    except LakehouseError as exc:
        raise guard.error("holdout", f"cannot be scored by the model: {exc.message}", exc.hint or "") from exc
    if guard.metric is None and not any(m in metrics for m in rule.DEFAULT_METRICS):
        raise guard.error("metric", "is needed: none of the default metrics applies", _metrics_hint())
    if guard.metric is not None and guard.metric not in metrics:
        model_type = registry.load(con, schema, name).model_type
        raise guard.error(
            "metric",
            f"= {guard.metric!r}: ML.EVALUATE of a {model_type} model has no such value",
            f"its metrics: {', '.join(sorted(metrics))}",
        )
    return metrics


def _train_challenger(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, ml_config: Mapping[str, Any], compiled_sql: str
) -> str:
    """Train the model's statement as ``<name>__challenger``, numbered as the model's next version."""
    challenger = f"{name}__challenger"
    if registry.exists(con, schema, challenger):  # left by a run that failed before it was kept
        registry.drop(con, schema, challenger)
    statement = dbt_hook.statement(schema, challenger, ml_config, compiled_sql)
    loop.without_registry_options(statement)  # the guard numbers the versions, not CREATE MODEL
    log.info("%s", engine.create_model(con, statement, lambda q: q))
    model = registry.load(con, schema, challenger)
    model.state["statement"] = dbt_hook.statement(schema, name, ml_config, compiled_sql).sql("bigquery")
    model.state["version"] = versions.next_version(con, schema, name)
    model.state["aliases"] = []
    registry.save(con, model)
    return challenger


def _first(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, challenger: str, report: loop.RetrainReport
) -> None:
    """No champion yet: the challenger becomes the model (its first version holds ``default``)."""
    report.metric = report.metric or loop.choose_metric(None, {}, report.challenger["metrics"])
    version = versions.version_of(registry.rename(con, schema, challenger, name))
    report.promoted, report.reason = True, "promoted: the first version (no champion)"
    report.challenger = {"version": version, "name": f"{schema}.{name}", **report.challenger}


def train(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    name: str,
    ml_config: Mapping[str, Any],
    compiled_sql: str,
    config: Mapping[str, Any],
    holdout_sql: str | None,
) -> str:
    """Build dbt model ``schema.name`` under ``promote_if_better`` (see the module docstring)."""
    guard = parse(f"{schema}.{name}", config, holdout_sql)
    table = _holdout_table(con, guard)
    try:
        report = _decide(con, guard, (schema, name), statement_parts=(ml_config, compiled_sql), table=table)
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.{sql(ident(table))}")
    loop.record(con, report)
    log.info("%s: %s", guard.model, report.reason)
    return f"{guard.model}: {report.reason}"


def _decide(
    con: duckdb.DuckDBPyConnection,
    guard: Guard,
    model: tuple[str, str],
    statement_parts: tuple[Mapping[str, Any], str],
    table: str,
) -> loop.RetrainReport:
    """Train the challenger, evaluate it (and the champion, if any) on the hold-out ``table``, settle."""
    schema, name = model
    holdout = exp.select("*").from_(exp.to_table(table))
    challenger = _train_challenger(con, schema, name, *statement_parts)
    kept = False
    try:
        metrics = _evaluate_challenger(con, guard, schema, challenger, holdout)
        trained = registry.load(con, schema, challenger)
        report = loop.RetrainReport(
            model=guard.model,
            drifted=[],
            retrained=True,
            promoted=False,
            reason="",
            metric=guard.metric,
            margin=guard.margin,
            lake_snapshot=trained.lake_snapshot,
            lake_snapshots=dict(trained.state.get("lake_snapshots", {})),
        )
        if registry.exists(con, schema, name):
            champion = registry.load(con, schema, name)
            both = (loop.evaluate(con, schema, name, holdout), metrics)
            loop.settle(con, champion, challenger, both, report, guard.metric, source="dbt")
        else:
            report.challenger = {"metrics": metrics}
            _first(con, schema, name, challenger, report)
        kept = True
    finally:
        if not kept and registry.exists(con, schema, challenger):  # a bad metric or hold-out
            registry.drop(con, schema, challenger)
    return report
