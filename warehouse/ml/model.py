"""What a model type is (``ModelType``), and what training and the ML functions hand to it.

A model type is one value of ``ModelType``, built in ``models/<type>/__init__.py`` from the type's parts:
its options, the roles its special columns play, how its features are encoded, ``train`` and the table
of the ML functions it supports. Training sees the data as a DuckDB table (``TrainingData.table``)
of encoded dimensions ``__x0..`` (a type that encodes the raw columns itself with the model's feature
statistics reads ``TrainingData.source``); functions get a ``Call`` and return SQL
(``exp.Query``) that the front end inlines into the user's statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressCallback
from warehouse.ml.options import OptionSpec
from warehouse.ml.preprocessing.automatic import Dim, Encoding, dim_name
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import col, ident, sql
from warehouse.ml.tunable import Tuning

# special columns of the training table (a model type may add its own in its options module)
LABEL = "__label"
WEIGHT = "__weight"
SPLIT = "__split"
ROW_ID = "__rid"  # the training table's rowid (insertion = query order), as relation() exposes it


@dataclass
class TrainingData:
    """The encoded training rows: a DuckDB temp table, or a temp view for a type that streams them once
    (``ModelType.materialize``)."""

    con: duckdb.DuckDBPyConnection
    table: str  # temp table (a view for types that do not materialize): __x0.., the role columns present
    dims: list[Dim]
    rows: int
    roles: dict[str, str]  # role (LABEL, ...) -> user column name
    label_type: str | None = None
    progress: ProgressCallback | None = None
    #: the prepared rows' SQL when ``supervised.prepare`` did not write them (a trainer that reads them once)
    prepared: str | None = None
    #: ``table`` is a temp view (``ModelType.materialize``): no ``rowid``
    view: bool = False
    # the rows ``table`` encodes (the training query, after any TRANSFORM): for a type that reads the
    # raw feature columns and encodes them itself, with the model's feature statistics
    source: exp.Expr | None = None
    #: ``table`` is a view over the training query's own table that carries its rows' ids as ``__rid``
    #: (``warehouse.ml.in_place``)
    row_ids: bool = False

    def x(self, i: int) -> exp.Column:
        return col(dim_name(i))

    @property
    def xs(self) -> list[exp.Column]:
        return [self.x(i) for i in range(len(self.dims))]

    def relation(self) -> exp.Subquery:
        """The training rows with their row id as ``__rid`` (a materialized table's ``rowid``, or the id the
        view over the query's own table carries)."""
        if self.row_ids:
            return exp.select("*").from_(exp.to_table(self.table)).subquery("__training")
        rows = exp.select(exp.alias_(exp.column("rowid"), ident(ROW_ID)), "*").from_(exp.to_table(self.table))
        return rows.subquery("__training")


@dataclass
class Scratch:
    """Temporary tables a statement creates (small function results); dropped when it finishes."""

    con: duckdb.DuckDBPyConnection
    tables: list[str] = field(default_factory=list)

    def arrow_relation(self, data: pa.Table) -> exp.Query:
        name = f"__ml_result_{uuid.uuid4().hex[:12]}"
        view = f"{name}_arrow"
        self.con.register(view, data)
        try:
            self.con.execute(f'CREATE TEMP TABLE "{name}" AS SELECT * FROM "{view}"')
        finally:
            self.con.unregister(view)
        self.tables.append(name)
        return exp.select("*").from_(exp.Table(this=ident(name)))

    def materialize(self, query: exp.Query) -> exp.Query:
        """The result of ``query`` kept in a temp table (computed in DuckDB, once), as a relation."""
        name = f"__ml_result_{uuid.uuid4().hex[:12]}"
        self.con.execute(f'CREATE TEMP TABLE "{name}" AS {sql(query)}')
        self.tables.append(name)
        return exp.select("*").from_(exp.Table(this=ident(name)))

    def rows_relation(self, schema: pa.Schema, rows: list[dict[str, Any]]) -> exp.Query:
        return self.arrow_relation(pa.Table.from_pylist(rows, schema=schema))

    def close(self) -> None:
        for name in self.tables:
            self.con.execute(f'DROP TABLE IF EXISTS temp."{name}"')
        self.tables.clear()


@dataclass
class Call:
    """One ``ML.<F>(MODEL m, input, STRUCT(...), thresholds)`` call, resolved."""

    con: duckdb.DuckDBPyConnection
    model: Model
    function: str
    input: exp.Query | None  # the input rows, already preprocessed by TRANSFORM if the model has one
    params: dict[str, Any]
    thresholds: exp.Expr | None
    scratch: Scratch
    #: the model's training query as DuckDB SQL, TRANSFORM applied (None when the caller cannot re-run it)
    training_rows: Callable[[], exp.Query] | None = None

    def require_input(self) -> exp.Query:
        if self.input is None:
            raise UsageError(
                f"ML.{self.function} needs input rows", hint=f"ML.{self.function}(MODEL m, TABLE t)"
            )
        return self.input

    def input_or_training_rows(self) -> exp.Query:
        """The input rows or, for a call without input, the training rows again (ML.DETECT_ANOMALIES)."""
        if self.input is None and self.training_rows is not None:
            return self.training_rows()
        return self.require_input()

    def no_params(self) -> None:
        """This function takes no STRUCT parameters: any given is an error."""
        self.param("", None, ())

    def param(self, name: str, default: Any, allowed: tuple[str, ...]) -> Any:
        unknown = set(self.params) - set(allowed)
        if unknown:
            raise UsageError(
                f"ML.{self.function}: unknown parameter {sorted(unknown)[0]!r}",
                hint=f"valid parameters: {', '.join(allowed) or 'none'}",
            )
        return self.params.get(name, default)


Function = Callable[[Call], exp.Query]


@dataclass(frozen=True)
class Stages:
    """A type's ``train`` in three steps, for a type whose fit needs no DuckDB: hyperparameter tuning
    prepares the trials of a batch in turn, fits them at once in worker threads (MAX_PARALLEL_TRIALS) and
    stores each in turn. ``train`` must equal ``store(model, data, p, fit(model, p := prepare(model, data)))``.
    """

    #: check the options and read the rows from DuckDB (may fill ``model.state``); returns what fit needs
    prepare: Callable[[Model, TrainingData], Any]
    #: (model, prepared, threads) -> the fitted result; no DuckDB, no change to ``model``
    fit: Callable[[Model, Any, int], Any]
    #: (model, data, prepared, fitted): write the state tables, fill ``model.state`` and ``model.metrics``
    store: Callable[[Model, TrainingData, Any, Any], None]


@dataclass(frozen=True)
class ModelType:
    """One model type: the row ``warehouse.ml.types.MODEL_TYPES`` holds for it."""

    name: str  # the OPTIONS(model_type = ...) value, upper case
    #: every option the type accepts (``model_type`` included), with defaults and allowed values
    options: Mapping[str, OptionSpec]
    #: role (LABEL, ...) -> the option naming the column that plays it (e.g. LABEL -> input_label_cols)
    roles: Mapping[str, str]
    #: how the features become the dimensions ``__x0..`` (standardized? dummy-encoded?), from the options
    encoding: Callable[[Mapping[str, Any]], Encoding]
    #: fit; write the state tables, fill ``model.state`` and ``model.metrics``
    train: Callable[[Model, TrainingData], None]
    #: ``ML.<NAME>`` -> function, beyond the generic ones every type has (warehouse.ml.functions)
    functions: Mapping[str, Function]
    #: what ``warm_start`` continues from, read from the model being replaced (before it is dropped)
    warm_start: Callable[[duckdb.DuckDBPyConnection, Model], dict[str, Any]] | None = None
    #: False: ``TrainingData.table`` is a temp view of the encoded rows instead of a table, for a type
    #: that reads them once, streaming (no ``rowid``, so no ``TrainingData.relation()``); a function of the
    #: options for a type that needs the table only for some of them (a split that reads the rows twice)
    materialize: bool | Callable[[Mapping[str, Any]], bool] = True
    #: True: the type only reads ``TrainingData.table`` (``relation()``); it may then be a view over the
    #: training query's own table when the copy would hold the same rows and values (``warehouse.ml.in_place``)
    reads_in_place: bool = False
    #: what hyperparameter tuning may search (``warehouse.ml.tunable``); None: the type cannot be tuned
    tuning: Tuning | None = None
    #: ``train`` in steps whose fit can run in a worker thread (tuning trials run concurrently); None: in turn
    stages: Stages | None = None
