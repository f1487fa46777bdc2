"""What every classifier's ML functions share: class labels as typed literals, the class index of a
label, the predicted class (``__pred``) from probabilities ``__p<k>``, the ROC curve, class weights.

A binary classifier's ``__p0`` is P(the higher label), the positive class; a multiclass one has one
``__p<k>`` per class in label order.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import UsageError
from warehouse.ml.model import LABEL
from warehouse.ml.sqlexpr import col, ident, num, parse, string

if TYPE_CHECKING:
    import numpy as np

    from warehouse.ml.model import Scratch

PRED = "__pred"  # the predicted class index


def label_literal(value: Any, label_type: str | None) -> exp.Expr:
    """A class label as a SQL literal of the label column's type."""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return exp.cast(string(text), label_type or "VARCHAR")


def class_index(classes: list[Any], label_type: str | None, label: exp.Expr) -> exp.Expr:
    """The class index of a label value (NULL for labels unseen in training)."""
    case = exp.Case()
    for k, value in enumerate(classes):
        case = case.when(
            exp.EQ(this=label.copy(), expression=label_literal(value, label_type)), num(float(k))
        )
    return case


def with_prediction(scored: exp.Select, classes: int, threshold: float) -> exp.Select:
    """Scored rows + ``__pred``, the predicted class index (binary: P(positive) > threshold; else argmax)."""
    if classes == 2:
        pred: exp.Expr = exp.If(
            this=exp.GT(this=col("__p0"), expression=num(threshold)), true=num(1.0), false=num(0.0)
        )
    else:
        top = exp.Greatest(this=col("__p0"), expressions=[col(f"__p{k}") for k in range(1, classes)])
        pred = exp.Case()
        for k in range(classes):
            pred = pred.when(exp.EQ(this=col(f"__p{k}"), expression=top.copy()), num(float(k)))
    return exp.select("*", exp.alias_(pred, ident(PRED))).from_(scored.subquery("__probs"))


ROC_CURVE_SQL = """
SELECT threshold,
       count_if(__y = 1 AND __p0 > threshold) / nullif(count_if(__y = 1), 0) AS recall,
       count_if(__y = 0 AND __p0 > threshold) / nullif(count_if(__y = 0), 0) AS false_positive_rate,
       CAST(count_if(__y = 1 AND __p0 > threshold) AS BIGINT) AS true_positives,
       CAST(count_if(__y = 0 AND __p0 > threshold) AS BIGINT) AS false_positives,
       CAST(count_if(__y = 0 AND __p0 <= threshold) AS BIGINT) AS true_negatives,
       CAST(count_if(__y = 1 AND __p0 <= threshold) AS BIGINT) AS false_negatives
FROM __labelled CROSS JOIN (SELECT unnest(__thresholds) AS threshold FROM __threshold_list)
GROUP BY threshold ORDER BY threshold
"""


def confusion_relation(scratch: Scratch, classes: list[Any], matrix: np.ndarray) -> exp.Query:
    """ML.CONFUSION_MATRIX's rows: ``expected_label`` and one count column per class, named as BigQuery
    names them (the label with non-word characters as ``_``, a leading digit prefixed with ``_``)."""
    rows = [
        {"expected_label": classes[i], **{column_name(c): int(matrix[i, j]) for j, c in enumerate(classes)}}
        for i in range(len(classes))
    ]
    schema = pa.schema(
        [("expected_label", pa.array(classes).type), *[(column_name(c), pa.int64()) for c in classes]]
    )
    return scratch.rows_relation(schema, rows)


def column_name(label: Any) -> str:
    """A class label as a confusion-matrix column name."""
    name = re.sub(r"\W", "_", str(label).lower() if isinstance(label, bool) else str(label))
    return f"_{name}" if not name or name[0].isdigit() else name


def roc_curve(labelled: exp.Select, thresholds: exp.Expr | None) -> exp.Query:
    """One row per threshold over labelled rows (``__y``, ``__p0``): the given thresholds, or the
    percentiles of ``__p0``."""
    if thresholds is not None:
        threshold_list: exp.Expr = exp.select(exp.alias_(threshold_array(thresholds), ident("__thresholds")))
    else:
        points = exp.Array(expressions=[num(i / 100) for i in range(101)])
        threshold_list = exp.select(
            exp.alias_(
                exp.func("list_distinct", exp.func("quantile_disc", col("__p0"), points)),
                ident("__thresholds"),
            )
        ).from_(labelled.subquery("__l"))
    query = parse(ROC_CURVE_SQL)
    assert isinstance(query, exp.Select)
    return query.with_("__labelled", as_=labelled).with_("__threshold_list", as_=threshold_list)


def threshold_array(given: exp.Expr) -> exp.Expr:
    """BigQuery's GENERATE_ARRAY(start, end, step) (inclusive, floats allowed) as a DOUBLE[] literal."""
    if isinstance(given, exp.GenerateSeries):
        bounds = [given.args.get(k) for k in ("start", "end", "step")]
        if all(isinstance(b, exp.Literal) and not b.is_string for b in bounds if b is not None):
            start, end = float(given.args["start"].this), float(given.args["end"].this)
            step = float(given.args["step"].this) if given.args.get("step") else 1.0
            if step <= 0:
                raise UsageError(
                    f"GENERATE_ARRAY step {step} must be positive", hint="GENERATE_ARRAY(0.1, 0.9, 0.1)"
                )
            count = int((end - start) / step + 1e-9) + 1
            return exp.Array(expressions=[num(round(start + i * step, 12)) for i in range(count)])
    return exp.cast(given, "DOUBLE[]")


def jsonable(value: Any) -> Any:
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def class_weight(
    options: Mapping[str, Any], counts: list[tuple[Any, int]], label_type: str | None
) -> exp.Expr:
    """Per-row class weight: auto (rows / (rows_in_class * classes)), explicit class_weights, or 1."""
    total = sum(n for _, n in counts)
    if options.get("auto_class_weights"):
        weights = {k: total / (n * len(counts)) for k, (_, n) in enumerate(counts)}
    elif options.get("class_weights"):
        given = options["class_weights"]
        known = {str(v).lower() if isinstance(v, bool) else str(v) for v, _ in counts}
        unknown = sorted(set(given) - known)
        if unknown:
            raise UsageError(
                f"class_weights names label {unknown[0]!r}, which is not in the training data",
                hint=f"labels: {', '.join(sorted(known))}",
            )
        weights = {
            k: given.get(str(v).lower() if isinstance(v, bool) else str(v), 1.0)
            for k, (v, _) in enumerate(counts)
        }
    else:
        return num(1.0)
    case = exp.Case()
    for k, w in weights.items():
        case = case.when(exp.EQ(this=col(LABEL), expression=label_literal(counts[k][0], label_type)), num(w))
    return case.else_(num(1.0))
