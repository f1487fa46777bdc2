"""The ML functions of a tuned model (``hp-tuning-overview``, "Model serving functions") and ML.TRIAL_INFO.

``serve`` runs every ML.<F> call (the engine hands over the resolved ``Call`` and the type's function):

- a model without tuning: the function as is (ML.TRIAL_INFO: an error);
- ``TRIAL_FUNCTIONS`` with input rows: one trial, the optimal one unless ``STRUCT(k AS trial_id)`` names
  another, with ``trial_id`` as the first output column;
- ``ALL_TRIALS`` without input rows: every succeeded trial (or the one ``trial_id`` names), ``trial_id``
  first; ML.EVALUATE then reports each trial's metrics on the TEST split;
- ML.TRAINING_INFO: BigQuery's error (iterations are not kept for tuned models);
- any other function: the optimal trial (the model itself holds its parameters).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import pyarrow as pa
from sqlglot import exp

from lakehouse.errors import NotFoundError, UsageError
from warehouse.ml.model import Call, Function
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import ident
from warehouse.ml.tuning.trials import SHARED_STATE, SUCCEEDED, trial_name

#: with input rows: the result of one trial (TRIAL_ID picks it; the optimal trial by default)
TRIAL_FUNCTIONS = frozenset({"PREDICT", "EVALUATE", "CONFUSION_MATRIX", "ROC_CURVE", "RECOMMEND"})
#: without input rows: the results of every trial, ``trial_id`` first
ALL_TRIALS = frozenset({"EVALUATE", "WEIGHTS", "CENTROIDS"})
TRAINING_INFO_ERROR = (
    "ML.TRAINING_INFO doesn't support hyperparameter tuning models. Please use ML.TRIAL_INFO instead."
)


def is_tuned(model: Model) -> bool:
    return "trials" in model.state.get("tuning", {})


def _trials(model: Model) -> list[dict[str, Any]]:
    return list(model.state["tuning"]["trials"])


def trial_model(model: Model, trial_id: int) -> Model:
    """Trial ``trial_id`` of a tuned model as a model of its own (``<name>__trial_<k>``)."""
    found = [t for t in _trials(model) if t["trial_id"] == trial_id]
    if not found:
        ids = [t["trial_id"] for t in _trials(model)]
        raise NotFoundError(
            f"model {model.qualified_name} has no trial {trial_id}",
            hint=f"trial ids: {min(ids)}..{max(ids)} (ML.TRIAL_INFO lists them)",
        )
    trial = found[0]
    if trial["status"] != SUCCEEDED:
        raise UsageError(
            f"trial {trial_id} of model {model.qualified_name} did not succeed ({trial['status']})",
            hint="pick a SUCCEEDED trial from ML.TRIAL_INFO",
        )
    shared = {k: v for k, v in model.state.items() if k in SHARED_STATE}
    return dataclasses.replace(
        model,
        name=trial_name(model.name, trial_id),
        options={**model.options, **trial["tuned_options"]},
        metrics=dict(trial["test_metrics"]),
        state={**shared, **trial["state"]},
    )


def _trial_id(call: Call, params: dict[str, Any]) -> int | None:
    value = params.pop("trial_id", None)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise UsageError(
            f"ML.{call.function}: trial_id = {value!r} is not an integer", hint="STRUCT(3 AS trial_id)"
        )
    return value


def _with_trial_id(trial_id: int, query: exp.Query) -> exp.Select:
    trial = exp.alias_(exp.cast(exp.Literal.number(trial_id), "BIGINT"), ident("trial_id"))
    return exp.select(trial, "*").from_(query.subquery("__trial"))


def serve(call: Call, run: Function) -> exp.Query:
    """``ML.<F>`` of ``call.model`` as the model type's function ``run`` answers it, for tuned models too."""
    model = call.model
    if not is_tuned(model):
        return run(call)
    if call.function == "TRAINING_INFO":
        raise UsageError(
            TRAINING_INFO_ERROR, hint=f"SELECT * FROM ML.TRIAL_INFO(MODEL {model.qualified_name})"
        )
    params = dict(call.params)
    if call.input is None and call.function in ALL_TRIALS:
        chosen = _trial_id(call, params)
        ids = (
            [chosen]
            if chosen is not None
            else [t["trial_id"] for t in _trials(model) if t["status"] == SUCCEEDED]
        )
        parts: list[exp.Query] = [
            _with_trial_id(
                k, run(dataclasses.replace(call, model=trial_model(model, k), params=dict(params)))
            )
            for k in ids
        ]
        union = functools.reduce(lambda a, b: exp.union(a, b, distinct=False), parts[1:], parts[0])
        return exp.select("*").from_(exp.Subquery(this=union, alias=exp.TableAlias(this=ident("__trials"))))
    if call.input is not None and call.function in TRIAL_FUNCTIONS:
        chosen = _trial_id(call, params)
        k = chosen if chosen is not None else int(model.state["tuning"]["optimal_trial"])
        return _with_trial_id(k, run(dataclasses.replace(call, model=trial_model(model, k), params=params)))
    return run(call)


def _arrow_kind(value: Any) -> pa.DataType:
    if isinstance(value, bool):
        return pa.bool_()
    if isinstance(value, int):
        return pa.int64()
    if isinstance(value, float):
        return pa.float64()
    if isinstance(value, list | tuple):  # HIDDEN_UNITS
        return pa.list_(pa.int64())
    return pa.string()


def trial_info(call: Call) -> exp.Query:
    """ML.TRIAL_INFO: one row per trial (BigQuery's columns)."""
    call.no_params()
    model = call.model
    if not is_tuned(model):
        raise UsageError(
            f"ML.TRIAL_INFO needs a model trained with hyperparameter tuning; {model.qualified_name} was trained "
            "without num_trials",
            hint="CREATE MODEL ... OPTIONS(num_trials = 10, ...) to tune",
        )
    tuning = model.state["tuning"]
    trials = _trials(model)
    names = list(tuning["search_space"])
    kinds = {}
    for name in names:
        values = [t["hyperparameters"][name] for t in trials if t["hyperparameters"].get(name) is not None]
        kinds[name] = _arrow_kind(values[0]) if values else pa.float64()
    objective = str(tuning["objective"]).lower()
    schema = pa.schema(
        [
            ("trial_id", pa.int64()),
            ("hyperparameters", pa.struct([(n, kinds[n]) for n in names])),
            ("hparam_tuning_evaluation_metrics", pa.struct([(objective, pa.float64())])),
            ("training_loss", pa.float64()),
            ("eval_loss", pa.float64()),
            ("status", pa.string()),
            ("error_message", pa.string()),
            ("is_optimal", pa.bool_()),
        ]
    )
    rows = [
        {
            "trial_id": t["trial_id"],
            "hyperparameters": {n: t["hyperparameters"].get(n) for n in names},
            "hparam_tuning_evaluation_metrics": {objective: t["objective_value"]},
            "training_loss": t["training_loss"],
            "eval_loss": t["eval_loss"],
            "status": t["status"],
            "error_message": t["error_message"],
            "is_optimal": t["trial_id"] == tuning["optimal_trial"],
        }
        for t in trials
    ]
    return call.scratch.rows_relation(schema, rows)


#: the functions of every model, tuned or not, that this package answers
FUNCTIONS: dict[str, Function] = {"TRIAL_INFO": trial_info}
