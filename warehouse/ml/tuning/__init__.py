"""Hyperparameter tuning for every tunable model type (BigQuery ML's NUM_TRIALS, HPARAM_RANGE, ...).

Layout::

    space.py     HPARAM_RANGE / HPARAM_CANDIDATES taken out of CREATE MODEL's options and checked
                 against what the type tunes (``ModelType.tuning``, rows of ``warehouse.ml.tunable``)
    plan.py      a tuning run as CREATE MODEL asks for it, checked; the TRAIN/EVAL/TEST split as SQL
    search.py    GRID_SEARCH, RANDOM_SEARCH and VIZIER_DEFAULT (optuna's TPE sampler), seeded
    trials.py    the trials: each a model of the type, kept as ``<model>__trial_<k>``; the optimal one
                 becomes the model
    serving.py   ML.TRIAL_INFO, ``trial_id`` in the ML functions, ML.TRAINING_INFO's error

The engine calls ``extract`` before it parses the options, ``plan`` once it knows the model type,
``trainer`` in place of the type's ``train``, and ``serve`` for every ML function of a model. Nothing
here names a model type: each type declares what it tunes in its options module.
"""

from __future__ import annotations

import functools

from sqlglot import exp

from warehouse.ml.model import LABEL, ModelType
from warehouse.ml.tuning import trials
from warehouse.ml.tuning.plan import SPLIT_COLUMN, Plan, plan
from warehouse.ml.tuning.serving import FUNCTIONS, is_tuned, serve, trial_model
from warehouse.ml.tuning.space import extract

__all__ = [
    "FUNCTIONS",
    "SPLIT_COLUMN",
    "Plan",
    "extract",
    "is_tuned",
    "plan",
    "serve",
    "supervised",
    "trainer",
    "trial_model",
]


def supervised(model_type: ModelType) -> bool:
    """Does the type learn a label (then its rows split into TRAIN/EVAL/TEST)?"""
    return LABEL in model_type.roles


def trainer(run: Plan, model_type: ModelType, source: exp.Query, split: exp.Expr) -> trials.Train:
    """The ``train`` of a tuned CREATE MODEL: the trials of ``model_type`` on the engine's training table."""
    return functools.partial(
        trials.train,
        run,
        model_type.train,
        model_type.stages,
        model_type.functions["EVALUATE"],
        source,
        split,
    )
