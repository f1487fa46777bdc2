"""ML.EVALUATE, ML.CONFUSION_MATRIX and ML.ROC_CURVE of a model type whose scoring gives a *labelled*
query: per input row with a known label, ``__y`` (the value or class index), ``__pred`` and, for
classifiers, ``__p*`` (``warehouse.ml.classes``). A type hands over its ``labelled(call, threshold)``
and gets the three functions (``LabelFunctions``); the threshold check and the label's truth expression
they share are here too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml import classes as classes_sql
from warehouse.ml import labels, metrics
from warehouse.ml.model import Call
from warehouse.ml.registry import Model

EVALUATE_REGRESSION = pa.schema([(name, pa.float64()) for name in metrics.REGRESSION])
EVALUATE_CLASSIFICATION = pa.schema([(name, pa.float64()) for name in metrics.CLASSIFICATION_METRICS])

Labelled = Callable[[Call, float], exp.Select]


def classes(model: Model) -> list[Any]:
    """The model's classes (sorted), or [] for a regressor."""
    return list(model.state.get("classes") or [])


def threshold(call: Call) -> float:
    """``STRUCT(t AS threshold)``: in [0, 1], and for binary models only (default 0.5)."""
    value = call.param("threshold", 0.5, ("threshold",))
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise UsageError(
            f"ML.{call.function}: threshold = {value!r} is not in [0, 1]", hint="STRUCT(0.5 AS threshold)"
        )
    if len(classes(call.model)) != 2 and "threshold" in call.params:
        raise UsageError(
            f"ML.{call.function}: threshold applies to binary models only", hint="drop the STRUCT"
        )
    return float(value)


def truth(model: Model) -> exp.Expr:
    """The input's label as the scoring compares it: the class index (``labels.input_class``), or the
    value as DOUBLE (NaN as NULL, an infinity an error: ``labels.finite_truth``)."""
    if classes(model):  # an unseen class (or an infinity) an error: ``labels.input_class``
        return labels.input_class(classes(model), model.state["label_type"], str(model.state["label"]))
    return labels.finite_truth(str(model.state["label"]))


@dataclass(frozen=True)
class LabelFunctions:
    """The evaluation functions over one model type's ``labelled`` query."""

    labelled: Labelled

    def evaluate(self, call: Call) -> exp.Query:
        known = classes(call.model)
        cut = 0.5
        if known:
            cut = threshold(call)
        else:
            call.no_params()
        schema = EVALUATE_CLASSIFICATION if known else EVALUATE_REGRESSION
        if call.input is None:
            values: dict[str, Any] = call.model.metrics
        elif known:
            values = metrics.classification(call.con, self.labelled(call, cut), len(known), len(known) == 2)
        else:
            values = metrics.regression(call.con, self.labelled(call, cut))
        return call.scratch.rows_relation(schema, [{n: values.get(n) for n in schema.names}])

    def confusion_matrix(self, call: Call) -> exp.Query:
        known = classes(call.model)
        matrix = metrics.confusion(call.con, self.labelled(call, threshold(call)), len(known))
        return classes_sql.confusion_relation(call.scratch, known, matrix)

    def roc_curve(self, call: Call) -> exp.Query:
        if len(classes(call.model)) != 2:
            raise UsageError(
                f"ML.ROC_CURVE needs a binary {call.model.model_type} model",
                hint="use ML.CONFUSION_MATRIX for multiclass",
            )
        call.no_params()
        return classes_sql.roc_curve(self.labelled(call, 0.5), call.thresholds)
