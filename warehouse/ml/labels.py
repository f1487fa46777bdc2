"""The label of a supervised model a library trains outside SQL: its classes (index and weight per
row) or a number, checked and written into the training table by ``supervised.prepare``."""

from __future__ import annotations

from lakehouse.errors import UsageError
from warehouse.ml import supervised
from warehouse.ml.classes import class_index, class_weight, jsonable
from warehouse.ml.model import LABEL, TrainingData
from warehouse.ml.preprocessing.automatic import is_numeric_type
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import col, sql

MAX_CLASSES = 1000


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
