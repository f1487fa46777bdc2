"""The ML engine: CREATE MODEL, DROP MODEL and the ML.* table functions, over a DuckDB connection.

The SQL front end hands over parsed statements (sqlglot, BigQuery dialect) whose plain-SQL parts it
already rewrote for DuckDB; the engine materializes the encoded training rows in a temp table (or, for a
type that only reads them, a view over the query's own table when a copy would change nothing:
``warehouse.ml.in_place``), lets the model type train on it, and records the model in the registry. The engine is the same for
every model type: it finds the type, its options and its functions in ``warehouse.ml.types``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import duckdb
from sqlglot import exp

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressCallback
from warehouse.ml import in_place, labels, registry, tuning, types, versions
from warehouse.ml.model import LABEL, SPLIT, Call, ModelType, Scratch, TrainingData
from warehouse.ml.monitoring import describe, tfdv_describe, training_statistics, validate
from warehouse.ml.monitoring.statistics import Range
from warehouse.ml.options import parse_options
from warehouse.ml.preprocessing import automatic, transform
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import col, columns_of, ident, sql

log = logging.getLogger(__name__)
DEFAULT_SCHEMA = "ml"

ToDuckDB = Callable[[exp.Expr], exp.Expr]


def model_name(table: exp.Expr) -> tuple[str, str]:
    """(schema, name) of a model reference: ``[project.]dataset.model`` or ``model`` (schema ``ml``)."""
    if not isinstance(table, exp.Table) or not table.name:
        raise UsageError(f"not a model name: {table.sql('bigquery')!r}", hint="write MODEL dataset.name")
    return (table.db or DEFAULT_SCHEMA), table.name


def create_model(
    con: duckdb.DuckDBPyConnection,
    statement: exp.Create,
    to_duckdb: ToDuckDB,
    progress: ProgressCallback | None = None,
) -> str:
    """Train and register the model of a CREATE MODEL statement; returns a one-line summary."""
    schema, name = model_name(statement.this)
    # HPARAM_RANGE/HPARAM_CANDIDATES are search spaces, not values (warehouse.ml.tuning)
    properties, hparams, given = tuning.extract(statement.args.get("properties"))
    options = parse_options(properties, types.OPTIONS)
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
    model_type = types.get(options["model_type"])
    plan = tuning.plan(
        model_type.name,
        model_type.tuning,
        options,
        hparams,
        given,
        model_type.options,
        tuning.supervised(model_type),
    )
    model = Model(
        schema=schema,
        name=name,
        model_type=model_type.name,
        options=options,
        features=[],
        training_query=query.sql("bigquery"),
    )
    model.state["statement"] = statement.sql("bigquery")  # what ``lakehouse ml retrain`` runs again
    model.state["version"] = versions.next_version(con, schema, name)
    model.state["aliases"] = versions.check_aliases(options.get("vertex_ai_model_version_aliases") or [])
    if options.get("warm_start") and present:
        model.state["warm_start"] = _warm_start(con, model_type, registry.load(con, schema, name))
    model.lake_snapshot = registry.lake_snapshot(con)  # before the read: the rows are read at it
    relation: exp.Expr = to_duckdb(query)
    if model.lake_snapshot is not None:
        model.state["lake_snapshots"] = versions.pin(relation, model.lake_snapshot)
    raw = _as_query(relation)
    model.state["training_read"] = sql(raw)  # DuckDB SQL that reads the training rows again, exactly
    # rows that may differ from one read to the next (RAND(), TABLESAMPLE, a sequence) are read once: the
    # features' statistics, the training statistics and the trained rows are then the same rows
    with _read_once(con, relation) as rows:
        return _fit_and_train(
            con, model, model_type, plan, properties, rows, _as_query(rows), present, to_duckdb, progress
        )


@contextmanager
def _read_once(con: duckdb.DuckDBPyConnection, relation: exp.Expr) -> Iterator[exp.Expr]:
    """``relation``, or when its query may return other rows on another read (``_volatile``) a temp table
    holding the rows of one read, dropped afterwards."""
    if not _volatile(relation):
        yield relation
        return
    table = f"__ml_rows_{uuid.uuid4().hex[:12]}"
    con.execute(f'CREATE TEMP TABLE "{table}" AS {sql(_as_query(relation))}')
    try:
        yield exp.select("*").from_(exp.table_(table, quoted=True))
    finally:
        con.execute(f'DROP TABLE IF EXISTS temp."{table}"')


def _fit_and_train(
    con: duckdb.DuckDBPyConnection,
    model: Model,
    model_type: ModelType,
    plan: tuning.Plan | None,
    properties: exp.Properties | None,
    relation: exp.Expr,
    raw: exp.Query,
    present: bool,
    to_duckdb: ToDuckDB,
    progress: ProgressCallback | None,
) -> str:
    """CREATE MODEL after its options: TRANSFORM, feature statistics, encoded rows, training, registry."""
    schema, name, options = model.schema, model.name, model.options
    clause = _transform_clause(properties)
    if clause is not None:
        model.transform = clause.sql("bigquery")
        relation, model.state["transform"] = transform.fit(
            con, relation, clause, _label_names(model_type, options), to_duckdb
        )
    source = relation if isinstance(relation, exp.Table) else exp.Subquery(this=relation.copy())
    columns = columns_of(con, sql(source))
    roles = _resolve_roles(options, model_type.roles, columns)
    feature_columns = [(c, t) for c, t in columns if c not in set(roles.values())]
    if not feature_columns:
        raise UsageError(
            f"CREATE MODEL {schema}.{name}: the query has no feature columns",
            hint="select at least one feature",
        )
    ignored = list(roles.values())
    # without a TRANSFORM the raw columns are the features' columns: the pass that finds the features'
    # statistics also finds the ranges of the training statistics' histograms (one scan fewer)
    monitored = columns if clause is None else []
    label, label_type = roles.get(LABEL), dict(columns).get(roles.get(LABEL, ""))
    checks = (
        [labels.infinite_rows(label)] if label is not None and automatic.is_floating_type(label_type) else []
    )
    model.features, found = automatic.fit_with(
        con, relation, feature_columns, [*training_statistics.range_aggregates(monitored, ignored), *checks]
    )
    if label is not None and checks:
        labels.refuse_infinite(label, int(found.pop()))
    ranges = (
        training_statistics.read_ranges(
            con, relation, monitored, ignored, found, {f.name: (f.min, f.max) for f in model.features}
        )
        if clause is None
        else None
    )
    if "transform" in model.state:
        transform.drop_categories(model.features, model.state["transform"])
    encoding = model_type.encoding(options)
    dims = automatic.dims(model.features, dummy=encoding.dummy, label_encode=encoding.label_encode)
    model.state["dims"] = [d.__dict__ for d in dims]
    model.state["standardize"] = encoding.standardize
    model.state["impute"] = encoding.impute
    model.state["center"] = encoding.center
    table = f"__ml_train_{uuid.uuid4().hex[:12]}"
    select = exp.select(
        *automatic.encoded_select(
            model.features,
            dims,
            standardize=encoding.standardize,
            impute=encoding.impute,
            center=encoding.center,
        ),
        *[
            exp.alias_(labels.value(column, label_type) if role == LABEL else col(column), ident(role))
            for role, column in roles.items()
        ],
    )
    encoded_from = (
        relation
        if isinstance(relation, exp.Table)
        else exp.Subquery(this=relation, alias=exp.TableAlias(this=ident("__train")))
    )
    select = select.from_(encoded_from)
    train = model_type.train
    if plan is not None:  # each row's TRAIN/EVAL/TEST split, and the trials in place of one training
        split = plan.split_expression(columns, roles.get(SPLIT))
        select = select.select(exp.alias_(split, ident(tuning.SPLIT_COLUMN)))
        train = tuning.trainer(plan, model_type, _as_query(relation), split)
    materialize = model_type.materialize
    written = materialize if isinstance(materialize, bool) else materialize(options)
    # a view: the type reads the rows once (after counting them); rows that may change from one read to the
    # next are written once instead (a view the query reads could still hide such a function: the reader
    # then reports the change, supervised.fetch)
    kind = "TABLE" if written or plan or _volatile(relation) else "VIEW"
    in_place_rows = (
        in_place.view(con, relation, model.features, dims, encoding, roles)
        if model_type.reads_in_place and plan is None and clause is None
        else None
    )
    if in_place_rows is not None:  # the rows, values and row ids a copy would hold: read where they are
        select, kind = in_place_rows, "VIEW"
    con.execute(f'CREATE TEMP {kind} "{table}" AS {sql(select)}')
    try:
        data = TrainingData(
            con=con,
            table=table,
            dims=dims,
            rows=_row_count(con, table, model),
            roles=roles,
            label_type=dict(columns).get(roles.get(LABEL, ""), None),
            progress=progress,
            source=encoded_from,
            view=kind == "VIEW",
            row_ids=in_place_rows is not None,
        )
        rows = data.rows
        _train_and_save(con, train, model, data, replace=present, raw=raw, ignored=ignored, ranges=ranges)
    finally:
        con.execute(f'DROP {kind} IF EXISTS temp."{table}"')
    skipped = rows - data.rows  # supervised types leave out rows whose label is NULL (or NaN)
    note = f" ({skipped} rows with a NULL or NaN label skipped)" if skipped else ""
    log.info("trained %s model %s.%s on %d rows%s", model.model_type, schema, name, data.rows, note)
    return f"trained {model.model_type} model {schema}.{name} on {data.rows} rows{note}"


def _transform_clause(properties: exp.Properties | None) -> exp.TransformModelProperty | None:
    found = [
        p for p in (properties.expressions if properties else []) if isinstance(p, exp.TransformModelProperty)
    ]
    return found[0] if found else None


def _warm_start(con: duckdb.DuckDBPyConnection, model_type: ModelType, previous: Model) -> dict[str, Any]:
    """What the model type continues from, read before the replaced model is dropped."""
    if model_type.warm_start is None:
        raise UsageError(f"{model_type.name} models cannot warm start", hint="drop the warm_start option")
    return model_type.warm_start(con, previous)


def _label_names(model_type: ModelType, options: Mapping[str, Any]) -> list[str]:
    option = model_type.roles.get(LABEL)
    return list(options.get(option) or []) if option else []


def _resolve_roles(
    options: Mapping[str, Any], needed: Mapping[str, str], columns: list[tuple[str, str]]
) -> dict[str, str]:
    """role -> actual column name, matched case-insensitively; a named column that is missing is an error."""
    by_lower = {c.lower(): c for c, _ in columns}
    roles: dict[str, str] = {}
    for role, option in needed.items():
        value = options.get(option)
        if role == LABEL:
            if len(value or []) != 1:
                raise UsageError(
                    f"{option} = {value!r}: give exactly one label column", hint=f"{option} = ['y']"
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


def _row_count(con: duckdb.DuckDBPyConnection, table: str, model: Model) -> int:
    count = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    rows = int(count[0]) if count else 0
    if rows == 0:
        raise UsageError(
            f"CREATE MODEL {model.qualified_name}: the training query returned no rows",
            hint="check its WHERE clause",
        )
    return rows


#: functions whose values change from one read of the same rows to the next (sqlglot's own node types
#: cover RAND/RANDOM, UUID/GENERATE_UUID and TABLESAMPLE/USING SAMPLE)
_VOLATILE_FUNCTIONS = frozenset({"nextval", "currval", "setseed", "gen_random_uuid", "uuidv4", "uuidv7"})


def _volatile(relation: exp.Expr) -> bool:
    """Whether the training query's text may return other rows on another read."""
    return any(
        isinstance(node, exp.Rand | exp.Uuid | exp.TableSample)
        or (isinstance(node, exp.Anonymous) and str(node.this).lower() in _VOLATILE_FUNCTIONS)
        for node in relation.walk()
    )


def _as_query(relation: exp.Expr) -> exp.Query:
    if isinstance(relation, exp.Query):
        return relation
    return exp.select("*").from_(
        exp.Subquery(this=relation.copy(), alias=exp.TableAlias(this=ident("__raw")))
    )


def _train_and_save(
    con: duckdb.DuckDBPyConnection,
    train: Callable[[Model, TrainingData], None],
    model: Model,
    data: TrainingData,
    replace: bool,
    raw: exp.Query,
    ignored: list[str],
    ranges: Mapping[str, Range] | None,
) -> None:
    keep = versions.registered(model.options)
    with registry.atomic(con):  # a failed CREATE OR REPLACE keeps the previous model
        registry.create_schema(con, model.schema)
        if replace and keep:  # a registered model keeps its earlier versions (warehouse.ml.versions)
            versions.retire(con, model.schema, model.name)
        elif replace:
            registry.drop(con, model.schema, model.name)
        versions.take_aliases(con, model.schema, model.name, model.state["aliases"])
        train(model, data)
        raw_columns = columns_of(con, sql(exp.Subquery(this=raw.copy())))
        training_statistics.record(con, model, raw, raw_columns, ignored, ranges)
        model.state.pop("warm_start", None)
        registry.save(con, model)
        if keep:
            versions.record_default(con, model.schema, model.name, model.state["version"], "created")


def drop_model(con: duckdb.DuckDBPyConnection, statement: exp.Drop) -> str:
    table = (statement.args.get("tables") or [statement.this])[0]
    schema, name = model_name(table)
    if not registry.exists(con, schema, name):
        if statement.args.get("exists"):
            return f"model {schema}.{name} does not exist; nothing done"
        registry.load(con, schema, name)  # raises NotFoundError listing the models
        raise UsageError(
            f"model {schema}.{name} is the default version of its model; it cannot be dropped alone",
            hint="promote another version first (lakehouse ml promote), or drop the model",
        )
    dropped = versions.drop_all(con, schema, name)
    return f"dropped model {schema}.{name}" + (f" and its {dropped} other versions" if dropped else "")


#: the ML functions that, called without input rows, score the model's training rows again (as BigQuery
#: ML's ML.DETECT_ANOMALIES does for k-means); the principal's session reads the same rows for them
TRAINING_DATA_DEFAULT = frozenset({"DETECT_ANOMALIES"})


#: the ML functions that read the raw input columns (no TRANSFORM, no check for missing features)
RAW_INPUT = frozenset({"VALIDATE_DATA_SKEW"})


def _check_features(
    con: duckdb.DuckDBPyConnection, model: Model, function: str, input_query: exp.Query
) -> None:
    """Every raw training column the model reads must be in the input, as in BigQuery (extra columns pass
    through); a missing one is one clear error naming it, not a DuckDB binder error."""
    if model.transform:  # the TRANSFORM names what it reads; applying it reports a missing column
        return
    needed = [f.name for f in model.features]
    present = {name.lower() for name, _ in columns_of(con, sql(exp.Subquery(this=input_query.copy())))}
    missing = [name for name in needed if name.lower() not in present]
    if missing:
        raise UsageError(
            f"ML.{function}: the input data of model {model.qualified_name} is missing column "
            f"{', '.join(repr(m) for m in missing)}",
            hint="select every column the model was trained on (extra columns are passed through); "
            "ML.VALIDATE_DATA_SKEW reports such form changes feature by feature",
        )


def data_function(
    con: duckdb.DuckDBPyConnection,
    function: str,
    relations: list[exp.Query],
    params: dict[str, Any],
    model_ref: exp.Expr | None,
    scratch: Scratch,
) -> exp.Query:
    """The rows of a data function (ML.VALIDATE_DATA_DRIFT, ML.DESCRIBE_DATA) as a DuckDB query.

    A ``MODEL m`` given to ML.VALIDATE_DATA_DRIFT applies that model's TRANSFORM to both relations.
    """
    if model_ref is not None:
        model = registry.load(con, *model_name(model_ref))
        if model.transform:
            relations = [transform.apply(con, model.state["transform"], r) for r in relations]
    wanted, run = DATA_FUNCTIONS[function]
    if len(relations) != wanted:
        raise UsageError(
            f"ML.{function} takes {wanted} relation{'s' if wanted > 1 else ''}, got {len(relations)}",
            hint="ML.VALIDATE_DATA_DRIFT(TABLE base, TABLE study, STRUCT(...)); ML.DESCRIBE_DATA(TABLE t); "
            "ML.TFDV_DESCRIBE(TABLE t)",
        )
    return run(con, relations, params, scratch)


#: ML.<F> of a data function -> (how many relations it takes, its SQL)
DATA_FUNCTIONS: dict[
    str,
    tuple[int, Callable[[duckdb.DuckDBPyConnection, list[exp.Query], dict[str, Any], Scratch], exp.Query]],
] = {
    "VALIDATE_DATA_DRIFT": (2, lambda con, r, p, s: validate.drift(con, r[0], r[1], p, s.materialize)),
    "DESCRIBE_DATA": (1, lambda con, r, p, s: describe.describe(con, r[0], p, s.materialize)),
    "TFDV_DESCRIBE": (1, lambda con, r, p, s: tfdv_describe.describe(con, r[0], p)),
}


def table_function(
    con: duckdb.DuckDBPyConnection,
    function: str,
    model_ref: exp.Expr,
    input_query: exp.Query | None,
    params: dict[str, Any],
    thresholds: exp.Expr | None,
    scratch: Scratch,
    to_duckdb: ToDuckDB | None = None,
    parse: Callable[[str], list[exp.Expr]] | None = None,
) -> exp.Query:
    """The rows of ``ML.<function>(MODEL m, input, params)`` as a DuckDB query.

    With ``to_duckdb`` and ``parse`` (the front end's), a function called without input may score the
    training data again (ML.DETECT_ANOMALIES): the stored training query, parsed and rewritten.
    """
    schema, name = model_name(model_ref)
    model = registry.load(con, schema, name)
    run = tuning.FUNCTIONS.get(function) or types.function(model.model_type, function, model.qualified_name)
    if input_query is not None and function not in RAW_INPUT:
        _check_features(con, model, function, input_query)
        if model.transform:
            input_query = transform.apply(con, model.state["transform"], input_query)
    call = Call(
        con=con,
        model=model,
        function=function,
        input=input_query,
        params=params,
        thresholds=thresholds,
        scratch=scratch,
        training_rows=None
        if to_duckdb is None or parse is None or function not in TRAINING_DATA_DEFAULT
        else _rerun(con, model, to_duckdb, parse),
    )
    return tuning.serve(call, run)  # a tuned model's trials (trial_id), or the model as it is


def _rerun(
    con: duckdb.DuckDBPyConnection, model: Model, to_duckdb: ToDuckDB, parse: Callable[[str], list[exp.Expr]]
) -> Callable[[], exp.Query]:
    def training_rows() -> exp.Query:
        query = to_duckdb(parse(model.training_query)[0])
        assert isinstance(query, exp.Query)  # the stored AS query of a CREATE MODEL
        return transform.apply(con, model.state["transform"], query) if model.transform else query

    return training_rows
