"""Training a tuned model: one trial per suggestion of the search, each a whole model of the type, kept.

``train`` runs in place of the model type's ``train`` (the engine calls it with the encoded training
table, which carries each row's ``__tuning_split``). Each trial trains the type on the TRAIN and EVAL rows
(EVAL as its evaluation split, through ``data_split_method = 'CUSTOM'``), is scored by the objective on
its EVAL metrics, and is tested with the type's own ML.EVALUATE on the TEST rows of the training query.
A trial that the model type refuses (a ``UsageError``: an invalid combination) is INFEASIBLE; when no
trial succeeds the statement fails.

MAX_PARALLEL_TRIALS trials are asked at once (a batch). A type whose training comes in ``Stages`` has
them trained concurrently: each trial's rows are prepared in turn on the statement's connection (one
transaction, temp tables), the batch's fits run in worker threads (xgboost releases the GIL; each gets
its share of the cores) and each trial is stored and tested in turn, in trial order. A fit does not
depend on what runs beside it, so the trials equal those of MAX_PARALLEL_TRIALS = 1 under the same
seed whenever the search asks the same hyperparameters (grid and random search). Other types train
their trials one after another.

Trial ``k`` of model ``m`` is stored as the model ``m__trial_<k>``: its state tables are
``m__trial_<k>__<part>``, listed among ``m``'s state tables (so DROP MODEL, versions and access exports
carry them), and its state and results are in ``m``'s ``state["tuning"]["trials"]``. The optimal trial's
parameters are also copied to ``m`` itself, so every reader of the model sees the optimal trial.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from lakehouse.errors import UsageError
from lakehouse.progress import ProgressEvent, report
from warehouse.ml.model import SPLIT, Call, Function, Scratch, Stages, TrainingData
from warehouse.ml.registry import Model
from warehouse.ml.sqlexpr import col, ident, sql
from warehouse.ml.tuning import search
from warehouse.ml.tuning.plan import AUTO_SPLIT_MIN_ROWS, SPLIT_COLUMN, Plan, with_split

log = logging.getLogger(__name__)

SUCCEEDED, FAILED, INFEASIBLE = "SUCCEEDED", "FAILED", "INFEASIBLE"
#: state every trial shares with its model (kept once, in the model's own state)
SHARED_STATE = ("statement", "training_read", "transform", "lake_snapshots", "dims", "tuning", "aliases")

Train = Callable[[Model, TrainingData], None]


def trial_name(model: str, trial_id: int) -> str:
    return f"{model}__trial_{trial_id}"


@dataclass
class Trial:
    trial_id: int
    hyperparameters: dict[str, Any]  # the trial's suggestion (without DART-only values of a GBTREE trial)
    tuned_options: dict[str, Any] = field(default_factory=dict)  # every tuned option's value in the trial
    status: str = SUCCEEDED
    error_message: str | None = None
    objective_value: float | None = None
    training_loss: float | None = None
    eval_loss: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)  # on the EVAL rows
    test_metrics: dict[str, Any] = field(default_factory=dict)  # on the TEST rows (EVAL when none)
    state: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Run:
    """What every trial of one CREATE MODEL shares."""

    plan: Plan
    model: Model
    data: TrainingData
    train: Train
    evaluate: Function
    test_rows: exp.Query | None  # the raw TEST rows of the training query (None: no TEST split)
    stages: Stages | None = None  # the type's training in steps: trials of a batch fit concurrently


def train(
    plan: Plan,
    train_type: Train,
    stages: Stages | None,
    evaluate: Function,
    source: exp.Query,
    split: exp.Expr,
    model: Model,
    data: TrainingData,
) -> None:
    """Run the trials, keep each, make the optimal trial the model (``model.state``, tables, metrics).

    ``source`` is the training query (TRANSFORM applied) and ``split`` the SQL of a row's split over its
    columns, as the engine used it for ``data.table``'s ``__tuning_split``."""
    model.state["tuning"] = plan.to_json()
    counts = _split_counts(plan, data)
    scratch = Scratch(data.con)  # the TEST rows, read once for every trial's ML.EVALUATE
    try:
        test_rows = scratch.materialize(_test_split(source, split)) if counts.get("TEST") else None
        run = Run(plan, model, data, train_type, evaluate, test_rows, stages)
        _finish(run, _trials(run))
    finally:
        scratch.close()


def _test_split(source: exp.Query, split: exp.Expr) -> exp.Query:
    """The raw TEST rows of the training query."""
    return (
        exp.select(exp.Star(except_=[col(SPLIT_COLUMN)]))
        .from_(with_split(source, split).subquery("__split"))
        .where(exp.EQ(this=col(SPLIT_COLUMN), expression=exp.Literal.string("TEST")))
    )


def _trials(run: Run) -> list[Trial]:
    """Ask the search for batches of MAX_PARALLEL_TRIALS suggestions until NUM_TRIALS trials ran."""
    plan, model = run.plan, run.model
    base_state = copy.deepcopy(model.state)
    defaults = {d.name: model.options.get(d.name) for d in plan.dimensions}
    sampler = search.make(
        plan.algorithm,
        plan.dimensions,
        defaults,
        seed=plan.seed,
        parallel=plan.parallel,
        minimize=plan.minimize,
        trials=plan.trials,
    )
    trials: list[Trial] = []
    while len(trials) < plan.trials:
        batch = _ask(sampler, min(plan.parallel, plan.trials - len(trials)))
        if not batch:
            break  # the search space is exhausted (grid search)
        results = _run_batch(run, len(trials) + 1, batch, base_state)
        for params, trial in zip(batch, results, strict=True):
            sampler.tell(params, trial.objective_value)
        trials.extend(results)
        best = [t.objective_value for t in trials if t.objective_value is not None]
        note = f"best {plan.objective.lower()} {(min if plan.minimize else max)(best):.6g}" if best else ""
        report(
            run.data.progress,
            ProgressEvent(f"tune {model.qualified_name}", len(trials), plan.trials, "trials", note),
        )
    return trials


def _split_counts(plan: Plan, data: TrainingData) -> dict[str, int]:
    table = f'"{data.table}"'
    if plan.split_method == "AUTO_SPLIT" and data.rows < AUTO_SPLIT_MIN_ROWS:
        data.con.execute(f"UPDATE {table} SET {SPLIT_COLUMN} = 'TRAIN'")
    rows = data.con.execute(f"SELECT {SPLIT_COLUMN}, count(*) FROM {table} GROUP BY 1").fetchall()
    counts = {str(name): int(n) for name, n in rows}
    wrong = sorted(str(name) for name in counts if name not in ("TRAIN", "EVAL", "TEST"))
    if wrong:
        raise UsageError(
            f"data_split_col {data.roles.get(SPLIT)!r} holds {wrong[0]!r}; with hyperparameter tuning it must be "
            "'TRAIN', 'EVAL' or 'TEST'",
            hint="a STRING column of TRAIN/EVAL/TEST (a BOOL split column is for models without num_trials)",
        )
    if not counts.get("TRAIN"):
        raise UsageError("the data split leaves no TRAIN rows", hint="check data_split_col or the fractions")
    return counts


def _ask(sampler: search.Search, size: int) -> list[search.Params]:
    batch = []
    for _ in range(size):
        params = sampler.ask()
        if params is None:
            break
        batch.append(params)
    return batch


def _trial_table(run: Run, name: str) -> tuple[str, dict[str, str]]:
    """The trial's training table: TRAIN and EVAL rows, EVAL flagged in ``__split`` (CUSTOM split)."""
    source = f'"{run.data.table}"'
    roles = dict(run.data.roles)
    if run.plan.supervised:
        drop = [SPLIT_COLUMN] + ([SPLIT] if SPLIT in roles else [])
        excluded = ", ".join(f'"{c}"' for c in drop)
        run.data.con.execute(
            f"CREATE TEMP TABLE \"{name}\" AS SELECT * EXCLUDE ({excluded}), ({SPLIT_COLUMN} = 'EVAL') AS {SPLIT} "
            f"FROM {source} WHERE {SPLIT_COLUMN} <> 'TEST'"
        )
        roles[SPLIT] = roles.get(SPLIT, SPLIT_COLUMN)
    else:
        run.data.con.execute(f'CREATE TEMP TABLE "{name}" AS SELECT * EXCLUDE ({SPLIT_COLUMN}) FROM {source}')
    return name, roles


def _trial_model(run: Run, trial_id: int, params: dict[str, Any], base_state: dict[str, Any]) -> Model:
    options = {**run.model.options, **params}
    if run.plan.supervised:
        options["data_split_method"] = "CUSTOM"
    state = {**copy.deepcopy(base_state), "tables": []}
    return Model(
        schema=run.model.schema,
        name=trial_name(run.model.name, trial_id),
        model_type=run.model.model_type,
        options=options,
        features=run.model.features,
        training_query=run.model.training_query,
        transform=run.model.transform,
        lake_snapshot=run.model.lake_snapshot,
        state=state,
    )


@dataclass
class _Started:
    """A trial on its way: its model and training rows, and what its type's ``Stages.prepare`` read."""

    trial: Trial
    model: Model
    data: TrainingData
    prepared: Any = None


def _start(run: Run, trial_id: int, params: dict[str, Any], base_state: dict[str, Any]) -> _Started:
    trial = Trial(trial_id, dict(params))
    model = _trial_model(run, trial_id, params, base_state)
    trial.tuned_options = {d.name: model.options.get(d.name) for d in run.plan.dimensions}
    table, roles = _trial_table(run, f"{run.data.table}_trial_{uuid.uuid4().hex[:8]}")
    data = TrainingData(
        con=run.data.con,
        table=table,
        dims=run.data.dims,
        rows=run.data.rows,
        roles=roles,
        label_type=run.data.label_type,
        progress=run.data.progress,
    )
    return _Started(trial, model, data)


def _run_batch(
    run: Run, first_id: int, batch: list[search.Params], base_state: dict[str, Any]
) -> list[Trial]:
    """The trials of one batch (ids from ``first_id``), in order: concurrently for a type with ``Stages``."""
    if run.stages is None:
        return [_run_trial(run, first_id + i, params, base_state) for i, params in enumerate(batch)]
    stages = run.stages
    threads = max(1, (os.cpu_count() or 1) // len(batch))
    started: list[_Started] = []
    fits: list[Future[Any] | None] = []
    try:
        with ThreadPoolExecutor(max_workers=len(batch), thread_name_prefix="trial") as pool:
            for i, params in enumerate(batch):  # a trial fits while the next one's rows are read
                started.append(_start(run, first_id + i, params, base_state))
                fits.append(_submit(run, started[-1], stages, pool, threads))
            return [_complete(run, s, fit, stages) for s, fit in zip(started, fits, strict=True)]
    finally:
        for s in started:
            run.data.con.execute(f'DROP TABLE IF EXISTS temp."{s.data.table}"')


def _submit(
    run: Run, started: _Started, stages: Stages, pool: ThreadPoolExecutor, threads: int
) -> Future[Any] | None:
    """Prepare the trial (DuckDB, this thread) and hand its fit to the pool; None when it is infeasible."""
    _attempt(run, started, lambda s: setattr(s, "prepared", stages.prepare(s.model, s.data)))
    if started.prepared is None:
        return None
    return pool.submit(stages.fit, started.model, started.prepared, threads)


def _complete(run: Run, started: _Started, fit: Future[Any] | None, stages: Stages) -> Trial:
    """Store a trial fitted in a worker thread (``fit`` None: its preparation found it infeasible)."""
    if fit is not None:
        _attempt(run, started, lambda s: stages.store(s.model, s.data, s.prepared, fit.result()))
    return (
        started.trial if started.trial.status == INFEASIBLE else _results(run, started.trial, started.model)
    )


def _attempt(run: Run, started: _Started, step: Callable[[_Started], None]) -> None:
    """One step of a trial; a ``UsageError`` (the type refuses these hyperparameters) makes it INFEASIBLE."""
    if started.trial.status == INFEASIBLE:
        return
    try:
        step(started)
    except UsageError as error:
        _infeasible(run, started.trial, started.model, error)


def _infeasible(run: Run, trial: Trial, model: Model, error: UsageError) -> None:
    _drop_tables(run, model)
    trial.status, trial.error_message = INFEASIBLE, str(error)
    log.info("trial %d of %s is infeasible: %s", trial.trial_id, run.model.qualified_name, error)


def _run_trial(run: Run, trial_id: int, params: dict[str, Any], base_state: dict[str, Any]) -> Trial:
    started = _start(run, trial_id, params, base_state)
    try:
        _attempt(run, started, lambda s: run.train(s.model, s.data))
    finally:
        run.data.con.execute(f'DROP TABLE IF EXISTS temp."{started.data.table}"')
    return (
        started.trial if started.trial.status == INFEASIBLE else _results(run, started.trial, started.model)
    )


def _results(run: Run, trial: Trial, model: Model) -> Trial:
    """A trained trial's metrics, objective, losses and TEST metrics."""
    trial.metrics = dict(model.metrics)
    value = model.metrics.get(run.plan.objective.lower())
    if value is None or math.isnan(float(value)):
        trial.status, trial.error_message = (
            FAILED,
            f"the objective {run.plan.objective} is NULL for this trial",
        )
    else:
        trial.objective_value = float(value)
    trial.training_loss, trial.eval_loss = _last_loss(run, model)
    trial.test_metrics = _test_metrics(run, model) if run.test_rows is not None else dict(model.metrics)
    model.metrics = trial.test_metrics
    trial.state = {k: v for k, v in model.state.items() if k not in SHARED_STATE}
    return trial


def _drop_tables(run: Run, model: Model) -> None:
    for part in model.state.get("tables", []):
        run.data.con.execute(sql(exp.Drop(tables=[model.state_table(part)], kind="TABLE", exists=True)))


def _last_loss(run: Run, model: Model) -> tuple[float | None, float | None]:
    if "training_info" not in model.state.get("tables", []):
        return None, None
    query = (
        exp.select(col("loss"), col("eval_loss"))
        .from_(model.state_table("training_info"))
        .order_by(
            exp.Ordered(this=col("training_run"), desc=True), exp.Ordered(this=col("iteration"), desc=True)
        )
        .limit(1)
    )
    row = run.data.con.execute(sql(query)).fetchone()
    return (None, None) if row is None else (row[0], row[1])


def _test_metrics(run: Run, model: Model) -> dict[str, Any]:
    """The trial's ML.EVALUATE on the TEST rows (the model type's own function)."""
    scratch = Scratch(run.data.con)
    try:
        call = Call(
            con=run.data.con,
            model=model,
            function="EVALUATE",
            input=run.test_rows,
            params={},
            thresholds=None,
            scratch=scratch,
        )
        cursor = run.data.con.execute(sql(run.evaluate(call)))
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
    finally:
        scratch.close()
    return {} if row is None else dict(zip(names, row, strict=True))


def _optimal(plan: Plan, trials: list[Trial]) -> Trial:
    succeeded = [t for t in trials if t.status == SUCCEEDED]
    if not succeeded:
        first = trials[0] if trials else None
        raise UsageError(
            f"hyperparameter tuning failed: none of the {len(trials)} trials succeeded"
            + (f" (trial 1: {first.error_message})" if first and first.error_message else ""),
            hint="check the search space against the model type's options",
        )
    sign = 1.0 if plan.minimize else -1.0
    return min(succeeded, key=lambda t: (sign * float(t.objective_value or 0.0), t.trial_id))


def _finish(run: Run, trials: list[Trial]) -> None:
    model, con = run.model, run.data.con
    optimal = _optimal(run.plan, trials)
    tables = model.state.setdefault("tables", [])
    for trial in trials:
        tables.extend(f"trial_{trial.trial_id}__{part}" for part in trial.state.get("tables", []))
    best = trial_name(model.name, optimal.trial_id)
    for part in optimal.state.get("tables", []):
        source = exp.Table(this=ident(f"{best}__{part}"), db=ident(model.schema))
        con.execute(f"CREATE OR REPLACE TABLE {sql(model.state_table(part))} AS SELECT * FROM {sql(source)}")
        if part not in tables:
            tables.append(part)
    model.state.update({k: v for k, v in optimal.state.items() if k != "tables"})
    model.options.update(optimal.tuned_options)
    model.metrics = dict(optimal.test_metrics)
    model.state["tuning"].update(optimal_trial=optimal.trial_id, trials=[t.to_json() for t in trials])
