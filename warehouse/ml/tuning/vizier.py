"""VIZIER_DEFAULT: Bayesian optimisation with optuna's TPE sampler (BigQuery's Vizier is a Gaussian-process
service; TPE is the well-kept open equivalent). Its own module so that optuna is imported only when a
statement asks for this algorithm."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import optuna

from warehouse.ml.tuning.space import DART_ONLY, Dimension
from warehouse.ml.tuning.start import Params, starting_point


def _encode(value: Any) -> Any:
    """A candidate as optuna takes it (None, bool, int, float or str): an array candidate (HIDDEN_UNITS) as
    its text."""
    return str(list(value)) if isinstance(value, tuple) else value


def _decode(d: Dimension, value: Any) -> Any:
    return next(c for c in d.candidates if _encode(c) == value)


class Vizier:
    """Bayesian optimisation: optuna's TPE sampler through its ask-and-tell interface, seeded, starting at
    BigQuery's starting point."""

    def __init__(
        self,
        dimensions: list[Dimension],
        defaults: Mapping[str, Any],
        seed: int,
        parallel: int,
        *,
        minimize: bool = False,
        trials: int = 20,
    ) -> None:
        self._dimensions = dimensions
        optuna.logging.set_verbosity(optuna.logging.WARNING)  # the library logs each trial at INFO otherwise
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(
                seed=seed,
                n_startup_trials=max(1, min(10, trials // 4)),
                multivariate=True,
                constant_liar=parallel > 1,
            )
        self._study = optuna.create_study(direction="minimize" if minimize else "maximize", sampler=sampler)
        start = starting_point(dimensions, defaults)
        self._study.enqueue_trial({name: _encode(value) for name, value in start.items()})
        self._pending: dict[int, optuna.trial.Trial] = {}

    def _suggest(self, trial: optuna.trial.Trial, d: Dimension) -> Any:
        if d.discrete:
            return _decode(d, trial.suggest_categorical(d.name, [_encode(c) for c in d.candidates]))
        assert d.low is not None and d.high is not None
        if d.kind is int:
            return trial.suggest_int(d.name, int(d.low), int(d.high), log=d.log)
        return trial.suggest_float(d.name, d.low, d.high, log=d.log)

    def ask(self) -> Params | None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            trial = self._study.ask()
            params: Params = {}
            ordered = sorted(self._dimensions, key=lambda d: d.name != "booster_type")  # the condition first
            for d in ordered:
                if d.name in DART_ONLY and params.get("booster_type", "DART") != "DART":
                    continue
                params[d.name] = self._suggest(trial, d)
        params = {d.name: params[d.name] for d in self._dimensions if d.name in params}
        self._pending[id(params)] = trial
        return params

    def tell(self, params: Params, value: float | None) -> None:
        trial = self._pending.pop(id(params))
        if value is None or math.isnan(value):
            self._study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            self._study.tell(trial, value)
