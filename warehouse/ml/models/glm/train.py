"""Training of the GLM family (LINEAR_REG, LOGISTIC_REG): the optimizers, the weights state table, warm start.

The training table comes from ``warehouse.ml.supervised.prepare`` (label ``__y``, weight ``__w``, split
``__is_eval``).

Optimizers (``optimize_strategy``): NORMAL_EQUATION - Newton's method on SQL aggregates of the
gradient and of X'HX (one exact step for squared error, i.e. the normal equation; iteratively
reweighted least squares for the logistic loss), solved in numpy on the small (1+d) x (1+d) matrix;
BATCH_GRADIENT_DESCENT - one aggregate query per step, LINE_SEARCH (halving/doubling) or CONSTANT
learning rate, L1 by soft-thresholding. The objective is sum(w * loss) + l2_reg |beta|^2 +
l1_reg |beta|_1 over the training split, the intercept unpenalized, in the standardized space.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressEvent, report
from warehouse.ml.model import TrainingData
from warehouse.ml.models.glm.sql import Family, evaluate_pass
from warehouse.ml.registry import Model, read_state
from warehouse.ml.sqlexpr import sql
from warehouse.ml.supervised import EVAL, W

WEIGHTS = pa.schema([("output", pa.int64()), ("dim", pa.int64()), ("weight", pa.float64())])


@dataclass
class Fit:
    beta: np.ndarray
    history: list[dict[str, Any]] = field(default_factory=list)
    strategy: str = ""
    plain: bool = False  # no weights, no eval rows


#: Newton's method aggregates a Hessian of parameters^2 / 2 sums per pass; beyond this, gradient descent
MAX_NEWTON_PARAMETERS = 200


def choose_strategy(
    options: Mapping[str, Any], rows: int, dims: int, family: Family, outputs: int = 1
) -> str:
    strategy = options["optimize_strategy"]
    parameters = outputs * (dims + 1)
    if strategy == "NORMAL_EQUATION" and (options["l1_reg"] > 0 or parameters > MAX_NEWTON_PARAMETERS):
        raise UsageError(
            f"optimize_strategy = 'NORMAL_EQUATION' cannot be used with l1_reg or more than {MAX_NEWTON_PARAMETERS} "
            f"weights (this model has {parameters})",
            hint="use 'BATCH_GRADIENT_DESCENT' or 'AUTO_STRATEGY'",
        )
    if strategy != "AUTO_STRATEGY":
        return str(strategy)
    # BigQuery: the normal equation unless L1, warm start, > 10,000 dimensions or rows < 10 x dimensions;
    # here also gradient descent beyond MAX_NEWTON_PARAMETERS weights (the Hessian is SQL aggregates)
    gradient = (
        options["l1_reg"] > 0
        or options["warm_start"]
        or dims > 10_000
        or rows < 10 * dims
        or parameters > MAX_NEWTON_PARAMETERS
    )
    return "BATCH_GRADIENT_DESCENT" if gradient else "NORMAL_EQUATION"


def _penalty(beta: np.ndarray, options: Mapping[str, Any]) -> float:
    body = beta[:, 1:]
    return float(options["l2_reg"] * np.sum(body**2) + options["l1_reg"] * np.sum(np.abs(body)))


def fit(model: Model, data: TrainingData, family: Family, outputs: int, start: np.ndarray | None) -> Fit:
    options = model.options
    d1 = len(data.dims) + 1
    beta = np.zeros((outputs, d1)) if start is None else start.copy()
    strategy = choose_strategy(options, data.rows, len(data.dims), family, outputs)
    result = Fit(beta=beta, strategy=strategy)
    row = data.con.execute(f'SELECT count_if({EVAL}), min({W}), max({W}) FROM "{data.table}"').fetchone()
    result.plain = bool(row and row[0] == 0 and row[1] == 1.0 and row[2] == 1.0)
    if strategy == "NORMAL_EQUATION":
        _newton(model, data, family, result)
    else:
        _gradient_descent(model, data, family, result)
    return result


def _record(
    result: Fit,
    model: Model,
    data: TrainingData,
    loss: float,
    eval_loss: float | None,
    rate: float | None,
    started: float,
) -> None:
    iteration = len(result.history)
    result.history.append(
        {
            "training_run": 0,
            "iteration": iteration,
            "loss": loss,
            "eval_loss": eval_loss,
            "learning_rate": rate,
            "duration_ms": int((time.perf_counter() - started) * 1000),
        }
    )
    report(
        data.progress,
        ProgressEvent(
            f"train {model.qualified_name}",
            iteration + 1,
            model.options["max_iterations"],
            "iterations",
            f"loss {loss:.6g}",
        ),
    )


def _newton(model: Model, data: TrainingData, family: Family, result: Fit) -> None:
    options = model.options
    outputs, d1 = result.beta.shape
    intercept = np.tile(np.arange(d1) == 0, outputs)  # over beta flattened output by output
    free = np.flatnonzero(~intercept | bool(options["fit_intercept"]))
    ridge = np.where(intercept, 0.0, 2.0 * options["l2_reg"])
    steps = 1 if family is Family.SQUARED else options["max_iterations"]
    previous = None
    for _ in range(steps):
        started = time.perf_counter()
        start = result.beta[0].copy()
        state = evaluate_pass(data.con, data.table, result.beta, family, hessian=True, plain=result.plain)
        assert state.hessian is not None
        flat = result.beta.reshape(-1)
        gradient = state.gradient.reshape(-1) + ridge * flat
        hessian = state.hessian + np.diag(ridge)
        step = np.linalg.lstsq(hessian[np.ix_(free, free)], gradient[free], rcond=None)[0]
        flat[free] -= (
            step  # the softmax Hessian is singular (shift invariance): lstsq takes the minimum-norm step
        )
        result.beta = flat.reshape(outputs, d1)
        objective = (state.train_loss + _penalty(result.beta, options)) / max(state.train_weight, 1e-300)
        if family is not Family.SQUARED:
            _record(result, model, data, objective, state.eval_loss, None, started)
            if previous is not None and abs(previous - objective) <= 1e-10 * max(abs(previous), 1e-300):
                break
            previous = objective
    if family is Family.SQUARED and result.plain:  # quadratic: the loss at the solution needs no second pass
        delta = result.beta[0] - start
        loss = (
            state.train_loss + float(state.gradient[0] @ delta) + 0.5 * float(delta @ state.hessian @ delta)
        )
        objective = (loss + _penalty(result.beta, options)) / max(state.train_weight, 1e-300)
        _record(result, model, data, objective, None, None, started)
        return
    final = evaluate_pass(data.con, data.table, result.beta, family)
    if family is Family.SQUARED:
        _record(
            result,
            model,
            data,
            (final.train_loss + _penalty(result.beta, options)) / max(final.train_weight, 1e-300),
            final.eval_loss,
            None,
            time.perf_counter(),
        )


def _soft_threshold(beta: np.ndarray, amount: float) -> np.ndarray:
    out = beta.copy()
    out[:, 1:] = np.sign(beta[:, 1:]) * np.maximum(np.abs(beta[:, 1:]) - amount, 0.0)
    return out


def _gradient_descent(model: Model, data: TrainingData, family: Family, result: Fit) -> None:
    options = model.options
    line_search = options["learn_rate_strategy"] == "LINE_SEARCH"
    rate = options["ls_init_learn_rate"] if line_search else options["learn_rate"]
    state = evaluate_pass(data.con, data.table, result.beta, family)
    n = max(state.train_weight, 1e-300)

    def objective(loss: float, beta: np.ndarray) -> float:
        return (loss + _penalty(beta, options)) / n

    current = objective(state.train_loss, result.beta)
    for _ in range(options["max_iterations"]):
        started = time.perf_counter()
        gradient = (
            state.gradient
            + 2.0 * options["l2_reg"] * np.where(np.arange(result.beta.shape[1]) > 0, result.beta, 0.0)
        ) / n
        if not options["fit_intercept"]:
            gradient[:, 0] = 0.0
        for _attempt in range(30):
            candidate = _soft_threshold(result.beta - rate * gradient, rate * options["l1_reg"] / n)
            trial = evaluate_pass(data.con, data.table, candidate, family)
            value = objective(trial.train_loss, candidate)
            if not line_search or value <= current:
                break
            rate /= 2.0
        improvement = (current - value) / abs(current) if current else 0.0
        result.beta, state, current = candidate, trial, value
        _record(result, model, data, current, state.eval_loss, rate, started)
        if line_search:
            rate *= 2.0
        if options["early_stop"] and improvement < options["min_rel_progress"]:
            break


def weights_table(beta: np.ndarray) -> pa.Table:
    rows = [
        {"output": k, "dim": j - 1, "weight": float(beta[k, j])}
        for k in range(beta.shape[0])
        for j in range(beta.shape[1])
    ]
    return pa.Table.from_pylist(rows, schema=WEIGHTS)


def load_beta(con: duckdb.DuckDBPyConnection, model: Model) -> np.ndarray:
    rows = read_state(con, model, "weights", "output, dim")
    outputs = int(model.state.get("outputs", 1))
    return np.array([r[2] for r in rows], dtype=float).reshape(outputs, len(model.dims) + 1)


def warm_start_beta(model: Model, outputs: int) -> np.ndarray | None:
    previous = model.state.get("warm_start")
    if not model.options["warm_start"] or not previous:
        return None
    if previous.get("dims") != model.state["dims"] or not previous.get("weights"):
        raise UsageError(
            f"warm_start: the features of {model.qualified_name} changed",
            hint="keep the feature columns unchanged",
        )
    beta = np.zeros((outputs, len(model.dims) + 1))
    for output, dim, weight in previous["weights"]:
        beta[int(output), int(dim) + 1] = weight
    return beta


def warm_start(con: duckdb.DuckDBPyConnection, previous: Model) -> dict[str, Any]:
    """What a warm start continues from: the replaced model's dimensions and weights."""
    state: dict[str, Any] = {"dims": previous.state.get("dims")}
    if "weights" in previous.state.get("tables", []):
        rows = con.execute(f"SELECT * FROM {sql(previous.state_table('weights'))}").fetchall()
        state["weights"] = [list(r) for r in rows]
    return state
