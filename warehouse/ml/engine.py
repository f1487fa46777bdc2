"""The ML engine: CREATE MODEL, DROP MODEL and the ML.* table functions, over a DuckDB connection.

The SQL front end hands over parsed statements (sqlglot, BigQuery dialect) whose plain-SQL parts it
already rewrote for DuckDB; the engine materializes the encoded training rows in a temp table,
lets the model type train on it, and records the model in the registry.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import duckdb
from sqlglot import exp

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressCallback
from warehouse.ml import functions, registry
from warehouse.ml.model import INIT, LABEL, SPLIT, WEIGHT, Call, ModelType, Scratch, TrainingData
from warehouse.ml.options import parse_options
from warehouse.ml.preprocessing import automatic as preprocess
from warehouse.ml.preprocessing import transform
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import col, columns_of, ident, sql

log = logging.getLogger(__name__)
DEFAULT_SCHEMA = "ml"

#: the option naming the column of each training role
ROLE_OPTIONS = {
    LABEL: "input_label_cols",
    SPLIT: "data_split_col",
    INIT: "kmeans_init_col",
    WEIGHT: "instance_weight_col",
}


def model_types() -> Mapping[str, ModelType]:
    from warehouse.ml.models.kmeans.train import MODEL_TYPE as kmeans
    from warehouse.ml.models.linear_reg.train import MODEL_TYPE as linear_reg
    from warehouse.ml.models.logistic_reg.train import MODEL_TYPE as logistic_reg

    return {m.name: m for m in (kmeans, linear_reg, logistic_reg) if m is not None}


def model_name(table: exp.Expr) -> tuple[str, str]:
    """(schema, name) of a model reference: ``[project.]dataset.model`` or ``model`` (schema ``ml``)."""
    if not isinstance(table, exp.Table) or not table.name:
        raise UsageError(f"not a model name: {table.sql('bigquery')!r}", hint="write MODEL dataset.name")
    return (table.db or DEFAULT_SCHEMA), table.name


def create_model(
    con: duckdb.DuckDBPyConnection,
    statement: exp.Create,
    to_duckdb: Callable[[exp.Expr], exp.Expr],
    progress: ProgressCallback | None = None,
) -> str:
    """Train and register the model of a CREATE MODEL statement; returns a one-line summary."""
    schema, name = model_name(statement.this)
    properties = statement.args.get("properties")
    options = parse_options(properties)
    transform_clause = next(
        (
            p
            for p in (properties.expressions if properties else [])
            if isinstance(p, exp.TransformModelProperty)
        ),
        None,
    )
    query = statement.expression
    if query is None:
        raise UsageError(
            f"CREATE MODEL {schema}.{name} has no AS query", hint="CREATE MODEL m OPTIONS(...) AS SELECT ..."
        )
    present = registry.exists(con, schema, name)
    if present and statement.args.get("exists"):
        return f"model {schema}.{name} exists; nothing done"
    if present and not statement.args.get("replace") and not options.get("warm_start"):
        raise UsageError(
            f"model {schema}.{name} already exists", hint="use CREATE OR REPLACE MODEL or DROP MODEL first"
        )
    model_type = model_types()[options["model_type"]]
    model = Model(
        schema=schema,
        name=name,
        model_type=model_type.name,
        options=options,
        features=[],
        training_query=query.sql("bigquery"),
    )
    if options.get("warm_start") and present:
        model.state["warm_start"] = functions.warm_start_state(con, registry.load(con, schema, name))
    relation: exp.Expr = to_duckdb(query)
    roles_needed = {
        role: ROLE_OPTIONS[role] for role in (LABEL, SPLIT, INIT, WEIGHT) if ROLE_OPTIONS[role] in options
    }
    if transform_clause is not None:
        model.transform = transform_clause.sql("bigquery")
        relation, model.state["transform"] = transform.fit(
            con, relation, transform_clause, _label_names(options), to_duckdb
        )
    columns = columns_of(
        con, sql(exp.Subquery(this=relation.copy())) if not isinstance(relation, exp.Table) else sql(relation)
    )
    roles = _resolve_roles(options, roles_needed, columns, model_type.name)
    role_columns = set(roles.values())
    feature_columns = [(c, t) for c, t in columns if c not in role_columns]
    if not feature_columns:
        raise UsageError(
            f"CREATE MODEL {schema}.{name}: the query has no feature columns",
            hint="select at least one feature",
        )
    model.features = preprocess.fit(con, relation, feature_columns)
    if "transform" in model.state:
        transform.drop_categories(model.features, model.state["transform"])
    dummy = options.get("category_encoding_method") == "DUMMY_ENCODING"
    dims = preprocess.dims(model.features, dummy=dummy)
    model.state["dims"] = [d.__dict__ for d in dims]
    model.state["standardize"] = model_type.standardize(options)
    table = f"__ml_train_{uuid.uuid4().hex[:12]}"
    label_type = dict(columns).get(roles.get(LABEL, ""), None)
    select = exp.select(
        *preprocess.encoded_select(model.features, dims, standardize=model.state["standardize"]),
        *[exp.alias_(col(column), ident(role)) for role, column in roles.items()],
    ).from_(
        exp.Subquery(this=relation, alias=exp.TableAlias(this=ident("__train")))
        if not isinstance(relation, exp.Table)
        else relation
    )
    con.execute(f'CREATE TEMP TABLE "{table}" AS {sql(select)}')
    try:
        count = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        rows = int(count[0]) if count else 0
        if rows == 0:
            raise UsageError(
                f"CREATE MODEL {schema}.{name}: the training query returned no rows",
                hint="check its WHERE clause",
            )
        data = TrainingData(
            con=con, table=table, dims=dims, rows=rows, roles=roles, label_type=label_type, progress=progress
        )
        with registry.atomic(con):  # a failed CREATE OR REPLACE keeps the previous model
            registry.create_schema(con, schema)
            if present:
                registry.drop(con, schema, name)
            model_type.train(model, data)
            model.state.pop("warm_start", None)
            model.lake_snapshot = registry.lake_snapshot(con)
            registry.save(con, model)
    finally:
        con.execute(f'DROP TABLE IF EXISTS temp."{table}"')
    skipped = rows - data.rows  # GLMs leave out rows whose label is NULL
    note = f" ({skipped} rows with a NULL label skipped)" if skipped else ""
    log.info("trained %s model %s.%s on %d rows%s", model.model_type, schema, name, data.rows, note)
    return f"trained {model.model_type} model {schema}.{name} on {data.rows} rows{note}"


def _label_names(options: Mapping[str, Any]) -> list[str]:
    return list(options.get("input_label_cols") or [])


def _resolve_roles(
    options: Mapping[str, Any], needed: Mapping[str, str], columns: list[tuple[str, str]], model_type: str
) -> dict[str, str]:
    """role -> actual column name, matched case-insensitively; a named column that is missing is an error."""
    by_lower = {c.lower(): c for c, _ in columns}
    roles: dict[str, str] = {}
    for role, option in needed.items():
        value = options.get(option)
        if option == "input_label_cols":
            if len(value or []) != 1:
                raise UsageError(
                    f"input_label_cols = {value!r}: give exactly one label column",
                    hint="input_label_cols = ['y']",
                )
            value = value[0] if value else None
        if value is None:
            continue
        if value.lower() not in by_lower:
            raise UsageError(
                f"{option} names column {value!r}, which the training query does not return",
                hint=f"columns: {', '.join(c for c, _ in columns)}",
            )
        roles[role] = by_lower[value.lower()]
    return roles


def drop_model(con: duckdb.DuckDBPyConnection, statement: exp.Drop) -> str:
    table = (statement.args.get("tables") or [statement.this])[0]
    schema, name = model_name(table)
    if not registry.exists(con, schema, name):
        if statement.args.get("exists"):
            return f"model {schema}.{name} does not exist; nothing done"
        registry.load(con, schema, name)  # raises NotFoundError listing the models
    registry.drop(con, schema, name)
    return f"dropped model {schema}.{name}"


#: functions that read the training data when called without input rows
TRAINING_DATA_DEFAULT = frozenset({"DETECT_ANOMALIES"})


def table_function(
    con: duckdb.DuckDBPyConnection,
    function: str,
    model_ref: exp.Expr,
    input_query: exp.Query | None,
    params: dict[str, Any],
    thresholds: exp.Expr | None,
    scratch: Scratch,
    to_duckdb: Callable[[exp.Expr], exp.Expr] | None = None,
) -> exp.Query:
    """The rows of ``ML.<function>(MODEL m, input, params)`` as a DuckDB query.

    Functions that score the training data when given no input (ML.DETECT_ANOMALIES) re-run the stored
    training query, rewritten by ``to_duckdb``.
    """
    schema, name = model_name(model_ref)
    model = registry.load(con, schema, name)
    model_type = model_types()[model.model_type]
    table = {**functions.COMMON, **model_type.functions}
    if function not in table:
        raise UsageError(
            f"ML.{function} is not available for {model.model_type} model {model.qualified_name}",
            hint=f"functions for {model.model_type}: {', '.join('ML.' + f for f in sorted(table))}",
        )
    if input_query is None and function in TRAINING_DATA_DEFAULT and to_duckdb is not None:
        from warehouse.sql.dialect import parse

        rerun = to_duckdb(parse(model.training_query)[0])
        assert isinstance(rerun, exp.Query)
        input_query = rerun
    if input_query is not None and model.transform:
        input_query = transform.apply(con, model, input_query)
    call = Call(
        con=con,
        model=model,
        function=function,
        input=input_query,
        params=params,
        thresholds=thresholds,
        scratch=scratch,
    )
    return table[function](call)
