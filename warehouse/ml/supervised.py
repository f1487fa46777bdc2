"""The training table of a model type that learns a label: label value, row weight, train/eval split.

``prepare`` rebuilds the engine's training table without NULL labels and with three columns every
supervised trainer reads: ``__y`` (the label as a number: a value, or a class index), ``__w`` (the row
weight: ``instance_weight_col`` times a class weight) and ``__is_eval`` (the row is held out), following
``data_split_method`` as BigQuery ML documents it. Model types pick these options up through
``options.SUPERVISED`` and the columns' roles through ``ROLES``. A trainer that reads the rows once
(``fetch``: the tree family) asks for them as a query over the engine's table instead of a rewrite
(``prepare(write=False)``, ``TrainingData.prepared``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sqlglot import exp

from lakehouse.errors import InputError, UsageError
from warehouse.ml.model import LABEL, ROW_ID, SPLIT, WEIGHT, TrainingData
from warehouse.ml.preprocessing.automatic import dim_name
from warehouse.ml.sqlexpr import col, ident, sql

#: columns of the training query with a role other than feature, and the option that names each
ROLES: dict[str, str] = {LABEL: "input_label_cols", SPLIT: "data_split_col", WEIGHT: "instance_weight_col"}

Y = "__y"  # label: the value (regression) or the class index (classification)
W = "__w"  # row weight
EVAL = "__is_eval"
BATCH_ROWS = 1 << 17  # rows per Arrow batch when a trainer reads the prepared table


def reads_row_ids(options: Mapping[str, Any]) -> bool:
    """Whether ``split_condition`` may read the training table's ``rowid`` (RANDOM, SEQ, and AUTO_SPLIT from
    500 rows)."""
    return options["data_split_method"] not in ("NO_SPLIT", "CUSTOM")


def writes_rows(options: Mapping[str, Any]) -> bool:
    """Whether a type whose trainer reads the rows once needs them written to a table
    (``ModelType.materialize``): SEQ reads them twice (ordered by the split column, then each row's place);
    the hash of RANDOM and AUTO_SPLIT reads each row's number once, which ``prepare`` numbers in a view
    (``TrainingData.view``) as a written table's ``rowid`` would be."""
    return options["data_split_method"] == "SEQ"


def split_condition(options: Mapping[str, Any], rows: int, has_split_col: bool, row_id: str = "rowid") -> str:
    """SQL (over the training table) that is TRUE for evaluation rows; fixed text plus numbers only.
    ``row_id``: the column that numbers the rows 0.. in the table's order (a view's ``ROW_ID``)."""
    method = options["data_split_method"]
    fraction = options["data_split_eval_fraction"]
    if method == "AUTO_SPLIT":
        if rows < 500:
            return "FALSE"
        method, fraction = "RANDOM", 0.2 if rows <= 50_000 else 10_000 / rows
    if method in ("CUSTOM", "SEQ") and not has_split_col:
        raise UsageError(
            f"data_split_method = '{method}' needs data_split_col",
            hint="name the column that splits the rows",
        )
    if method == "NO_SPLIT":
        return "FALSE"
    if method == "RANDOM":
        return f"hash({row_id}, 1) % 1000000 < {int(round(float(fraction) * 1_000_000))}"
    if method == "CUSTOM":
        return f"coalesce(CAST({SPLIT} AS BOOLEAN), TRUE)"
    train_rows = rows - int(round(rows * float(fraction)))
    return f"rowid IN (SELECT r FROM (SELECT rowid AS r, row_number() OVER (ORDER BY {SPLIT}, rowid) AS n FROM {{table}} WHERE {LABEL} IS NOT NULL) WHERE n > {train_rows})"


def prepare(
    data: TrainingData, options: Mapping[str, Any], label_value: str, class_weight: str, *, write: bool = True
) -> None:
    """Rebuild the training table without NULL labels and with ``__y`` (label), ``__w`` (row weight) and
    ``__is_eval`` (one CREATE TABLE AS pass; ALTER + UPDATE rewrites the rows several times over).
    ``write=False``: the table stays as it is and ``data.prepared`` is the query of those rows, for a
    trainer that reads them once (``fetch``): the rewrite cost as much as the read.

    ``label_value`` and ``class_weight`` are SQL over ``__label`` that the model type built (sqlglot)."""
    table = f'"{data.table}"'
    count = data.con.execute(f"SELECT count(*) FROM {table} WHERE {LABEL} IS NOT NULL").fetchone()
    data.rows = int(count[0]) if count else 0
    if data.rows == 0:
        raise UsageError(
            f"the label column {data.roles[LABEL]!r} is NULL in every training row",
            hint="check input_label_cols",
        )
    weight = f"coalesce(CAST({WEIGHT} AS DOUBLE), 1.0)" if WEIGHT in data.roles else "1.0"
    # a view has no rowid: its rows are numbered in the same read, in their order (a written table's
    # rowid: insertion order is the query's order); SEQ reads the rows twice and needs a table
    numbered = data.view and reads_row_ids(options)
    assert not (data.view and writes_rows(options)), "a SEQ split reads a written table"
    condition = split_condition(
        options, data.rows, SPLIT in data.roles, ROW_ID if numbered else "rowid"
    ).replace("{table}", table)
    source = (
        f"(SELECT *, row_number() OVER () - 1 AS {ROW_ID} FROM {table}) AS __numbered" if numbered else table
    )
    rows = (
        f"SELECT *, CAST({label_value} AS DOUBLE) AS {Y}, CAST({weight} * ({class_weight}) AS DOUBLE) AS {W}, "
        f"coalesce({condition}, FALSE) AS {EVAL} FROM {source} WHERE {LABEL} IS NOT NULL"
    )
    if not write:
        data.prepared = rows
        return
    staged = f'"{data.table}_staged"'
    data.con.execute(f"CREATE TEMP TABLE {staged} AS {rows}")
    data.con.execute(f"DROP TABLE {table}")
    data.con.execute(f'ALTER TABLE {staged} RENAME TO "{data.table}"')


def evaluation_rows(data: TrainingData) -> exp.Expr:
    """The condition on the training table for the rows a training run's ML.EVALUATE reports on: the
    eval split, or every row when nothing is held out."""
    held_out = data.con.execute(f'SELECT count_if({EVAL}) FROM "{data.table}"').fetchone()
    return col(EVAL) if held_out and held_out[0] else exp.true()


def fetch(
    data: TrainingData, dtype: type = np.float64, *, in_table_order: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The prepared rows (``data.prepared``, or the prepared table) for a library's trainer: the encoded rows as a ``dtype`` matrix (NULL -> NaN),
    label, weight and held-out flag; read batch by batch from DuckDB's Arrow stream into preallocated
    arrays (``in_table_order``: in the table's row order, for trainers whose result depends on it)."""
    dims = len(data.dims)
    names = [dim_name(i) for i in range(dims)] + [Y, W, EVAL]
    source = (
        exp.Table(this=ident(data.table))
        if data.prepared is None
        else exp.maybe_parse(data.prepared, dialect="duckdb").subquery("__prepared")
    )
    query = exp.select(*[col(n) for n in names]).from_(source)
    if in_table_order:  # the written table's order (a type that needs it prepares with write=True)
        assert data.prepared is None, "in_table_order reads a written table"
        query = query.order_by("rowid")
    x: np.ndarray = np.empty((data.rows, dims), dtype=dtype)
    y, w = np.empty(data.rows), np.empty(data.rows)
    held_out = np.empty(data.rows, dtype=bool)
    start = 0
    for batch in data.con.execute(sql(query)).fetch_record_batch(BATCH_ROWS):
        end = start + batch.num_rows
        if end > data.rows:
            raise _reread(data, f"more than {data.rows:,}")
        with np.errstate(over="ignore"):  # a narrower dtype's overflow is an infinity, refused by ``_fits``
            for j in range(dims):
                x[start:end, j] = batch.column(j).to_numpy(zero_copy_only=False)
        y[start:end] = batch.column(dims).to_numpy(zero_copy_only=False)
        w[start:end] = batch.column(dims + 1).to_numpy(zero_copy_only=False)
        held_out[start:end] = batch.column(dims + 2).to_numpy(zero_copy_only=False)
        start = end
    if start != data.rows:
        raise _reread(data, f"{start:,}")
    if dtype != np.float64:
        _fits(data, x, y)
    return x, y, w, held_out


def _fits(data: TrainingData, x: np.ndarray, y: np.ndarray) -> None:
    """Refuse a finite input or label beyond a narrower ``x``'s range: the cast made the input an
    infinity (features' and labels' infinities stop earlier), and the trainer casts the label alike.
    A trainer that reads float32 (xgboost, the neural networks) has no place for a value past +/-3.4e38;
    BigQuery ML's documents say nothing of it: the clear error."""
    limit = float(np.finfo(x.dtype).max)
    overflowed = [
        (data.dims[j].feature, "feature", int(n)) for j, n in enumerate(np.isinf(x).sum(axis=0)) if n
    ]
    with np.errstate(invalid="ignore"):
        beyond = int((np.abs(y) > limit).sum())
    if beyond:
        overflowed.append((data.roles[LABEL], "label column", beyond))
    for column, kind, count in overflowed[:1]:
        raise InputError(
            f"{kind} {column!r} is beyond {x.dtype.name}'s range (+/-{limit:.4g}) in {count:,} training"
            f" row{'s' if count != 1 else ''}; this model type trains on {x.dtype.name} values",
            hint=f"scale the column down, e.g. {column} / 1e300",
        )


def _reread(data: TrainingData, read: str) -> UsageError:
    """The rows of a training query that is not read into a table (a view, ``ModelType.materialize``) are
    counted, then read: a query whose rows change between two reads cannot train."""
    return UsageError(
        f"the training query returned {data.rows:,} rows with a label when counted and {read} when read: "
        "its rows change from one read to the next",
        hint="make the training query return the same rows on every read (a view it reads may call RAND() "
        "or take a sample), or write its rows into a table first",
    )
