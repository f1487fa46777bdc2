"""The model page: type, options and metrics from the catalog; the ML functions read as the principal.

``SECTIONS`` is the table of what the page shows: an ``ML.<function>`` and how to chart its rows.
A section appears when the model's type answers the function (``warehouse.ml.types.FUNCTIONS``);
its rows are read with ``Viewer.read`` like any query of ``lakehouse sql`` (BigQuery ML through the
restricted session for a principal, audited), each section in its own request so the page loads
at once and a failing function shows its error in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import catalog
from catalog.view import HIDDEN
from lakehouse.errors import NotFoundError
from lakehouse.ui import charts
from lakehouse.ui.dataset import table_expr
from lakehouse.ui.viewer import Table, Viewer
from warehouse.ml.types import FUNCTIONS

Chart = Callable[[list[dict[str, Any]]], dict[str, Any] | None]


def _numbers(rows: list[dict[str, Any]], skip: str) -> list[str]:
    return [c for c in (rows[0] if rows else {}) if c != skip and isinstance(rows[0][c], int | float)]


def _confusion(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return charts.heatmap(rows, "expected_label", _numbers(rows, "expected_label"))


@dataclass(frozen=True)
class Section:
    function: str
    title: str
    chart: Chart | None = None
    on_training_rows: bool = False  # the function needs input rows: the model's training query gives them


SECTIONS: tuple[Section, ...] = (
    Section("TRAINING_INFO", "Training", lambda rows: charts.line(rows, "iteration", ["loss", "eval_loss"])),
    Section("EVALUATE", "Evaluation metrics"),
    Section("CONFUSION_MATRIX", "Confusion matrix (training rows)", _confusion, on_training_rows=True),
    Section(
        "ROC_CURVE",
        "ROC curve (training rows)",
        lambda rows: charts.line(rows, "false_positive_rate", ["recall"]),
        on_training_rows=True,
    ),  # fmt: skip
    Section("WEIGHTS", "Feature weights", lambda rows: charts.bars(rows, "processed_input", "weight")),
    Section(
        "FEATURE_IMPORTANCE",
        "Feature importance",
        lambda rows: charts.bars(rows, "feature", "importance_gain"),
    ),  # fmt: skip
    Section(
        "CENTROIDS",
        "Centroids",
        lambda rows: charts.bars(
            [{**r, "label": f"{r['centroid_id']}: {r['feature']}"} for r in rows], "label", "numerical_value"
        ),
    ),
    Section("FEATURE_INFO", "Feature info"),
)
BY_FUNCTION = {s.function: s for s in SECTIONS}


def _model(viewer: Viewer, name: str) -> Any:
    record = catalog.show(viewer.settings, name, view=viewer.view()).dataset
    if record.kind != "model":
        raise NotFoundError(
            f"{record.name} is a {record.kind}, not an ML model", hint="open its dataset page"
        )
    return record


def sections(model_type: str) -> list[Section]:
    available = FUNCTIONS.get(model_type, {})
    return [s for s in SECTIONS if s.function in available]


def page(viewer: Viewer, name: str) -> dict[str, Any]:
    record = _model(viewer, name)
    model_type = str(record.properties.get("model_type", ""))
    return {"d": record, "model_type": model_type, "sections": sections(model_type)}


def call(record: Any, section: Section) -> str:
    """``SELECT * FROM ML.<function>(MODEL m[, (training query)])``: the model quoted, the query the catalog's.

    The training query is the model's own (recorded by CREATE MODEL); it runs as the viewing principal
    like the rest, so it reads only what the principal may read.
    """
    model = table_expr(record.name).sql("bigquery")
    rows = record.properties.get("training_query") if section.on_training_rows else None
    args = f"MODEL {model}" + (f", ({rows})" if rows else "")
    return f"SELECT * FROM ML.{section.function}({args})"  # noqa: S608 - a name from the table above, a quoted model


def section(viewer: Viewer, name: str, function: str) -> dict[str, Any]:
    """One ML function's rows and chart, read as the principal."""
    record = _model(viewer, name)
    chosen = {s.function: s for s in sections(str(record.properties.get("model_type", "")))}
    if function not in chosen:
        raise NotFoundError(f"no section {function!r} for model {record.name}",
                            hint=f"sections: {', '.join(chosen)}")  # fmt: skip
    query = call(record, chosen[function])
    if HIDDEN in query:  # the catalog redacted the training query for this principal: do not guess it
        table = Table(error=f"the training query of {record.name} names columns hidden from {viewer.label}")
    else:
        table = viewer.read(query)
    rows = [dict(zip(table.columns, r, strict=True)) for r in table.rows]
    draw = chosen[function].chart
    return {"section": chosen[function], "table": table, "chart": draw(rows) if draw and rows else None}
