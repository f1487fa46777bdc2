"""The training table of a model type that learns a label: label value, row weight, train/eval split.

``prepare`` rebuilds the engine's training table without NULL labels and with three columns every
supervised trainer reads: ``__y`` (the label as a number: a value, or a class index), ``__w`` (the row
weight: ``instance_weight_col`` times a class weight) and ``__is_eval`` (the row is held out), following
``data_split_method`` as BigQuery ML documents it. Model types pick these options up through
``options.SUPERVISED`` and the columns' roles through ``ROLES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.model import LABEL, SPLIT, WEIGHT, TrainingData
from warehouse.ml.sqlexpr import col

#: columns of the training query with a role other than feature, and the option that names each
ROLES: dict[str, str] = {LABEL: "input_label_cols", SPLIT: "data_split_col", WEIGHT: "instance_weight_col"}

Y = "__y"  # label: the value (regression) or the class index (classification)
W = "__w"  # row weight
EVAL = "__is_eval"


def split_condition(options: Mapping[str, Any], rows: int, has_split_col: bool) -> str:
    """SQL (over the training table) that is TRUE for evaluation rows; fixed text plus numbers only."""
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
        return f"hash(rowid, 1) % 1000000 < {int(round(float(fraction) * 1_000_000))}"
    if method == "CUSTOM":
        return f"coalesce(CAST({SPLIT} AS BOOLEAN), TRUE)"
    train_rows = rows - int(round(rows * float(fraction)))
    return f"rowid IN (SELECT r FROM (SELECT rowid AS r, row_number() OVER (ORDER BY {SPLIT}, rowid) AS n FROM {{table}} WHERE {LABEL} IS NOT NULL) WHERE n > {train_rows})"


def prepare(data: TrainingData, options: Mapping[str, Any], label_value: str, class_weight: str) -> None:
    """Rebuild the training table without NULL labels and with ``__y`` (label), ``__w`` (row weight) and
    ``__is_eval`` (one CREATE TABLE AS pass; ALTER + UPDATE rewrites the rows several times over).

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
    condition = split_condition(options, data.rows, SPLIT in data.roles).replace("{table}", table)
    staged = f'"{data.table}_staged"'
    data.con.execute(
        f"CREATE TEMP TABLE {staged} AS SELECT *, CAST({label_value} AS DOUBLE) AS {Y}, "
        f"CAST({weight} * ({class_weight}) AS DOUBLE) AS {W}, coalesce({condition}, FALSE) AS {EVAL} "
        f"FROM {table} WHERE {LABEL} IS NOT NULL"
    )
    data.con.execute(f"DROP TABLE {table}")
    data.con.execute(f'ALTER TABLE {staged} RENAME TO "{data.table}"')


def evaluation_rows(data: TrainingData) -> exp.Expr:
    """The condition on the training table for the rows a training run's ML.EVALUATE reports on: the
    eval split, or every row when nothing is held out."""
    held_out = data.con.execute(f'SELECT count_if({EVAL}) FROM "{data.table}"').fetchone()
    return col(EVAL) if held_out and held_out[0] else exp.true()
