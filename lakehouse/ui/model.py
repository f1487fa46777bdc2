"""The model page: type, options and metrics from the catalog; the ML functions read as the principal.

``SECTIONS`` is the table of what the page shows: an ``ML.<function>`` and how to chart its rows.
A section appears when the model's type answers the function (``warehouse.ml.types.FUNCTIONS``; a
model trained with hyperparameter tuning shows ML.TRIAL_INFO, each trial and the optimal one, instead of
ML.TRAINING_INFO, which BigQuery refuses for it);
its rows are read with ``Viewer.read`` like any query of ``lakehouse sql`` (BigQuery ML through the
restricted session for a principal, audited), each section in its own request so the page loads
at once and a failing function shows its error in place.

Below the sections, the model's versions as the catalog lists them in its record (``catalog.model.ModelVersion``:
version, aliases, created, training snapshot, metrics, which one is the default, the promote/keep decision
and its reason), so a principal sees them exactly when it may see the model; ``history`` adds what the
model registry keeps about the model (metadata, not rows): the retrain decisions (``ml._retrain_decisions``)
and, when ``lakehouse ml retrain`` (or the demo) wrote one, a link to the retrain report
``HOME/reports/retrain/<model>.html``. A kept version's name (``/model/ml.m__v2``) opens its model's page
with the ML sections called on that version. The report holds
value histograms of the training data, so only the administrator (no principal) is offered it; it is
served read-only from the home (``report_file`` refuses any path outside ``REPORTS``) with a sandboxing
Content-Security-Policy of its own (``REPORT_CSP``: its inline scripts run in an opaque origin).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import catalog
import warehouse
from catalog.model import ModelVersion
from catalog.view import HIDDEN
from lakehouse.contracts import kept_version
from lakehouse.errors import NotFoundError
from lakehouse.ui import charts
from lakehouse.ui.dataset import table_expr
from lakehouse.ui.viewer import Table, Viewer
from warehouse.ml import registry
from warehouse.ml.tuning import FUNCTIONS as TUNING_FUNCTIONS
from warehouse.ml.types import FUNCTIONS
from warehouse.retrain.loop import decisions

#: where ``lakehouse ml retrain`` and the demo write a model's report, under the home
REPORTS = ("reports", "retrain")
REPORT_CSP = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
              "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")  # fmt: skip

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
    #: True: for models trained with hyperparameter tuning only; False: for the others only; None: both
    tuned: bool | None = None


def _objective(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Each trial's objective on the eval rows (ML.TRIAL_INFO's one-field metrics struct), optimal marked."""
    flat = [
        {"trial": f"{r['trial_id']}{' (optimal)' if r['is_optimal'] else ''}", "objective": value}
        for r in rows
        for value in (r["hparam_tuning_evaluation_metrics"] or {}).values()
    ]
    return charts.bars(flat, "trial", "objective")


SECTIONS: tuple[Section, ...] = (
    Section(
        "TRAINING_INFO",
        "Training",
        lambda rows: charts.line(rows, "iteration", ["loss", "eval_loss"]),
        tuned=False,  # BigQuery refuses ML.TRAINING_INFO of a tuned model: its trials are the history
    ),
    Section(
        "TRIAL_INFO",
        "Hyperparameter tuning trials (is_optimal: the trial that serves)",
        _objective,
        tuned=True,
    ),
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


def sections(model_type: str, tuned: bool = False) -> list[Section]:
    """The sections of a model of ``model_type`` (``tuned``: trained with num_trials)."""
    available = {**FUNCTIONS.get(model_type, {}), **TUNING_FUNCTIONS}
    return [s for s in SECTIONS if s.function in available and s.tuned in (None, tuned)]


def tuned(record: Any) -> bool:
    """Was the model (its catalog record) trained with hyperparameter tuning (option ``num_trials``)?"""
    options = record.properties.get("options") or {}
    return options.get("num_trials") is not None


@dataclass(frozen=True)
class History:
    """The model's versions, retrain decisions (newest first) and whether its retrain report is offered."""

    model: str  # the model the versions belong to (``ml.m`` also on the page of ``ml.m__v2``)
    versions: list[ModelVersion] = field(default_factory=list)  # the catalog's, oldest first
    decisions: list[dict[str, Any]] = field(default_factory=list)
    report: bool = False
    report_withheld: bool = False  # a report exists, but this viewer is a principal


def family(name: str) -> str:
    """The model a kept version ``schema.name__v<N>`` belongs to (``name`` itself otherwise)."""
    kept = kept_version(name)
    return kept[0] if kept else name


def _report_path(viewer: Viewer, model: str) -> Path | None:
    folder = viewer.settings.home.joinpath(*REPORTS).resolve()
    path = (folder / f"{model}.html").resolve()
    if path.parent != folder or not path.is_file():  # nothing outside the reports folder, ever
        return None
    return path


def history(viewer: Viewer, name: str, kept: Sequence[ModelVersion] = ()) -> History:
    """The model's versions ``kept`` (the catalog's) with the registry's retrain decisions (read-only, no
    lake attached) and its retrain report."""
    model = family(name)
    if not viewer.settings.warehouse_file.exists():  # a catalog copied without its warehouse, or one removed
        return History(model, list(kept))
    con = warehouse.connect(viewer.settings, read_only=True, lake=False)
    try:
        made = decisions(con, model) if registry.present(con) else []
    finally:
        con.close()
    exists = _report_path(viewer, model) is not None
    admin = viewer.principal is None
    return History(model, list(kept), made, report=exists and admin, report_withheld=exists and not admin)


def report_file(viewer: Viewer, name: str) -> Path:
    """The retrain report of the model ``name`` (on the catalog, as the viewer sees it) for the administrator."""
    record = _model(viewer, name)
    path = _report_path(viewer, family(record.name))
    if path is None or viewer.principal is not None:
        raise NotFoundError(
            f"no retrain report of {record.name} to show {viewer.label}",
            hint="`lakehouse ml retrain MODEL` writes one; it is shown to the administrator only",
        )
    return path


def called(record: Any, name: str) -> str:
    """The model the page of ``name`` calls ML functions on: the kept version ``name`` names, if the
    record lists it, else the model (its default version)."""
    asked = name.lower().rsplit(".", 1)[-1]
    versions = [v.stored_as for v in record.versions if v.stored_as.lower().rsplit(".", 1)[-1] == asked]
    return versions[0] if versions else record.name


def page(viewer: Viewer, name: str) -> dict[str, Any]:
    record = _model(viewer, name)
    model_type = str(record.properties.get("model_type", ""))
    target = called(record, name)
    shown = [v for v in record.versions if v.stored_as == target]
    return {"d": record, "model_type": model_type, "sections": sections(model_type, tuned(record)),
            "called": target, "version": shown[0] if shown and target != record.name else None,
            "history": history(viewer, record.name, record.versions)}  # fmt: skip


def call(record: Any, section: Section, model_name: str | None = None) -> str:
    """``SELECT * FROM ML.<function>(MODEL m[, (training query)])``: the model quoted, the query the catalog's.

    The training query is the model's own (recorded by CREATE MODEL); it runs as the viewing principal
    like the rest, so it reads only what the principal may read.
    """
    model = table_expr(model_name or record.name).sql("bigquery")
    rows = record.properties.get("training_query") if section.on_training_rows else None
    args = f"MODEL {model}" + (f", ({rows})" if rows else "")
    return f"SELECT * FROM ML.{section.function}({args})"  # noqa: S608 - a name from the table above, a quoted model


def section(viewer: Viewer, name: str, function: str) -> dict[str, Any]:
    """One ML function's rows and chart, read as the principal."""
    record = _model(viewer, name)
    chosen = {s.function: s for s in sections(str(record.properties.get("model_type", "")), tuned(record))}
    if function not in chosen:
        raise NotFoundError(f"no section {function!r} for model {record.name}",
                            hint=f"sections: {', '.join(chosen)}")  # fmt: skip
    query = call(record, chosen[function], called(record, name))
    if HIDDEN in query:  # the catalog redacted the training query for this principal: do not guess it
        table = Table(error=f"the training query of {record.name} names columns hidden from {viewer.label}")
    else:
        table = viewer.read(query)
    rows = [dict(zip(table.columns, r, strict=True)) for r in table.rows]
    draw = chosen[function].chart
    return {"section": chosen[function], "table": table, "chart": draw(rows) if draw and rows else None}
