"""The label of a supervised model a library trains outside SQL: its classes (index and weight per
row) or a number, checked and written into the training table by ``supervised.prepare``.

Every supervised type leaves out the rows whose label is NULL. A floating label's NaN is left out as
NULL is (``value``), for every type, as a feature's NaN is missing as NULL is; an infinity stops CREATE
MODEL with one line naming the label column and counting the rows (``infinite_rows``, ``refuse_infinite``).
BigQuery ML's CREATE MODEL page says labels "are real-valued (they cannot be +/- infinity or NaN)"; it
does not say what it does with them. Before, a NaN or infinite label was a class of its own for the
classifiers, and DuckDB's "VARPOP is out of range" or xgboost's check failure for the regressors."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml import supervised
from warehouse.ml.classes import class_index, class_weight, jsonable
from warehouse.ml.model import LABEL, TrainingData
from warehouse.ml.preprocessing.automatic import infinite_in_training, is_floating_type, is_numeric_type
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import col, nan_as_null, sql, string

MAX_CLASSES = 1000


def value(column: str, label_type: str | None) -> exp.Expr:
    """The label column as the training table's ``__label``: a floating label's NaN as NULL."""
    if not is_floating_type(label_type):
        return col(column)
    return nan_as_null(col(column))


def infinite_rows(column: str) -> exp.Expr:
    """The aggregate counting a floating label's infinite rows (in a scan the caller makes anyway)."""
    return exp.func("count_if", exp.func("isinf", col(column)))


def finite_truth(column: str) -> exp.Expr:
    """A regressor's label in an evaluated input (ML.EVALUATE) as DOUBLE: NaN as NULL (the row is left
    out, as a NULL label's is), an infinity DuckDB's ``error()`` naming the label column."""
    value = exp.cast(col(column), "DOUBLE")
    message = f"label column {column!r} is infinite in an input row; labels are finite numbers"
    return exp.Case(
        ifs=[
            exp.If(this=exp.func("isnan", value.copy()), true=exp.cast(exp.null(), "DOUBLE")),
            exp.If(this=exp.func("isinf", value.copy()), true=exp.func("error", string(message))),
        ],
        default=value,
    )


def input_class(classes: list[Any], label_type: str | None, column: str) -> exp.Expr:
    """A classifier's label in an evaluated input (ML.EVALUATE, ML.CONFUSION_MATRIX, ML.ROC_CURVE) as its
    class index: NULL (and a floating label's NaN) as NULL, the row left out as in training; any other value
    the model has no class for (an infinity, a class absent from the training rows) DuckDB's ``error()``
    naming the label column and the value. BigQuery ML's pages do not say what ML.EVALUATE does with such a
    label; before, the row was silently left out, as a NULL label's is, and the metrics were over the rest."""
    label = col(column)
    missing: exp.Expr = exp.Is(this=label.copy(), expression=exp.null())
    if is_floating_type(label_type):
        missing = exp.or_(missing, exp.func("isnan", label.copy()))
    count = len(classes)
    message = exp.func(
        "concat",
        string(f"label column {column!r} is '"),
        exp.cast(label.copy(), "VARCHAR"),
        string(f"' in an input row: not one of the {count} classes the model was trained on"),
    )
    indexed = class_index(classes, label_type, label)
    assert isinstance(indexed, exp.Case)
    return exp.Case(
        ifs=[exp.If(this=missing, true=exp.cast(exp.null(), "DOUBLE")), *indexed.args["ifs"]],
        default=exp.func("error", message),
    )


def refuse_infinite(column: str, count: int) -> None:
    """Stop when ``infinite_rows`` counted any: a model learns finite labels."""
    if count:
        raise infinite_in_training(
            f"label column {column!r}",
            count,
            "labels are finite numbers (rows whose label is NULL or NaN are left out)",
            f"to leave them out: WHERE NOT IS_INF({column}); or make them NULL: IF(IS_INF({column}), NULL, {column})",
        )


def prepare_classes(
    model: Model, data: TrainingData, max_classes: int = MAX_CLASSES, *, write: bool = True
) -> int:
    """Record the classes (sorted) in the model's state; the training rows get class index and weight
    (``write``: as ``supervised.prepare``'s)."""
    counts = data.con.execute(
        f'SELECT {LABEL}, count(*) FROM "{data.table}" WHERE {LABEL} IS NOT NULL GROUP BY 1 ORDER BY 1'
    ).fetchall()
    if not 2 <= len(counts) <= max_classes:
        raise UsageError(
            f"{model.model_type} label {data.roles[LABEL]!r} has {len(counts)} distinct values",
            hint=f"a classifier needs 2..{max_classes} labels",
        )
    model.state.update(
        label=data.roles[LABEL], label_type=data.label_type, classes=[jsonable(c) for c, _ in counts]
    )
    index = class_index([value for value, _ in counts], data.label_type, col(LABEL))
    weight = class_weight(model.options, counts, data.label_type)
    supervised.prepare(data, model.options, sql(index), sql(weight), write=write)
    return len(counts)


def prepare_number(model: Model, data: TrainingData, classifier: str, *, write: bool = True) -> int:
    """A regressor's label: numeric, as DOUBLE, every row weight 1 (``classifier``: the type to suggest;
    ``write``: as ``supervised.prepare``'s)."""
    if data.label_type is None or not is_numeric_type(data.label_type):
        raise UsageError(
            f"{model.model_type} needs a numeric label; {data.roles[LABEL]!r} is {data.label_type}",
            hint=f"use {classifier} for classes",
        )
    model.state.update(label=data.roles[LABEL], label_type=data.label_type)
    supervised.prepare(data, model.options, f"CAST({LABEL} AS DOUBLE)", "1.0", write=write)
    return 0
