"""The retrain loop: drift check, challenger, one hold-out for both, promote only if better, record it.

``retrain(con, "ml.name")``:

1. reads the current data: the model's own training query run now (the lake's newest snapshot), into a
   temp table with a deterministic hold-out flag (``hash`` of the row, one row in ``HOLDOUT_EVERY``), its
   lake tables pinned to the snapshot current when the read starts;
2. checks ML.VALIDATE_DATA_SKEW of the current data against the model's training statistics and the
   thresholds given (or the model's defaults); without an anomaly and without ``force`` it stops there;
3. trains a challenger with the model's stored CREATE MODEL statement (options, TRANSFORM) on the current
   data outside the hold-out;
4. evaluates champion and challenger with ML.EVALUATE on the same hold-out rows;
5. applies ``rule.decide``; the challenger is kept as version M of the model (``warehouse.ml.versions``);
   promoted, it takes the ``default`` alias (it serves as ``<name>``, the champion is kept as
   ``<name>__v<N>``); kept, it stays ``<name>__v<M>``;
6. records the decision (metrics, thresholds, drifted features, lake snapshot, reason) in
   ``ml._retrain_decisions`` (``decisions.sql``), which the catalog can read like the registry.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import duckdb
from sqlglot import exp

from lakehouse.errors import LakehouseError, UsageError
from lakehouse.progress import ProgressCallback
from warehouse.ml import engine, registry, versions
from warehouse.ml.model import Scratch
from warehouse.ml.sqlexpr import ident, sql, string
from warehouse.retrain import rule
from warehouse.retrain.histograms import histograms
from warehouse.sql.frontend import parse_statements, run_statement, to_duckdb

log = logging.getLogger(__name__)
HOLDOUT_EVERY = 5  # one row in five is held out
HOLDOUT = "__holdout"
DECISIONS = "ml._retrain_decisions"
_DDL = resources.files(__package__).joinpath("decisions.sql").read_text()


@dataclass
class RetrainReport:
    """What ``retrain`` did; the row it wrote to ``ml._retrain_decisions``."""

    model: str
    drifted: list[dict[str, Any]]  # the rows of ``skew`` that are anomalies
    retrained: bool
    promoted: bool
    reason: str
    metric: str | None = None
    margin: float = 0.0
    champion: dict[str, Any] = field(default_factory=dict)  # version, name, metrics
    challenger: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    lake_snapshot: int | None = None
    #: lake table -> the snapshot the current data was read at
    lake_snapshots: dict[str, int] = field(default_factory=dict)
    skew: list[dict[str, Any]] = field(default_factory=list)  # every ML.VALIDATE_DATA_SKEW row
    #: base (training statistics) and study (current rows) histograms per feature, for the pictures
    histograms: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None  # the pictures' page, once written (``report.write_html``)


def _query(text: str) -> exp.Query:
    tree = parse_statements(text)[0]
    assert isinstance(tree, exp.Query), text
    return tree


def _rows(con: duckdb.DuckDBPyConnection, tree: exp.Expr) -> list[dict[str, Any]]:
    return run_statement(con, tree).to_dicts()


def _current_data(con: duckdb.DuckDBPyConnection, model: registry.Model, table: str) -> dict[str, int]:
    """Run the model's training query now into temp table ``table``; the lake snapshot of each lake table
    it read (the read is pinned to the snapshot current when it starts)."""
    snapshot = registry.lake_snapshot(con)
    scratch = Scratch(con)
    try:
        query = to_duckdb(con, _query(model.training_query), scratch)
        pinned = {} if snapshot is None else versions.pin(query, snapshot)
        flagged = exp.select(
            "*",
            exp.alias_(
                exp.EQ(
                    this=exp.Mod(
                        this=exp.func("hash", exp.column("__current")),
                        expression=exp.Literal.number(HOLDOUT_EVERY),
                    ),
                    expression=exp.Literal.number(0),
                ),
                HOLDOUT,
            ),
        ).from_(exp.Subquery(this=query, alias=exp.TableAlias(this=ident("__current"))))
        con.execute(f"CREATE TEMP TABLE {sql(ident(table))} AS {sql(flagged)}")
    finally:
        scratch.close()
    return pinned


def _rows_of(table: str, holdout: bool) -> exp.Query:
    """``SELECT * EXCEPT(__holdout) FROM table WHERE [NOT] __holdout`` (BigQuery SQL tree)."""
    flag: exp.Expr = exp.column(HOLDOUT) if holdout else exp.Not(this=exp.column(HOLDOUT))
    return exp.select(exp.Star(except_=[exp.column(HOLDOUT)])).from_(exp.to_table(table)).where(flag)


def _skew(
    con: duckdb.DuckDBPyConnection, model: registry.Model, table: str, thresholds: dict[str, Any]
) -> list[dict[str, Any]]:
    tree = _query(
        "SELECT * FROM ML.VALIDATE_DATA_SKEW(MODEL m, (SELECT 1), STRUCT(0.3 AS numerical_default_threshold))"
    )
    call = tree.find(exp.Func)
    assert call is not None
    call.set("this", exp.table_(ident(model.name), db=ident(model.schema)))
    all_rows = exp.select(exp.Star(except_=[exp.column(HOLDOUT)])).from_(exp.to_table(table))
    call.set("input", exp.Subquery(this=all_rows))
    call.set("params", _struct(thresholds))
    return _rows(con, tree)


def _struct(thresholds: dict[str, Any]) -> exp.Struct:
    fields: list[exp.Expr] = []
    for key, value in thresholds.items():
        if key == "thresholds":
            node: exp.Expr = exp.Array(
                expressions=[
                    exp.Tuple(expressions=[string(c), exp.Literal.number(repr(float(t)))]) for c, t in value
                ]
            )
        else:
            node = exp.Literal.number(value) if isinstance(value, int | float) else string(str(value))
        fields.append(exp.PropertyEQ(this=exp.to_identifier(key), expression=node))
    return exp.Struct(expressions=fields)


#: CREATE MODEL options the challenger's statement leaves out: the loop numbers it as a version of the
#: champion itself (a registered challenger would start a version history of its own)
_REGISTRY_OPTIONS = frozenset({"model_registry", "vertex_ai_model_id", "vertex_ai_model_version_aliases"})


def without_registry_options(statement: exp.Create) -> None:
    properties = statement.args.get("properties")
    for prop in list(properties.expressions if properties else []):
        if isinstance(prop, exp.Property) and prop.name.lower() in _REGISTRY_OPTIONS:
            prop.pop()


def _train_challenger(
    con: duckdb.DuckDBPyConnection,
    model: registry.Model,
    name: str,
    table: str,
    read: tuple[int | None, dict[str, int]],
    progress: ProgressCallback | None,
) -> None:
    if "statement" not in model.state:
        raise UsageError(
            f"model {model.qualified_name} has no stored CREATE MODEL statement",
            hint="train it again with CREATE OR REPLACE MODEL (models trained before retrain support have none)",
        )
    statement = parse_statements(model.state["statement"])[0]
    assert isinstance(statement, exp.Create)
    statement.set("this", exp.table_(ident(name), db=ident(model.schema)))
    statement.set("replace", True)
    statement.set("exists", False)
    statement.set("expression", _rows_of(table, holdout=False))
    without_registry_options(statement)
    run_statement(con, statement, progress=progress)
    # the challenger answers to the champion's statement (its query reads the lake, not the temp table),
    # and was trained on the lake as the loop read it
    challenger = registry.load(con, model.schema, name)
    challenger.training_query = model.training_query
    challenger.options = model.options
    challenger.state["statement"] = model.state["statement"]
    challenger.state["version"] = versions.next_version(con, model.schema, model.name)
    challenger.state["aliases"] = []
    challenger.lake_snapshot, challenger.state["lake_snapshots"] = read
    registry.save(con, challenger)


def evaluate(
    con: duckdb.DuckDBPyConnection, schema: str, name: str, holdout: exp.Query, *, strict: bool = False
) -> dict[str, Any]:
    """ML.EVALUATE of model ``schema.name`` on the ``holdout`` rows (a BigQuery SQL tree): its numeric
    columns. A model that cannot score them has no metrics (a warning), or, with ``strict``, raises."""
    tree = _query("SELECT * FROM ML.EVALUATE(MODEL m, (SELECT 1))")
    call = tree.find(exp.Func)
    assert call is not None
    call.set("this", exp.table_(ident(name), db=ident(schema)))
    call.set("input", exp.Subquery(this=holdout.copy()))
    try:
        rows = _rows(con, tree)
    except LakehouseError as exc:  # the champion cannot score the current data (a form change): no metric
        if strict:
            raise
        log.warning("ML.EVALUATE of %s.%s on the hold-out failed: %s", schema, name, exc)
        return {}
    return {k: v for k, v in rows[0].items() if isinstance(v, int | float)} if rows else {}


def choose_metric(configured: str | None, champion: dict[str, Any], challenger: dict[str, Any]) -> str:
    """The metric compared: the configured one, else the first of ``rule.DEFAULT_METRICS`` either side has."""
    if configured is not None:
        return configured.lower()
    for name in rule.DEFAULT_METRICS:
        if name in challenger or name in champion:
            return name
    raise UsageError(
        "no metric to compare", hint=f"give --metric, one of {', '.join(sorted(rule.DIRECTION))}"
    )


def retrain(
    con: duckdb.DuckDBPyConnection,
    model_name: str,
    *,
    force: bool = False,
    metric: str | None = None,
    margin: float = 0.0,
    thresholds: dict[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> RetrainReport:
    """One turn of the loop for model ``schema.name`` (see the module docstring)."""
    schema, _, name = model_name.rpartition(".")
    schema = schema or engine.DEFAULT_SCHEMA
    champion = registry.load(con, schema, name)
    table = f"__retrain_{uuid.uuid4().hex[:12]}"
    settings = dict(thresholds or {})
    read = _current_data(con, champion, table)
    try:
        skew = _skew(con, champion, table, settings)
        drifted = [r for r in skew if r["is_anomaly"]]
        report = RetrainReport(
            model=champion.qualified_name,
            drifted=drifted,
            retrained=False,
            promoted=False,
            reason="",
            margin=margin,
            thresholds=settings,
            lake_snapshot=registry.lake_snapshot(con),
            lake_snapshots=read,
            skew=skew,
            histograms=histograms(con, champion, table),
        )
        if not drifted and not force:
            report.reason = "kept: no drift beyond the thresholds"
        else:
            _challenge(con, champion, table, report, metric, progress)
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.{sql(ident(table))}")
    record(con, report)
    return report


def _challenge(
    con: duckdb.DuckDBPyConnection,
    champion: registry.Model,
    table: str,
    report: RetrainReport,
    metric: str | None,
    progress: ProgressCallback | None,
) -> None:
    schema, name = champion.schema, champion.name
    challenger_name = f"{name}__challenger"
    read = (report.lake_snapshot, report.lake_snapshots)
    _train_challenger(con, champion, challenger_name, table, read, progress)
    report.retrained = True
    holdout = _rows_of(table, holdout=True)
    champion_metrics = evaluate(con, schema, name, holdout)
    challenger_metrics = evaluate(con, schema, challenger_name, holdout)
    settle(con, champion, challenger_name, (champion_metrics, challenger_metrics), report, metric)


def settle(
    con: duckdb.DuckDBPyConnection,
    champion: registry.Model,
    challenger_name: str,
    metrics: tuple[dict[str, Any], dict[str, Any]],
    report: RetrainReport,
    metric: str | None,
    source: str = "retrain",
) -> None:
    """Apply ``rule.decide`` to the hold-out ``metrics`` of (champion, challenger); keep the challenger
    (model ``challenger_name``) as the next version of the champion, with ``default`` if it is promoted;
    fill ``report``'s decision. ``source`` prefixes the reason logged in ``ml._model_defaults``."""
    schema, name = champion.schema, champion.name
    champion_metrics, challenger_metrics = metrics
    report.metric = choose_metric(metric, champion_metrics, challenger_metrics)
    verdict = rule.decide(
        report.metric,
        champion_metrics.get(report.metric),
        challenger_metrics.get(report.metric),
        report.margin,
    )
    old = versions.version_of(champion)
    new = versions.version_of(registry.load(con, schema, challenger_name))
    with registry.atomic(con):  # the challenger is kept as a version; it takes `default` if promoted
        registry.rename(con, schema, challenger_name, versions.stored_name(name, new))
        if verdict.promote:
            versions.promote(con, schema, name, new, reason=f"{source}: {verdict.reason}")
            kept_as = (f"{schema}.{versions.stored_name(name, old)}", f"{schema}.{name}")
        else:
            kept_as = (f"{schema}.{name}", f"{schema}.{versions.stored_name(name, new)}")
    report.promoted, report.reason = verdict.promote, verdict.reason
    report.champion = {"version": old, "name": kept_as[0], "metrics": champion_metrics}
    report.challenger = {"version": new, "name": kept_as[1], "metrics": challenger_metrics}


def decisions(con: duckdb.DuckDBPyConnection, model: str) -> list[dict[str, Any]]:
    """The recorded retrain decisions of ``model`` (schema-qualified), newest first; JSON columns parsed."""
    present = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'ml' AND table_name = '_retrain_decisions'"
    ).fetchone()
    if not present or not present[0]:
        return []
    cursor = con.execute(f"SELECT * FROM {DECISIONS} WHERE model = ? ORDER BY decided_at DESC", [model])
    names = [c[0] for c in cursor.description or []]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        for key in ("champion", "challenger", "drifted", "thresholds"):
            row[key] = json.loads(row[key])
    return rows


def record(con: duckdb.DuckDBPyConnection, report: RetrainReport) -> None:
    """Write ``report``'s decision as a row of ``ml._retrain_decisions`` (created on first use)."""
    for statement in _DDL.split(";"):
        if statement.strip():
            con.execute(statement)
    con.execute(
        f"INSERT INTO {DECISIONS} (model, retrained, promoted, reason, metric, margin, champion, challenger, "
        "drifted, thresholds, lake_snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            report.model,
            report.retrained,
            report.promoted,
            report.reason,
            report.metric,
            report.margin,
            json.dumps(report.champion, default=float),
            json.dumps(report.challenger, default=float),
            json.dumps(report.drifted, default=float),
            json.dumps(report.thresholds),
            report.lake_snapshot,
        ],
    )
